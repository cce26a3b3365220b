"""Discovery of new themes among remarks the taxonomy does not cover (未归类), and promotion of a theme's
words into the taxonomy file.

Discovery segments the remarks with jieba (mining dictionary), weighs words by TF-IDF and factorises the
matrix with NMF; each component is a candidate theme with its top words and example remarks. The
director reads them and promotes the useful ones with :func:`promote_theme`, which edits
``taxonomy.yaml`` in place (comments and layout kept), bumps its version and checks the result loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xinfang.errors import DataFileError, ValidationError
from xinfang.text.vocab import TAXONOMY_FILE, UNCLASSIFIED, data_file, load_taxonomy


@dataclass
class Theme:
    """A candidate theme: its top words (with weights), how many remarks it covers, examples."""

    words: list[str]
    weights: list[float]
    size: int
    examples: list[object] = field(default_factory=list)   # index labels (or positions) of remarks

    def __str__(self) -> str:
        return f"{' / '.join(self.words[:8])}（{self.size} 条）"


def _space_split(doc: str) -> list[str]:
    return doc.split(" ")


def discover_topics(texts, *, n_topics: int = 8, random_state: int = 0, top_words: int = 10,
                    n_examples: int = 5, min_df: int = 2, text_column: str = "text") -> list[Theme]:
    """Candidate themes among ``texts``, largest first.

    ``texts`` is a list or Series of remarks (all are used: pass the unmatched ones), or an analysed
    DataFrame with a ``topics`` column, of which only rows tagged 未归类 are used. Examples are index
    labels of the input (positions for a plain list).
    """
    import numpy as np
    import pandas as pd
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    from xinfang.text.normalize import normalize_many
    from xinfang.text.segment import segment

    if isinstance(texts, pd.DataFrame):
        if text_column not in texts.columns:
            raise ValidationError("text.no_column", column=text_column, known="、".join(map(str, texts.columns)),
                                  argument="text_column")
        frame = texts
        if "topics" in frame.columns:
            unmatched = frame["topics"].map(lambda t: list(t) == [UNCLASSIFIED] if t is not None else True)
            frame = frame[unmatched]
        labels = list(frame.index)
        values = frame[text_column].tolist()
    elif isinstance(texts, pd.Series):
        labels, values = list(texts.index), texts.tolist()
    else:
        values = [texts] if isinstance(texts, str) else list(texts)
        labels = list(range(len(values)))

    docs = [" ".join(segment(t)) for t in normalize_many(values)]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < 2 or n_topics < 1:
        return []
    docs = [docs[i] for i in keep]
    vectorizer = TfidfVectorizer(tokenizer=_space_split, token_pattern=None, lowercase=False,
                                 min_df=min(min_df, len(docs)), max_df=0.95 if len(docs) > 20 else 1.0,
                                 sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # empty vocabulary after pruning
        return []
    k = min(n_topics, matrix.shape[0], matrix.shape[1])
    if k < 1:
        return []
    model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=600)
    weights = model.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    best = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    themes = []
    for t in range(k):
        members = [r for r in range(len(docs)) if best[r] == t and strength[r] > 0]
        if not members:
            continue
        component = model.components_[t]
        order = np.argsort(-component)[:top_words]
        words = [str(vocabulary[j]) for j in order if component[j] > 0]
        members.sort(key=lambda r: -weights[r, t])
        themes.append(Theme(words=words, weights=[round(float(component[j]), 4) for j in order[:len(words)]],
                            size=len(members), examples=[labels[keep[r]] for r in members[:n_examples]]))
    themes.sort(key=lambda th: -th.size)
    return themes


# -- promotion into the taxonomy ------------------------------------------------------------------

def _bump(version: str) -> str:
    match = re.match(r"^(.*?)(\d+)$", version)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    return f"{version}-1"


def promote_theme(words, *, code: str | None = None, name: str | None = None,
                  path: str | Path | None = None) -> str:
    """Add ``words`` to topic ``code`` in the taxonomy file, or create a new topic ``name`` (next free
    code) when ``code`` is None. Bumps the file's version; returns the new version.

    Words already in the topic and words shorter than two characters are skipped. The file is edited
    as text (comments kept) and re-validated; on any error it is restored and the error raised.
    """
    import yaml

    from xinfang.text.normalize import normalize_many

    target = Path(path) if path else data_file(TAXONOMY_FILE)
    taxonomy = load_taxonomy(target)
    original = target.read_text(encoding="utf-8")
    root = yaml.compose(original, Loader=yaml.SafeLoader)
    top = {k.value: v for k, v in root.value}
    topics_node = top["topics"]

    candidates = [w.strip() for w in words if isinstance(w, str) and w.strip()]
    normalised = normalize_many(candidates)

    if code is not None:
        topic = next((t for t in taxonomy.topics if t.code == code), None)
        if topic is None:
            raise ValidationError("text.unknown_topic", topic=code, file=str(target),
                                  known="、".join(taxonomy.codes))
        existing = set(topic.words)
        new = []
        for word, norm in zip(candidates, normalised, strict=True):
            if len(norm) >= 2 and norm not in existing:
                existing.add(norm)
                new.append(word)
        if not new:
            return taxonomy.version
        item = next(i for i in topics_node.value if {k.value: v for k, v in i.value}["code"].value == code)
        words_node = {k.value: v for k, v in item.value}["words"]
        text = _insert_words(original, words_node, new)
    else:
        if not name:
            raise ValidationError("text.theme_needs_name")
        numbers = [int(c[1:]) for c in taxonomy.codes]
        code = f"C{(max(numbers) + 1 if numbers else 1):02d}"
        new, seen = [], set()
        for word, norm in zip(candidates, normalised, strict=True):
            if len(norm) >= 2 and norm not in seen:
                seen.add(norm)
                new.append(word)
        first = topics_node.value[0]
        indent = " " * first.start_mark.column
        dash = " " * max(first.start_mark.column - 2, 0)
        block = (f"{dash}- code: {code}\n{indent}name: {name}\n{indent}words: [\n"
                 f"{indent}  {', '.join(new)},\n{indent}]\n")
        at = topics_node.end_mark.index
        prefix = original[:at]
        if not prefix.endswith("\n"):
            prefix += "\n"
        text = prefix + block + original[at:]
    version_node = top["version"]
    new_version = _bump(taxonomy.version)
    start, end = version_node.start_mark.index, version_node.end_mark.index
    if original[start:end].strip().startswith(("'", '"')):
        replacement = f'"{new_version}"'
    else:
        replacement = new_version
    # The version line precedes the topics in any sane file; edit from the end backwards otherwise.
    if end <= topics_node.start_mark.index:
        text = text[:start] + replacement + text[end:]
    else:  # pragma: no cover - unusual layout
        text = text.replace(original[start:end], replacement, 1)
    target.write_text(text, encoding="utf-8")
    try:
        load_taxonomy(target)
    except DataFileError:
        target.write_text(original, encoding="utf-8")
        raise
    return new_version


def _insert_words(original: str, words_node, words: list[str]) -> str:
    """Insert ``words`` at the end of a flow (``[a, b]``) or block (``- a``) sequence."""
    end = words_node.end_mark.index
    if words_node.flow_style:
        close = original.rfind("]", 0, end)
        line_start = original.rfind("\n", 0, close) + 1
        if original[line_start:close].strip() == "":  # "]" alone on its line
            last_item = words_node.value[-1] if words_node.value else None
            indent = " " * (last_item.start_mark.column if last_item else words_node.start_mark.column + 2)
            return original[:line_start] + f"{indent}{', '.join(words)},\n" + original[line_start:]
        before = original[:close].rstrip()
        sep = " " if before.endswith(",") or before.endswith("[") else ", "
        return before + sep + ", ".join(words) + original[close:]
    last = words_node.value[-1]
    indent = " " * max(last.start_mark.column - 2, 0)
    line_end = original.find("\n", last.end_mark.index)
    line_end = len(original) if line_end < 0 else line_end + 1
    block = "".join(f"{indent}- {w}\n" for w in words)
    prefix = original[:line_end] if original[:line_end].endswith("\n") else original[:line_end] + "\n"
    return prefix + block + original[line_end:]


__all__ = ["Theme", "discover_topics", "promote_theme"]
