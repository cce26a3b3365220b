"""Leftmost-longest multi-pattern matching over an Aho-Corasick automaton.

pyahocorasick's own ``iter_long`` misses a short match when a longer pattern shares the text before it
and then fails (patterns "量实在太大" and "实在" over "质量实在不行" give nothing), so the selection is
done here from ``iter`` (all matches, ordered by end): a match replaces the earlier ones it covers from
their start on, and is dropped when it overlaps an earlier one that starts before it. Barrier matches
(clause punctuation, the remark separator) never overlap a pattern, so the pending matches are final
when one arrives.
"""

from __future__ import annotations

from collections.abc import Iterator


def leftmost_longest(automaton, text: str, *, length_at: int, barrier_at: int,
                     barrier_max: int) -> Iterator[tuple[int, tuple]]:
    """``(end, value)`` of the leftmost-longest matches of ``automaton`` in ``text``, in text order.

    ``value[length_at]`` is the pattern's length; a value with ``value[barrier_at] <= barrier_max`` is a
    barrier (punctuation or separator).
    """
    pending: list[tuple[int, int, tuple]] = []
    for end, value in automaton.iter(text):
        if value[barrier_at] <= barrier_max:
            if pending:
                for item in pending:
                    yield item[1], item[2]
                pending = []
            yield end, value
            continue
        start = end - value[length_at] + 1
        keep = True
        while pending:
            last = pending[-1]
            if last[1] < start:
                break
            if start <= last[0]:
                pending.pop()
            else:
                keep = False
                break
        if keep:
            pending.append((start, end, value))
    for item in pending:
        yield item[1], item[2]


__all__ = ["leftmost_longest"]
