"""Hostile input for the fuzz tests: arbitrary unicode, awkward values, answers to a form."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import strategies as st

from xinfang.forms import Field, FormSpec

# Text people and programs really produce, and text that breaks naive code.
NASTY = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\ufeff", "\u200b", "\u200d", "\u202e", "\u2028", "\u2029",
    "\x85", "\ud800", "\udfff", "\ud83d", "\U0010ffff", "\ufffd", "\ufff9", "\u3000", "\xa0",
    "煤(mei)礦", "信(xin)(xin)訪(fang)(fang)", "礦(kuàng)", "（一）", "(OK)", "(3000元)", "(", "（", ")(",
    "精益奖金分配差距比较大", "信访办的同志态度好，没架子", "不满意", "不是不满意", "很不满意！！！", "差距比较大。。。",
    "工資拖欠", "勞保用品發放不及時", "ＡＢＣ１２３", "ﾃｽﾄ", "𠀀𪚥", "👨‍👩‍👧‍👦", "🇨🇳", "e\u0301\u0301\u0301",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    "=SUM(A1:A9)", "=1/0", "@cmd", "+1", "-1", "0", "-0", "1e309", "NaN", "Infinity", "None", "null", "true",
    "${unit}", "{0}", "%s%n", "{{x}}", "'; DROP TABLE cases; --", "\\", "\\u0000", "┋", "→", "〖其他〗",
    "(跳过)", "(空)", "-3", "2026-02-30", "2026/13/01", "99999", "1900-01-00", "20260230", "١٢٣", "²³",
]

# every character class, lone surrogates and control characters included
any_char = st.characters(codec=None, exclude_categories=())
cjk_char = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
pinyin = st.sampled_from(["(mei)", "(kuàng)", "(xin)", "(fang)", "（gong）", "(zi)", "(lv3)", "(ü)", "(a)"])

hostile_text = st.one_of(
    st.text(any_char, max_size=60),
    st.lists(st.one_of(cjk_char, st.sampled_from(list("，。！？；、…（）()")), pinyin), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(any_char, max_size=8), cjk_char), max_size=12)
    .map("".join),
    st.sampled_from(NASTY),
)

long_text = st.builds(lambda piece, n: piece * n, st.sampled_from(["字", "a", "很不满意，", "\u200d", "煤(mei)"]),
                      st.sampled_from([1000, 5000, 5001, 20_000, 100_000]))

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53 + 1, 1e12, 1e12 + 1, -0.0,
                     math.nan, math.inf, -math.inf, 1e-320, True, False]),
)

dates = st.one_of(st.dates(), st.datetimes(), st.dates().map(dt.date.isoformat),
                  st.datetimes().map(lambda d: d.isoformat()))

scalars = st.one_of(st.none(), hostile_text, numbers, dates)

json_like = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=3),
                            st.tuples(inner, inner), st.sets(st.integers(), max_size=3)),
    max_leaves=10,
)


def _plausible(f: Field) -> st.SearchStrategy:
    """Values of the right kind for ``f`` (often valid, often just outside what is allowed)."""
    names = [c.name for c in f.choices]
    if f.kind == "text":
        return st.one_of(hostile_text, long_text, st.sampled_from(["13912345678", "010-12345678", "A12345",
                                                                   "王建国", "食堂饭菜太咸了，希望改进"]))
    if f.kind == "integer":
        return st.one_of(st.integers(min_value=-5, max_value=6000), numbers,
                         st.integers(min_value=-5, max_value=600).map(str),
                         st.integers(min_value=0, max_value=99).map(lambda n: str(n).translate(
                             {ord(d): ord(d) + 0xFEE0 for d in "0123456789"})))
    if f.kind == "decimal":
        return st.one_of(numbers, numbers.map(str))
    if f.kind in {"date", "datetime"}:
        return st.one_of(dates, st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))
                         .map(dt.date.isoformat))
    if f.kind == "select_one" and names:
        return st.one_of(st.sampled_from(names), st.sampled_from(names).map(lambda n: f" {n} "),
                         st.sampled_from(names).map(lambda n: int(n) if n.lstrip("-").isdigit() else n))
    if f.kind == "select_multiple" and names:
        chosen = st.lists(st.sampled_from(names), max_size=len(names) + 1)
        return st.one_of(chosen, chosen.map(" ".join), chosen.map(tuple), chosen.map(set))
    return json_like


_CANDIDATES = {
    "text": ["食堂饭菜太咸了，希望改进", "13912345678", "A12345", "王建国"],
    "integer": [3, 1, 2, 10, 100, 1000],
    "decimal": [1.5, 3],
}


def valid_answers(spec: FormSpec, today: dt.date) -> dict:
    """Answers ``spec`` accepts, found by trying a few candidates per question in order (so it
    follows the shipped forms as they change): the base that :func:`answers_like` spoils."""
    from xinfang.forms import evaluate_form

    answers: dict = {}

    def candidates(f: Field) -> list:
        if f.kind in {"select_one", "select_multiple"}:
            names = [int(c.name) if f.numeric_choices else c.name for c in f.choices]
            return names if f.kind == "select_one" else [[n] for n in names[:3]] + [[]]
        if f.kind in {"date", "datetime"}:
            return [(today + dt.timedelta(days=d)).isoformat() for d in (0, -1, 30)]
        return _CANDIDATES.get(f.kind, [])

    def fill(fields, target: dict, idx: int | None) -> None:
        for f in fields:
            if f.kind == "group":
                fill(f.children, target, idx)
            elif f.kind == "repeat":
                item: dict = {}
                target[f.name] = [item]
                fill(f.children, item, 0)
            elif f.kind not in {"note", "calculate"}:
                for value in candidates(f):
                    target[f.name] = value
                    errors = evaluate_form(spec, answers, today=today).errors
                    if (f.name, idx) not in errors:
                        break
                else:
                    target.pop(f.name, None)

    fill(spec.fields, answers, None)
    return answers


def answers_like(spec: FormSpec, today: dt.date) -> st.SearchStrategy[dict]:
    """Valid answers with some questions spoiled, dropped or given hostile text: most are stored, so
    the records, the vault and the database columns see the hostile values too."""
    base = valid_answers(spec, today)

    @st.composite
    def spoil(draw) -> dict:
        out = {}
        for name, value in base.items():
            f = spec[name]
            how = draw(st.sampled_from(["keep"] * 8 + ["hostile", "plausible", "junk", "drop"]))
            if f.kind == "repeat" and isinstance(value, list):
                items = draw(st.lists(st.just(value[0]), min_size=0, max_size=3))
                out[name] = [{k: (draw(hostile_text) if spec[k].kind == "text" and draw(st.booleans()) else v)
                              for k, v in item.items()} for item in items]
            elif how == "keep":
                out[name] = value
            elif how == "hostile":
                out[name] = draw(st.one_of(hostile_text, long_text)) if f.kind == "text" else draw(hostile_text)
            elif how == "plausible":
                out[name] = draw(_plausible(f))
            elif how == "junk":
                out[name] = draw(json_like)
        return out

    return spoil()


def answers_for(spec: FormSpec) -> st.SearchStrategy[dict]:
    """Answers to ``spec``: each question plausible, junk or absent; sometimes unknown questions;
    a repeat gets a list of items (or junk)."""

    def value(f: Field) -> st.SearchStrategy:
        if f.kind == "repeat":
            item = st.fixed_dictionaries({}, optional={c.name: value(c) for c in f.walk() if c is not f
                                                       and c.kind not in {"group", "repeat"}})
            return st.one_of(st.lists(item, max_size=4), json_like)
        return st.one_of(_plausible(f), _plausible(f), json_like)

    top = [f for f in spec.walk() if f.repeat is None and f.kind != "group"]
    known = st.fixed_dictionaries({}, optional={f.name: value(f) for f in top})
    extra = st.dictionaries(st.one_of(hostile_text, st.sampled_from([f.name for f in spec.walk()])), json_like,
                            max_size=2)
    return st.one_of(known, known, known, st.builds(lambda a, b: {**b, **a}, known, extra), json_like)
