"""Topic tagging by the editable taxonomy: multi-label, with the matched words shown.

One Aho-Corasick automaton holds every phrasing of every topic; a leftmost-longest pass
(:mod:`xinfang.text.matching`) over a batch of
normalised remarks gives each remark its topics and the words that put it there ("夜班费" is C02 even
though "夜班" is C08). A remark matching nothing is 未归类 and feeds topic discovery.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from xinfang.text.matching import leftmost_longest
from xinfang.text.vocab import Taxonomy, load_taxonomy


class _CompiledTaxonomy:
    def __init__(self, taxonomy: Taxonomy) -> None:
        import ahocorasick

        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self.unclassified = taxonomy.unclassified
        self.order = {code: i for i, code in enumerate(taxonomy.codes)}
        # word -> ((code, is_context), ...)
        codes_of: dict[str, list[tuple[str, bool]]] = {}
        for topic in taxonomy.topics:
            for word in topic.words:
                codes_of.setdefault(word, []).append((topic.code, False))
            for word in topic.context_words:
                codes_of.setdefault(word, []).append((topic.code, True))
        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        for word, codes in codes_of.items():
            automaton.add_word(word, (1, tuple(codes), word, len(word)))
        automaton.add_word("\n", (0, None, None, 1))
        automaton.make_automaton()
        self.automaton = automaton

    def match_joined(self, joined: str, count: int) -> list[dict[str, list[str]]]:
        """For each remark in ``joined`` (separated by "\\n"): topic code → matched words, in text order.

        A topic found only through its context words is dropped.
        """
        out: list[dict[str, list[str]]] = []
        current: dict[str, list[str]] = {}
        context_only: set[str] = set()
        for _end, value in leftmost_longest(self.automaton, joined, length_at=3, barrier_at=0, barrier_max=0):
            if not value[0]:
                if context_only:
                    for code in context_only:
                        del current[code]
                    context_only = set()
                out.append(current)
                current = {}
                continue
            word = value[2]
            for code, is_context in value[1]:
                words = current.get(code)
                if words is None:
                    current[code] = [word]
                    if is_context:
                        context_only.add(code)
                else:
                    if word not in words:
                        words.append(word)
                    if not is_context and code in context_only:
                        context_only.discard(code)
        if len(out) < count:
            for code in context_only:
                del current[code]
            out.append(current)
        return out

    def topics_of(self, found: dict[str, list[str]]) -> list[str]:
        """Topic codes, most matched words first, then taxonomy order; [未归类] when none."""
        if not found:
            return [self.unclassified]
        if len(found) == 1:
            return list(found)
        order = self.order
        return sorted(found, key=lambda code: (-len(found[code]), order.get(code, 999)))


_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _compile_cached(taxonomy: Taxonomy) -> _CompiledTaxonomy:
    return _CompiledTaxonomy(taxonomy)


def compiled(taxonomy: Taxonomy | str | None = None) -> _CompiledTaxonomy:
    """The compiled automaton for ``taxonomy`` (a Taxonomy, a path, or None for the configured file)."""
    if not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    with _LOCK:
        return _compile_cached(taxonomy)


def match_topics(texts, taxonomy: Taxonomy | str | None = None) -> list[tuple[list[str], dict[str, list[str]]]]:
    """(topics, matched words per topic) for each text."""
    from xinfang.text.normalize import normalize_joined

    engine = compiled(taxonomy)
    joined, count = normalize_joined(texts)
    return [(engine.topics_of(found), found) for found in engine.match_joined(joined, count)]


__all__ = ["compiled", "match_topics"]
