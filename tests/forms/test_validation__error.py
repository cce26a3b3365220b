"""Checks at submit time: types, ranges, lengths, required and constraints, with clear messages."""

import datetime as dt

import pytest

from xinfang.errors import message
from xinfang.forms import evaluate_form
from xinfang.forms.engine import INT_RANGE, MAX_TEXT

from .util import form

SPEC = form("""
| survey |
|        | type              | name   | label    | required | required_message | constraint             | constraint_message         |
|        | integer           | people | 参加人数 | yes      | 请填写参加人数   | . >= 1 and . <= 500    | 人数应在 1 到 500 之间     |
|        | decimal           | score  | 评分     |          |                  |                        |                            |
|        | date              | day    | 日期     |          |                  | . <= today()           | 日期不能晚于今天           |
|        | text              | phone  | 电话     |          |                  | regex(., '^1[0-9]{10}$') |                          |
|        | select_multiple c | worry  | 关心的事 |          |                  | count-selected(.) <= 2 | 最多选两项                 |
|        | text              | remark | 意见     |          |                  |                        |                            |
""", """
| choices |
|         | list_name | name   | label |
|         | c         | pay    | 收入  |
|         | c         | safety | 安全  |
|         | c         | food   | 伙食  |
""")
TODAY = dt.date(2026, 11, 20)


def errors(answers):
    return evaluate_form(SPEC, {"people": 10, **answers}, today=TODAY, strict=True).errors


def test_required_with_its_message__error():
    assert errors({"people": ""})[("people", None)] == message("form.required", label="参加人数",
                                                               detail="请填写参加人数")


def test_constraint_with_its_message__error():
    assert errors({"people": 501})[("people", None)] == message("form.constraint", label="参加人数",
                                                                detail="人数应在 1 到 500 之间")
    assert errors({"day": "2026-11-21"})[("day", None)] == message("form.constraint", label="日期",
                                                                   detail="日期不能晚于今天")
    assert errors({"worry": ["pay", "safety", "food"]})[("worry", None)].endswith("最多选两项")
    # no constraint_message: a default one, still naming the question
    assert errors({"phone": "12345"})[("phone", None)] == message("form.constraint", label="电话",
                                                                  detail="填写的内容不符合要求")
    assert not errors({"people": 500, "day": "2026-11-20", "phone": "13912345678", "worry": ["pay"]})


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("people", "十个", "整数"),
    ("people", 2.5, "整数"),
    ("people", True, "整数"),
    ("score", "很好", "数字"),
    ("score", float("nan"), "数字"),
    ("day", "2026-13-40", "日期（如 2026-11-20）"),
    ("remark", ["list"], "文字"),
])
def test_wrong_types__error(name, value, expected):
    label = SPEC[name].label()
    got = errors({name: value})[(name, None)]
    assert got.startswith(f"「{label}」：应填写{expected}，这里是「")


def test_numbers_out_of_range__error():
    got = errors({"people": 10**12})[("people", None)]
    assert got == message("form.out_of_range", label="参加人数", value=10**12, lo=INT_RANGE[0], hi=INT_RANGE[1])


def test_full_width_digits_are_numbers__ok():
    ev = evaluate_form(SPEC, {"people": "１２"}, today=TODAY)
    assert ev.values["people"] == 12 and not ev.errors


def test_ten_thousand_characters__error():
    got = errors({"remark": "长" * 10_000})[("remark", None)]
    assert got == message("form.too_long", label="意见", n=10_000, limit=MAX_TEXT)


def test_control_characters__error():
    assert errors({"remark": "abc\x00def"})[("remark", None)] == message("form.control_chars", label="意见")


def test_unknown_choice_and_unknown_question__error():
    assert errors({"worry": ["pay", "bonus"]})[("worry", None)] == message("form.bad_choice", label="关心的事",
                                                                          value="bonus")
    assert errors({"nosuch": "x"})[("nosuch", None)] == message("form.unknown_question", name="nosuch")


@pytest.mark.parametrize("text", [
    "矿靴质量差😡😡，希望更换🙏",
    "<script>alert('xss')</script><b>加粗</b>",
    "'; DROP TABLE petition_case; --",
    "第一行\n第二行\t制表",
])
def test_odd_but_valid_text_is_kept_verbatim__ok(text):
    ev = evaluate_form(SPEC, {"people": 3, "remark": text}, today=TODAY, strict=True)
    assert not ev.errors and ev.values["remark"] == text


def test_shapes_a_browser_never_sends__error():
    spec = form("""
    | survey |
    |        | type         | name | label |
    |        | begin_repeat | r    | 诉求  |
    |        | text         | t    | 内容  |
    |        | end_repeat   |      |       |
    |        | text         | s    | 说明  |
    """)
    errs = evaluate_form(spec, {"r": "not a list", "s": {"$gt": ""}}, strict=True).errors
    assert errs[("r", None)] == message("form.bad_type", label="诉求", expected="列表", value="not a list")
    assert errs[("s", None)].startswith("「说明」：应填写文字")
    errs = evaluate_form(spec, {"r": [{"t": "好", "x": 1}]}, strict=True).errors
    assert errs == {("x", 0): message("form.unknown_question", name="x")}
