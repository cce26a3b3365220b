"""A faulty form is refused when loaded, naming file, sheet, row and column; never half-built."""

import pytest

from xinfang.errors import FormDefinitionError, message
from xinfang.forms import load
from xinfang.forms.loader import KNOWN_TYPES
from xinfang.forms.targets import TARGETS

from .util import form

YN = """
| choices |
|         | list_name | name | label |
|         | yn        | yes  | 是    |
|         | yn        | no   | 否    |
"""


def refused(*args, **kwargs) -> str:
    with pytest.raises(FormDefinitionError) as info:
        form(*args, **kwargs)
    return str(info.value)


def test_unknown_type__error():
    text = refused("""
    | survey |
    |        | type     | name | label |
    |        | text     | a    | 甲    |
    |        | geopoint | b    | 位置  |
    """)
    assert text == message("form.unknown_type", file="test.md", row=3, column="type", value="geopoint",
                           known=KNOWN_TYPES)


def test_expression_that_does_not_parse__error():
    text = refused("""
    | survey |
    |        | type    | name | label | relevant      |
    |        | integer | a    | 甲    |               |
    |        | text    | b    | 乙    | ${a} > (1 + 2 |
    """)
    assert text == message("form.bad_expression", file="test.md", row=3, column="relevant",
                           expr="${a} > (1 + 2", detail="第 14 个字符处缺少「)」")


def test_reference_to_a_missing_question__error():
    text = refused("""
    | survey |
    |        | type    | name | label | constraint        |
    |        | integer | a    | 甲    | . < ${maximum}    |
    """)
    assert text == message("form.unknown_reference", file="test.md", row=2, column="constraint", name="maximum")


def test_missing_choice_list__error():
    text = refused("""
    | survey |
    |        | type            | name | label |
    |        | select_one mood | a    | 甲    |
    """, YN)
    assert text == message("form.missing_choices", file="test.md", row=2, column="type", list="mood")


def test_duplicate_question_name__error():
    text = refused("""
    | survey |
    |        | type        | name | label |
    |        | text        | a    | 甲    |
    |        | begin_group | g    | 组    |
    |        | integer     | a    | 乙    |
    |        | end_group   |      |       |
    """)
    assert text == message("form.duplicate_name", file="test.md", sheet="survey", row=4, column="name",
                           name="a", other_row=2)


def test_duplicate_choice_name__error():
    text = refused("""
    | survey |
    |        | type          | name | label |
    |        | select_one yn | a    | 甲    |
    """, YN + "|         | yn        | yes  | 对    |\n")
    assert text == message("form.duplicate_name", file="test.md", sheet="choices", row=4, column="name",
                           name="yes", other_row=2)


def test_mapping_to_a_field_that_does_not_exist__error():
    text = refused("""
    | survey |
    |        | type | name | label | xf_field     |
    |        | text | a    | 甲    | case.remarkz |
    """, record="case")
    allowed = "、".join(t for t in TARGETS if t.startswith(("submission.", "case.", "identity.")))
    assert text == message("form.unknown_target", file="test.md", sheet="survey", row=2, column="xf_field",
                           value="case.remarkz", known=allowed)


def test_mapping_outside_the_record_kind__error():
    text = refused("""
    | survey |
    |        | type | name | label | xf_field   |
    |        | text | a    | 甲    | risk.issue |
    """, record="none")
    assert "本表单的记录类型不能写入「risk.issue」" in text and "第 2 行「xf_field」列" in text


def test_mapping_with_the_wrong_question_type__error():
    text = refused("""
    | survey |
    |        | type | name  | label | xf_field             |
    |        | text | when  | 日期  | activity.held_on     |
    |        | text | kind  | 类型  | activity.kind        |
    """, record="activity")
    assert "第 2 行「xf_field」列：题型「text」不能写入「activity.held_on」（需要日期）" in text


def test_required_targets_of_the_record__error():
    text = refused("""
    | survey |
    |        | type | name | label | xf_field  |
    |        | text | a    | 甲    | case.text |
    """, record="case")
    assert text == message("form.target_missing", file="test.md", row=2, column="xf_record", record="case",
                           targets="case.channel、case.intake_mode")


def test_unknown_record_kind__error():
    text = refused("""
    | survey |
    |        | type | name | label |
    |        | text | a    | 甲    |
    """, record="meeting")
    assert "settings 表第 2 行「xf_record」列：记录类型「meeting」无效" in text


def test_choice_value_not_in_the_vocabulary__error():
    text = refused("""
    | survey |
    |        | type            | name  | label    | xf_field   |
    |        | text            | issue | 问题     | risk.issue |
    |        | select_one lvl  | level | 风险等级 | risk.level |
    """, """
    | choices |
    |         | list_name | name | label |
    |         | lvl       | 一般 | 一般  |
    |         | lvl       | 严重 | 严重  |
    """, record="risk")
    assert text == message("form.choice_not_allowed", file="test.md", row=3, column="name", value="严重",
                           target="risk.level", known="一般、较大、重大")


def test_identity_on_an_anonymous_form__error():
    text = refused("""
    | survey |
    |        | type      | name | label | calculation | xf_field         |
    |        | text      | t    | 内容  |             | case.text        |
    |        | calculate | ch   |       | '意见箱'    | case.channel     |
    |        | calculate | m    |       | '匿名'      | case.intake_mode |
    |        | text      | who  | 姓名  |             | identity.name    |
    """, record="case", settings_extra={"xf_anonymous": "yes"})
    assert text == message("form.target_not_allowed", file="test.md", row=5, column="xf_field",
                           problem="匿名表单不能收集姓名、工号或电话",
                           fix="删除该写入目标，或在 settings 表把 xf_anonymous 改为 no")


def test_missing_version__error():
    text = refused("""
    | survey |
    |        | type | name | label |
    |        | text | a    | 甲    |
    """, version="")
    assert "settings 表第 2 行「version」列：缺少版本号" in text


def test_choice_filter_on_a_missing_column__error():
    text = refused("""
    | survey |
    |        | type          | name | label | choice_filter |
    |        | text          | k    | 类别  |               |
    |        | select_one yn | a    | 甲    | kind = ${k}   |
    """, YN)
    assert "第 3 行「choice_filter」列" in text and "没有「kind」列" in text


def test_pyxform_rules_still_apply__error():
    text = refused("""
    | survey |
    |        | type      | name | label |
    |        | calculate | c    |       |
    """)
    assert text == message("form.xlsform", file="test.md", sheet="survey", row="2", column="?",
                           problem="Missing calculation.")


def test_missing_and_unreadable_files__error(tmp_path):
    with pytest.raises(FormDefinitionError) as info:
        load(tmp_path / "nope.xlsx")
    assert str(info.value) == message("form.file_missing", file=str(tmp_path / "nope.xlsx"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a workbook")
    with pytest.raises(FormDefinitionError) as info:
        load(bad)
    assert str(info.value).startswith("「bad.xlsx」无法作为 XLSForm 读取")


def test_default_that_the_question_refuses__error():
    text = refused("""
    | survey |
    |        | type          | name | label | default |
    |        | select_one yn | a    | 甲    | maybe   |
    """, YN)
    assert text == message("form.bad_default", file="test.md", row=2, column="default", value="maybe",
                           detail="「maybe」不是可选的选项")
