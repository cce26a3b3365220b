"""Skip logic: what is not relevant is hidden and cleared; calculations and choice filters follow."""

import datetime as dt

from xinfang.forms import evaluate_form

from .util import form

TODAY = dt.date(2026, 11, 20)

SPEC = form("""
| survey |
|        | type              | name     | label    | relevant                   | calculation                       | choice_filter |
|        | select_one mode   | mode     | 反映方式 |                            |                                   |               |
|        | begin_group       | who      | 身份     | ${mode} != '匿名'          |                                   |               |
|        | text              | name     | 姓名     |                            |                                   |               |
|        | text              | phone    | 电话     | ${name} != ''              |                                   |               |
|        | end_group         |          |          |                            |                                   |               |
|        | select_one kind   | kind     | 单位类别 |                            |                                   |               |
|        | select_one units  | unit     | 单位     |                            |                                   | kind = ${kind} |
|        | begin_repeat      | items    | 诉求     |                            |                                   |               |
|        | text              | text     | 内容     |                            |                                   |               |
|        | select_one yn     | spot     | 现场答复 |                            |                                   |               |
|        | text              | who_next | 跟进人   | ${spot} = 'no'             |                                   |               |
|        | end_repeat        |          |          |                            |                                   |               |
|        | calculate         | n        |          |                            | count(${items})                   |               |
|        | calculate         | open     |          |                            | concat(${n}, '件')                |               |
""", """
| choices |
|         | list_name | name   | label  | kind |
|         | mode      | 实名   | 实名   |      |
|         | mode      | 匿名   | 匿名   |      |
|         | kind      | 区队   | 区队   |      |
|         | kind      | 科室   | 科室   |      |
|         | units     | 更新队 | 更新队 | 区队 |
|         | units     | 机电队 | 机电队 | 区队 |
|         | units     | 安监科 | 安监科 | 科室 |
|         | yn        | yes    | 是     |      |
|         | yn        | no     | 否     |      |
""")


def run(answers):
    return evaluate_form(SPEC, answers, today=TODAY, strict=True)


def test_irrelevant_group_is_hidden_and_cleared__ok():
    ev = run({"mode": "匿名", "name": "王建国", "phone": "13900000000"})
    assert ev.relevant[("who", None)] is False
    assert ev.relevant[("name", None)] is False and ev.relevant[("phone", None)] is False
    assert "name" not in ev.values and "phone" not in ev.values
    assert not ev.errors


def test_relevant_fields_are_kept__ok():
    ev = run({"mode": "实名", "name": "王建国", "phone": "13900000000"})
    assert ev.values["name"] == "王建国" and ev.values["phone"] == "13900000000"
    ev = run({"mode": "实名", "phone": "13900000000"})  # phone depends on name
    assert ev.relevant[("phone", None)] is False and "phone" not in ev.values


def test_choice_filter_limits_the_options__ok():
    ev = run({"kind": "区队", "unit": "更新队"})
    assert [c.name for c in ev.options[("unit", None)]] == ["更新队", "机电队"]
    assert ev.values["unit"] == "更新队"
    ev = run({"kind": "科室", "unit": "更新队"})  # no longer an allowed option
    assert [c.name for c in ev.options[("unit", None)]] == ["安监科"]
    assert ("unit", None) in ev.errors


def test_relevance_inside_repeat_items__ok():
    ev = run({"items": [{"text": "奖金分配不公", "spot": "yes", "who_next": "李干事"},
                        {"text": "矿靴发放不及时", "spot": "no", "who_next": "王干事"}]})
    assert ev.relevant[("who_next", 0)] is False and ev.relevant[("who_next", 1)] is True
    assert ev.values["items"] == [{"text": "奖金分配不公", "spot": "yes"},
                                  {"text": "矿靴发放不及时", "spot": "no", "who_next": "王干事"}]
    assert ev.values["n"] == 2 and ev.values["open"] == "2件"


def test_a_question_may_depend_on_one_below__ok():
    spec = form("""
    | survey |
    |        | type    | name | label | relevant   |
    |        | text    | a    | 甲    | ${b} > 1   |
    |        | integer | b    | 乙    |            |
    """)
    assert evaluate_form(spec, {"a": "x", "b": 2}).values == {"a": "x", "b": 2}
    assert evaluate_form(spec, {"a": "x", "b": 1}).values == {"b": 1}


def test_a_calculation_of_one_is_a_number_not_yes__ok():
    spec = form("""
    | survey |
    |        | type      | name | label | calculation |
    |        | calculate | one  |       | 1           |
    |        | calculate | zero |       | 0           |
    """)
    assert evaluate_form(spec, {}).values == {"one": 1, "zero": 0}
