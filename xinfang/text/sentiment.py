"""Lexicon sentiment: 负面 / 中性 / 正面 with a score and the cues that decided it.

The hot path does not segment. All lexicon patterns (words, templates expanded, negators, degree and
contrast words, clause punctuation and the remark separator) sit in one Aho-Corasick automaton; one
leftmost-longest pass (:mod:`xinfang.text.matching`) over a whole batch of normalised remarks yields
the matches in order, and a small state machine per remark applies the rules described at the top of
``data/text/sentiment.yaml``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from xinfang.errors import DataFileError
from xinfang.text.matching import leftmost_longest
from xinfang.text.vocab import Lexicon, load_lexicon

NEGATIVE, NEUTRAL, POSITIVE = "负面", "中性", "正面"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)

# Kinds of automaton values (small ints: the loop compares them often).
_END, _STRONG, _QMARK, _WEAK, _WORD, _NEG, _DEG, _AFTER, _INITIAL, _BEFORE, _PARTICLE, _IRREALIS, _SARCASM, \
    _MASK = range(14)
_KIND = {"word": _WORD, "negator": _NEG, "degree": _DEG, "contrast_after": _AFTER,
         "contrast_initial": _INITIAL, "contrast_before": _BEFORE, "particle": _PARTICLE,
         "irrealis": _IRREALIS, "sarcasm": _SARCASM, "neutral": _MASK}

# Clause punctuation after width folding (see normalize.py). The remark separator is "\n".
STRONG_BOUNDARIES = ("。", "!", ";", "…", ".", "！", "；")
QUESTION_MARKS = ("?", "？")
WEAK_BOUNDARIES = (",", "、", ":", " ", "~", "，", "：", "～", "—", "-")


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float
    cues: list[str]


class _Compiled:
    """A lexicon compiled into an automaton plus the scoring parameters (built once per lexicon)."""

    def __init__(self, lexicon: Lexicon) -> None:
        import ahocorasick

        self.lexicon = lexicon
        self.version = lexicon.version
        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        barriers = set(STRONG_BOUNDARIES + QUESTION_MARKS + WEAK_BOUNDARIES)
        for word, e in lexicon.entries.items():
            bad = next((c for c in word if c in barriers), None)
            if bad is not None:
                raise DataFileError("vocab.bad_character", file=lexicon.file, line=e.line, value=word, char=bad)
            # (kind, weight, label, negatable, irrealis, survives_wish, length, ironic)
            automaton.add_word(word, (_KIND[e.kind], e.weight, e.label, e.negatable, e.irrealis,
                                      e.survives_wish, len(word), e.ironic))
        for mark in STRONG_BOUNDARIES:
            automaton.add_word(mark, (_STRONG, 0.0, "", False, False, False, 1, False))
        for mark in QUESTION_MARKS:
            automaton.add_word(mark, (_QMARK, 0.0, "", False, False, False, 1, False))
        for mark in WEAK_BOUNDARIES:
            automaton.add_word(mark, (_WEAK, 0.0, "", False, False, False, 1, False))
        automaton.add_word("\n", (_END, 0.0, "", False, False, False, 1, False))
        automaton.make_automaton()
        self.automaton = automaton
        s = lexicon.scoring
        self.scale = float(s["scale"])
        self.negative_below = float(s["negative_below"])
        self.positive_above = float(s["positive_above"])
        self.negated_negative = float(s["negated_negative_factor"])
        self.negation_window = int(s["negation_window"])
        self.degree_window = int(s["degree_window"])
        self.before_factor = float(s["contrast_before_factor"])
        self.after_factor = float(s["contrast_after_factor"])
        self.question_positive = float(s["question_positive_factor"])

    def label_of(self, score: float) -> str:
        if score <= self.negative_below and score < 0:
            return NEGATIVE
        if score >= self.positive_above and score > 0:
            return POSITIVE
        return NEUTRAL

    def score_of(self, raw: float) -> float:
        return raw / (abs(raw) + self.scale) if raw else 0.0

    # -- the hot loop -----------------------------------------------------------------------------
    def score_joined(self, joined: str, count: int) -> list[tuple[float, list[tuple[float, str]]]]:
        """Raw score and cues ``(contribution, text)`` for each of the ``count`` remarks in ``joined``.

        ``joined`` is the output of :func:`xinfang.text.normalize.normalize_joined`: remarks separated
        by ``"\\n"``. Cue contributions are signed; modifiers (转折 …) carry 0.
        """
        results: list[tuple[float, list[tuple[float, str]]]] = []
        state = _State()
        for end, value in leftmost_longest(self.automaton, joined, length_at=6, barrier_at=0,
                                           barrier_max=_WEAK):
            kind = value[0]
            if kind == _WORD:
                self._word(state, joined, end, value)
            elif kind == _WEAK or kind == _STRONG or kind == _QMARK:
                self._close_clause(state, end, kind)
            elif kind == _END:
                self._close_clause(state, end, _STRONG)
                results.append(self._close_text(state))
                state = _State(end + 1)
            elif kind == _NEG:
                state.neg_start, state.neg_end = end - value[6] + 1, end
            elif kind == _DEG:
                state.deg_start, state.deg_end, state.deg_mult, state.deg_ironic = \
                    end - value[6] + 1, end, value[1], value[7]
            elif kind == _AFTER or (kind == _INITIAL and end - value[6] + 1 == state.clause_start):
                f = self.before_factor
                state.total *= f
                state.clause *= f
                state.pos_sum *= f
                state.ironic_sum *= f
                state.after = self.after_factor
                state.contrast = True
                state.cues.append((0.0, f"{joined[end - value[6] + 1:end + 1]}(转折)"))
            elif kind == _BEFORE:
                state.concessive = True
            elif kind == _PARTICLE:
                state.question = True
            elif kind == _IRREALIS:
                state.wish = True
            elif kind == _SARCASM:
                state.sarcasm = True
                state.clause += value[1]
                state.neg_sum += value[1]
                state.cues.append((value[1], f"{joined[end - value[6] + 1:end + 1]}({value[2]})"))
            # _MASK: nothing; it only hides the words it contains
        if len(results) < count:  # the last remark has no trailing separator
            self._close_clause(state, len(joined), _STRONG)
            results.append(self._close_text(state))
        return results

    def finish(self, raw: float, cues: list[tuple[float, str]]) -> Sentiment:
        """Label, score in [-1, 1] and the cue texts, deciding cues first."""
        return Sentiment(*self.finish_tuple(raw, cues))

    def finish_tuple(self, raw: float, cues: list[tuple[float, str]]) -> tuple[str, float, list[str]]:
        """(label, score, cue texts) — the same as :meth:`finish` without the object, for the hot path."""
        if not raw:
            return NEUTRAL, 0.0, [t for _, t in cues]
        score = raw / (abs(raw) + self.scale)
        if score <= self.negative_below and score < 0:
            label, sign = NEGATIVE, -1.0
        elif score >= self.positive_above and score > 0:
            label, sign = POSITIVE, 1.0
        else:
            return NEUTRAL, round(score, 4), [t for _, t in cues]
        if len(cues) == 1:
            return label, round(score, 4), [cues[0][1]]
        # Deciding cues first (same sign as the label), then modifiers, then opposing cues.
        ordered = sorted(cues, key=lambda c: 0 if c[0] * sign > 0 else 1 if c[0] == 0 else 2)
        seen: set[str] = set()
        return label, round(score, 4), [t for _, t in ordered if not (t in seen or seen.add(t))]

    def _word(self, st: _State, joined: str, end: int, value: tuple) -> None:
        start = end - value[6] + 1
        w = value[1]
        if st.wish and w > 0 and not value[5]:
            return  # a positive word inside a wish describes what is missing
        cue_start = start
        label = value[2]
        ironic = False
        reach = start  # where the word (with its degree word) begins, for the negation window
        if st.deg_end >= st.clause_start and start - st.deg_end - 1 <= self.degree_window:
            w *= st.deg_mult
            cue_start = reach = st.deg_start
            ironic = st.deg_ironic and w > 0
            st.deg_end = -999
        if value[3] and st.neg_end >= st.clause_start and reach - st.neg_end - 1 <= self.negation_window:
            w = -w * self.negated_negative if w < 0 else -w
            cue_start = min(cue_start, st.neg_start)
            label += "·否定"
            st.neg_end = -999
            ironic = False
        w *= st.after
        st.clause += w
        if w > 0:
            st.pos_sum += w
            st.clause_pos += w
            if ironic:
                st.ironic_sum += w
        else:
            st.neg_sum += w
        st.cues.append((w, f"{joined[cue_start:end + 1]}({label})"))
        if value[4]:
            st.wish = True

    def _close_clause(self, st: _State, end: int, kind: int) -> None:
        if (st.question or kind == _QMARK) and st.clause_pos > 0:
            # Positive words in a question are not praise ("伤好了以后还能回原岗位吗?").
            keep = self.question_positive
            drop = st.clause_pos * (1 - keep)
            st.clause -= drop
            st.pos_sum -= drop
            if not keep:
                first = st.clause_cues
                st.cues[first:] = [c for c in st.cues[first:] if c[0] <= 0]
        if st.concessive:
            st.clause *= self.before_factor
        st.total += st.clause
        st.clause = 0.0
        st.clause_pos = 0.0
        st.question = st.concessive = False
        st.clause_start = end + 1
        st.clause_cues = len(st.cues)
        st.neg_end = st.deg_end = -999
        if kind != _WEAK:
            st.wish = False
            st.after = 1.0

    def _close_text(self, st: _State) -> tuple[float, list[tuple[float, str]]]:
        total = st.total
        cues = st.cues
        if st.sarcasm and st.pos_sum > 0:
            total -= 2 * st.pos_sum
        elif st.ironic_sum > 0 and st.neg_sum < 0 and not st.contrast:
            # "真及时，每次都是…": praise with 真 in a remark that complains is irony.
            total -= 2 * st.ironic_sum
            cues = [(-c, f"{t[:t.rfind('(')]}(反讽)") if c > 0 else (c, t) for c, t in cues]
        if not any(c for c, _ in cues):
            cues = []
        return total, cues


class _State:
    """Running state of one remark in :meth:`_Compiled.score_joined`."""

    __slots__ = ("total", "clause", "clause_pos", "pos_sum", "neg_sum", "ironic_sum", "cues", "clause_cues",
                 "clause_start", "neg_start", "neg_end", "deg_start", "deg_end", "deg_mult", "deg_ironic",
                 "wish", "after", "concessive", "question", "sarcasm", "contrast")

    def __init__(self, start: int = 0) -> None:
        self.total = self.clause = self.clause_pos = self.pos_sum = self.neg_sum = self.ironic_sum = 0.0
        self.cues: list[tuple[float, str]] = []
        self.clause_cues = 0
        self.clause_start = start
        self.neg_start = self.deg_start = 0
        self.neg_end = self.deg_end = -999
        self.deg_mult = 1.0
        self.deg_ironic = False
        self.wish = self.concessive = self.question = self.sarcasm = self.contrast = False
        self.after = 1.0

_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _compile_cached(lexicon: Lexicon) -> _Compiled:
    return _Compiled(lexicon)


def compiled(lexicon: Lexicon | str | None = None) -> _Compiled:
    """The compiled automaton for ``lexicon`` (a Lexicon, a path, or None for the configured file)."""
    if not isinstance(lexicon, Lexicon):
        lexicon = load_lexicon(lexicon)
    with _LOCK:
        return _compile_cached(lexicon)


def score_texts(texts, lexicon: Lexicon | str | None = None) -> list[Sentiment]:
    """Lexicon sentiment for each text (convenience; :func:`xinfang.text.analyze` is the main API)."""
    from xinfang.text.normalize import normalize_joined

    engine = compiled(lexicon)
    joined, count = normalize_joined(texts)
    return [engine.finish(raw, cues) for raw, cues in engine.score_joined(joined, count)]


def sentiment(text: object, lexicon: Lexicon | str | None = None) -> Sentiment:
    """Lexicon sentiment of one text."""
    return score_texts([text], lexicon)[0]


__all__ = ["LABELS", "NEGATIVE", "NEUTRAL", "POSITIVE", "Sentiment", "compiled", "score_texts", "sentiment"]
