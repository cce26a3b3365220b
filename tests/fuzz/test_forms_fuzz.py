"""Forms engine under hostile input: answers to every shipped form through ``submit`` (the validator
and the records it writes), random expressions through the loader and the evaluator, damaged
XLSForm workbooks. Only typed errors (XinfangError) may come out."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang import forms
from xinfang.errors import FormAnswersError, XinfangError
from xinfang.forms.expressions import FUNCTIONS
from xinfang.storage import db

from .conftest import SHIPPED, attempt, check_typed, examples, spec
from .strategies import NASTY, answers_for, answers_like, any_char, hostile_text


def _submit(eng, form, answers, instance_id, today):
    with db.session(eng) as s:
        return forms.submit(s, form, answers, instance_id, today=today)


# mostly fresh instanceIDs (the form draws one); sometimes junk, sometimes one already used
instance_ids = st.integers(min_value=0, max_value=9).flatmap(
    lambda n: st.uuids().map(lambda u: f"uuid:{u}") if n < 8 else st.one_of(
        st.sampled_from(["uuid:fixed-0001", "abcdefgh"]), hostile_text, st.none(), st.integers()))


@pytest.mark.parametrize("key", SHIPPED)
def test_submit_takes_any_answers(mine, key):
    """Any answers to a shipped form are stored or refused with FormAnswersError naming each problem."""
    form = spec(key)

    @settings(max_examples=examples(1 / len(SHIPPED)))
    @given(data=st.data(), instance_id=instance_ids,
           today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date.today()))
    def run(data, instance_id, today):
        answers = data.draw(st.one_of(answers_like(form, today), answers_like(form, today), answers_for(form)))
        out = attempt("forms.submit", _submit, mine, form, answers, instance_id, today)
        if isinstance(out, XinfangError):
            check_typed(out)
            if isinstance(out, FormAnswersError):
                assert out.problems and all(text for _, _, text in out.problems)
        else:
            assert out.form_key == form.key and out.submission_id > 0

    run()


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en", "xx"])
def test_evaluate_form_never_raises(language):
    """The form view calls evaluate_form on every change: it reports problems, it never raises."""

    @settings(max_examples=examples(1 / 4))
    @given(key=st.sampled_from(SHIPPED), data=st.data())
    def run(key, data):
        form = spec(key)
        answers = data.draw(answers_for(form))
        if not isinstance(answers, dict):
            answers = {"_": answers}
        ev = attempt("forms.evaluate_form", forms.evaluate_form, form, answers, language=language, strict=True)
        assert all(isinstance(msg, str) and msg for msg in ev.errors.values())

    run()


# -- expressions ----------------------------------------------------------------------------------

REFS = ["a", "n", "d", "s", "m", "t", "k", "ri", "nope", "名字"]
_atom = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from([".5", "1.", "007", "1e5", "0x1F"]),
    st.text(any_char, max_size=6).map(lambda s: "'" + s.replace("'", "") + "'"),
    st.text(any_char, max_size=6).map(lambda s: '"' + s.replace('"', "") + '"'),
    st.sampled_from(REFS).map(lambda r: "${" + r + "}"),
    st.sampled_from([".", "true()", "false()", "today()", "now()", "name", "grp", "${", "${}", "$", "}", "'", '"']),
)
_regexes = st.sampled_from(["'^1[3-9][0-9]{9}$'", "'^[0-9A-Za-z]{3,12}$'", "'['", "'(?P<x'", "'\\\\'", "''",
                            "'[\u4e00-\u9fff]+'", "${t}"])
expression_text = st.recursive(
    _atom,
    lambda e: st.one_of(
        st.builds("{} {} {}".format, e, st.sampled_from(["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">",
                                                         ">=", "and", "or", "|", ","]), e),
        e.map(lambda x: f"-{x}"), e.map(lambda x: f"({x})"),
        st.builds(lambda f, args: f"{f}({', '.join(args)})",
                  st.sampled_from([*FUNCTIONS, "pulldata", "position", "jr:choice-name", "indexed-repeat"]),
                  st.lists(e, max_size=4)),
        st.builds(lambda x, r: f"regex({x}, {r})", e, _regexes),
    ),
    max_leaves=16,
)


def _mutate(text: str, rnd: random.Random) -> str:
    if not text:
        return text
    i = rnd.randrange(len(text))
    return rnd.choice([text[:i], text[:i] + text[i + 1:], text[:i] + rnd.choice("()${}'\",.-|") + text[i:]])


expressions = st.one_of(
    expression_text, expression_text,
    st.builds(_mutate, expression_text, st.randoms(use_true_random=False)),
    hostile_text,
    st.sampled_from(NASTY),
    st.integers(min_value=1, max_value=3000).map(lambda n: "(" * n + "1" + ")" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: "-" * n + "1"),
    st.integers(min_value=1, max_value=500).map(lambda n: " + ".join(["${a}"] * n)),
)

ROWS = [("integer", "a"), ("decimal", "n"), ("date", "d"), ("select_one c", "s"), ("select_multiple c", "m"),
        ("text", "t"), ("calculate", "k"), ("begin_repeat", "r"), ("integer", "ri"), ("end_repeat", "")]
COLUMNS = ["relevant", "constraint", "calculation", "required", "read_only", "choice_filter", "default"]


def _cell(text: str) -> str:
    """An expression as one Markdown table cell (pyxform's test format): one line, pipes escaped."""
    return text.replace("\n", " ").replace("|", "\\|")


def _form(slots: dict[tuple[int, str], str]) -> str:
    head = "| survey |\n|  | type | name | label | " + " | ".join(COLUMNS) + " |\n"
    body = ""
    for i, (kind, name) in enumerate(ROWS):
        cells = []
        for col in COLUMNS:
            value = slots.get((i, col), "")
            if not value and col == "calculation" and kind == "calculate":
                value = "1"
            cells.append(_cell(value))
        label = name.upper() if name else ""
        body += f"|  | {kind} | {name} | {label} | " + " | ".join(cells) + " |\n"
    return (head + body + "| choices |\n|  | list_name | name | label | grp |\n|  | c | x | X | 1 |\n"
            "|  | c | y | Y | 2 |\n|  | c | 1 | 一 | 1 |\n"
            "| settings |\n|  | form_title | form_id | version |\n|  | 表达式 | expr | 1 |\n")


short_text = st.text(any_char, max_size=16)  # short: a form author's regex may backtrack on long text
short_values = st.one_of(st.none(), short_text, st.integers(), st.floats(), st.booleans(),
                         st.sampled_from(["x", "y", "1", "x y", "2026-11-20", "1 2"]),
                         st.lists(st.sampled_from(["x", "y", "1", "z"]), max_size=3), st.dates())
expression_answers = st.fixed_dictionaries({}, optional={
    **{name: short_values for name in ("a", "n", "d", "s", "m", "t", "k")},
    "r": st.one_of(st.lists(st.fixed_dictionaries({}, optional={"ri": short_values}), max_size=3), short_values),
})


def _load_and_evaluate(markdown: str, answers: dict, today: dt.date):
    form = forms.loads(markdown, file="表达式.md")
    return forms.evaluate_form(form, answers, today=today, strict=True)


@settings(max_examples=examples())
@given(expression=expressions,
       slots=st.lists(st.tuples(st.integers(min_value=0, max_value=len(ROWS) - 2), st.sampled_from(COLUMNS)),
                      min_size=1, max_size=3, unique=True),
       answers=expression_answers, today=st.dates())
def test_any_expression_is_loaded_and_evaluated_or_refused(expression, slots, answers, today):
    """An expression in any expression column of a form: the loader refuses it naming the cell
    (form.bad_expression and friends), or the evaluator computes a value for any answers."""
    form = _form({slot: expression for slot in slots})
    out = attempt("forms.expressions", _load_and_evaluate, form, answers, today)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code.startswith("form.")


@settings(max_examples=examples())
@given(expression=expression_text, answers=expression_answers, current=short_values,
       row=st.dictionaries(st.sampled_from(["name", "grp"]), short_values), today=st.dates())
def test_parsed_expressions_evaluate_to_a_value(expression, answers, current, row, today):
    """Every expression the parser accepts evaluates, for any answers, to a value (never raises)."""
    from xinfang.forms.expressions import ExpressionSyntaxError, parse

    for columns in (False, True):
        try:
            expr = parse(expression, columns=columns)
        except ExpressionSyntaxError as exc:  # the loader turns this into form.bad_expression
            assert exc.detail
            continue
        attempt("forms.expression_evaluate", expr.evaluate, answers, current, today=today, row=row)
        attempt("forms.expression_evaluate", expr.truth, answers, current, today=today, row=row)


# -- damaged form workbooks -----------------------------------------------------------------------

_serial = itertools.count()


def _damage(data: bytes, how: str, at: float, junk: bytes) -> bytes:
    i = int(at * len(data))
    if how == "truncate":
        return data[:i]
    if how == "flip":
        return data[:i] + bytes([data[i] ^ (junk[0] | 1)]) + data[i + 1:]
    if how == "insert":
        return data[:i] + junk + data[i:]
    return junk


@settings(max_examples=examples())
@given(key=st.sampled_from(SHIPPED), how=st.sampled_from(["truncate", "flip", "insert", "replace"]),
       at=st.floats(min_value=0, max_value=1, exclude_max=True), junk=st.binary(min_size=1, max_size=64),
       suffix=st.sampled_from([".xlsx", ".xls", ".md", ".csv", ""]))
def test_damaged_form_workbook_is_refused_naming_the_file(tmp_path, key, how, at, junk, suffix):
    """A damaged or truncated XLSForm workbook is refused with form.* naming the file (or still loads)."""
    path = tmp_path / f"表单{next(_serial)}{suffix}"  # a new name: forms.load caches by path, time and size
    path.write_bytes(_damage((forms.FORMS_DIR / f"{key}.xlsx").read_bytes(), how, at, junk))
    out = attempt("forms.load (damaged workbook)", forms.load, path)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code.startswith("form.") and path.name in out.zh
