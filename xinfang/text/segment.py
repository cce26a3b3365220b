"""Word segmentation (jieba with the mining dictionary) for keywords and topic discovery.

The hot path of :func:`xinfang.text.analyze` never segments; this module is used only when keywords
are asked for and by discovery. The jieba tokenizer is a private ``jieba.Tokenizer`` instance built on
first use with jieba's own dictionary plus ``data/text/mining_dict.txt`` and every taxonomy phrasing
(jieba caches its prefix dictionary under /tmp).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from xinfang.text.vocab import MiningDict, Taxonomy, load_mining_dict, load_stopwords, load_taxonomy

_KEEP = re.compile(r"[\u4e00-\u9fffa-z]")
# Two-character words made of a negation or degree word plus one character ("不上", "太差") say how,
# not what: they never name a theme.
_FUNCTION_START = frozenset("不没太很挺都也就才还又再更最别")
_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _tokenizer_for(mining: MiningDict, taxonomy: Taxonomy):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq, tag in mining.entries:
        tokenizer.add_word(word, freq if freq is not None else 2000, tag)
    for topic in taxonomy.topics:
        for word in topic.words:
            if word not in tokenizer.FREQ or not tokenizer.FREQ[word]:
                tokenizer.add_word(word, 2000)
    return tokenizer


def tokenizer():
    """The shared jieba tokenizer (built once; rebuilt when the mining dictionary or taxonomy changes)."""
    with _LOCK:
        return _tokenizer_for(load_mining_dict(), load_taxonomy())


def segment(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Words of an analysis-form text, without punctuation, digits, single characters and stopwords."""
    stop = load_stopwords()
    words = []
    for word in tokenizer().cut(text, HMM=True):
        word = word.strip()
        if len(word) < 2 or not _KEEP.search(word) or word.isdigit():
            continue
        if len(word) == 2 and word[0] in _FUNCTION_START:
            continue
        if not keep_stopwords and word in stop:
            continue
        words.append(word)
    return words


@lru_cache(maxsize=1)
def _idf():
    """jieba's shipped IDF table (word → idf) and its median, read once."""
    import os

    import jieba.analyse

    path = os.path.join(os.path.dirname(jieba.analyse.__file__), "idf.txt")
    table: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 2:
                table[parts[0]] = float(parts[1])
    values = sorted(table.values())
    return table, values[len(values) // 2]


def keywords(texts: list[str], top_k: int = 5) -> list[list[str]]:
    """Top TF-IDF words per analysis-form text (jieba's IDF table; unknown words get the median IDF)."""
    idf, median = _idf()
    out = []
    for text in texts:
        if not text:
            out.append([])
            continue
        counts: dict[str, int] = {}
        for word in segment(text):
            counts[word] = counts.get(word, 0) + 1
        ranked = sorted(counts, key=lambda w: (-counts[w] * idf.get(w, median), w))
        out.append(ranked[:top_k])
    return out


__all__ = ["keywords", "segment", "tokenizer"]
