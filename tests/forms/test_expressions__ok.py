"""The expression evaluator on XLSForm-style expressions."""

import datetime as dt
import math

import pytest

from xinfang.forms.expressions import parse

TODAY = dt.date(2026, 11, 20)


def ev(text, answers=None, current="", row=None):
    return parse(text, columns=row is not None).evaluate(answers or {}, current, today=TODAY, row=row)


@pytest.mark.parametrize(("text", "answers", "expected"), [
    ("${a} = 'x'", {"a": "x"}, True),
    ("${a} = 'x'", {"a": "y"}, False),
    ("${a} != ''", {}, False),  # unanswered is the empty string
    ("${a} != ''", {"a": "有"}, True),
    ("${n} > 3", {"n": 4}, True),
    ("${n} > 3", {"n": "4"}, True),  # strings compare as numbers
    ("${n} > 3", {}, False),  # NaN compares false
    ("${n} >= 3 and ${n} <= 5", {"n": 5}, True),
    ("${n} < 1 or ${n} > 5", {"n": 3}, False),
    ("not(${n} = 2)", {"n": 2}, False),
    ("${a} = 1", {"a": "1"}, True),  # number = string compares numbers
    ("${a} = 1", {"a": "1.0"}, True),
    ("${a} = '1'", {"a": 1}, True),
    ("true() and not(false())", {}, True),
])
def test_comparisons_and_logic(text, answers, expected):
    assert ev(text, answers) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("7 div 2", 3.5),
    ("7 mod 4", 3),
    ("-2 + 5", 3),
    ("10 - 2 - 3", 5),  # left associative
    ("2 * 3 div 4", 1.5),
])
def test_arithmetic(text, expected):
    assert ev(text) == expected


def test_division_by_zero_is_not_a_crash():
    assert math.isinf(ev("1 div 0"))
    assert math.isnan(ev("0 div 0"))
    assert math.isnan(ev("5 mod 0"))


def test_dot_is_the_current_answer():
    assert parse(". > 0 and . <= 100").truth({}, 50) is True
    assert parse(". > 0 and . <= 100").truth({}, 101) is False
    assert parse("string-length(.) <= 4").truth({}, "信访工作") is True
    assert parse("string-length(.) <= 4").truth({}, "信访工作簿") is False


def test_select_functions_on_lists_and_xform_strings():
    answers = {"c": ["pay", "safety"], "s": "pay safety"}
    assert ev("selected(${c}, 'pay')", answers) is True
    assert ev("selected(${c}, 'canteen')", answers) is False
    assert ev("selected(${s}, 'safety')", answers) is True
    assert ev("count-selected(${c})", answers) == 2
    assert ev("count-selected(${x})", answers) == 0
    assert ev("selected-at(${c}, 1)", answers) == "safety"


def test_regex_searches_like_odk():
    assert ev("regex(${p}, '^1[3-9][0-9]{9}$')", {"p": "13912345678"}) is True
    assert ev("regex(${p}, '^1[3-9][0-9]{9}$')", {"p": "1391234567"}) is False
    assert ev("regex(., '[0-9]')", {}, current="abc1") is True


def test_if_coalesce_today():
    assert ev("if(${n} > 2, 'many', 'few')", {"n": 3}) == "many"
    assert ev("if(${n} > 2, 'many', 'few')", {"n": 1}) == "few"
    assert ev("coalesce(${a}, ${b})", {"b": "后备"}) == "后备"
    assert ev("coalesce(${a}, ${b})", {"a": "先", "b": "后"}) == "先"
    assert ev("today()") == TODAY
    assert ev("${d} <= today()", {"d": "2026-11-20"}) is True
    assert ev("${d} <= today()", {"d": "2026-11-21"}) is False
    assert ev("${d} = today()", {"d": "2026-11-20"}) is True


def test_string_functions():
    assert ev("concat('第', ${n}, '条')", {"n": 3}) == "第3条"
    assert ev("string-length(${t})", {"t": "劳保用品"}) == 4
    assert ev("contains(${t}, '劳保')", {"t": "劳保用品"}) is True
    assert ev("int(7.9)") == 7
    assert ev("round(2.345, 2)") == 2.35
    assert ev("sum(${xs})", {"xs": [1, "2", ""]}) == 3
    assert ev("count(${r})", {"r": [{}, {}]}) == 2


def test_choice_filter_columns():
    assert ev("unit_kind = ${k}", {"k": "区队"}, row={"unit_kind": "区队"}) is True
    assert ev("unit_kind = ${k}", {"k": "科室"}, row={"unit_kind": "区队"}) is False


def test_references_are_collected():
    assert parse("${a} > 1 and selected(${b}, 'x') or if(${c}, 1, 2) = 1").references == {"a", "b", "c"}


def test_form_text_is_never_python():
    # Python would evaluate these; we either refuse them or treat them as data
    assert ev("'__import__(\"os\")'") == '__import__("os")'
    with pytest.raises(ValueError):
        parse("__import__('os').system('true')")
