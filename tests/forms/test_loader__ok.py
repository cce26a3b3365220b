"""Loading XLSForm with pyxform into a FormSpec: labels in three languages, rows, groups, mapping."""

from xinfang.forms import load

from .util import form

SURVEY = """
| survey |
|        | type               | name    | label::简体中文 (zh-Hans) | label::繁體中文 (zh-Hant) | label::English (en) | hint::简体中文 (zh-Hans) | appearance | required | xf_field |
|        | begin_group        | basics  | 基本情况                  | 基本情況                  | Basics              |                          |            |          |          |
|        | select_one units   | unit    | 所在单位                  | 所在單位                  | Unit                | 选您所在的队组           | minimal    | yes      | submission.unit |
|        | integer            | years   | 工龄                      | 工齡                      | Years of service    |                          |            |          |          |
|        | end_group          |         |                           |                           |                     |                          |            |          |          |
|        | select_one likert  | pay     | 对工资的满意度            | 對工資的滿意度            | Pay                 |                          |            |          |          |
|        | text               | remark  | 其他意见                  | 其他意見                  | Remarks             |                          | multiline  |          |          |
"""
CHOICES = """
| choices |
|         | list_name | name   | label::简体中文 (zh-Hans) | label::繁體中文 (zh-Hant) | label::English (en) |
|         | units     | 更新队 | 更新队                    | 更新隊                    | Renewal team        |
|         | units     | 机电队 | 机电队                    | 機電隊                    | Electrical team     |
|         | likert    | 1      | 很不满意                  | 很不滿意                  | Very unhappy        |
|         | likert    | 2      | 不满意                    | 不滿意                    | Unhappy             |
|         | likert    | 3      | 一般                      | 一般                      | Neutral             |
"""


def test_structure_labels_and_rows__ok():
    spec = form(SURVEY, CHOICES)
    assert spec.key == "test_form" and spec.version == "1" and spec.record == "none"
    assert spec.languages == ("zh-Hans", "zh-Hant", "en")
    assert [f.name for f in spec.fields] == ["basics", "pay", "remark"]
    unit = spec["unit"]
    assert unit.kind == "select_one" and unit.row == 3  # Excel numbering: header is row 1
    assert unit.label("zh-Hant") == "所在單位" and unit.label("en") == "Unit" and unit.label() == "所在单位"
    assert unit.hint() == "选您所在的队组" and unit.hint("en") == "选您所在的队组"  # falls back to 简体中文
    assert unit.appearance == "minimal" and unit.required is not None
    assert unit.target == "submission.unit"
    assert [c.name for c in unit.choices] == ["更新队", "机电队"]
    assert unit.choices[1].label("zh-Hant") == "機電隊" and unit.choices[1].row == 3
    assert spec["pay"].numeric_choices and not unit.numeric_choices
    assert spec["remark"].multiline
    assert spec["years"].kind == "integer" and spec["years"].required is None


def test_plain_label_column_is_the_default_language__ok():
    spec = form("""
    | survey |
    |        | type | name | label  |
    |        | text | a    | 姓名   |
    """)
    assert spec["a"].labels == {"zh-Hans": "姓名"}
    assert spec.languages == ("zh-Hans",)


def test_repeat_children_know_their_repeat__ok():
    spec = form("""
    | survey |
    |        | type         | name    | label    | calculation       |
    |        | begin_repeat | demands | 诉求     |                   |
    |        | text         | text    | 诉求内容 |                   |
    |        | end_repeat   |         |          |                   |
    |        | calculate    | n       |          | count(${demands}) |
    """)
    assert spec["demands"].kind == "repeat" and spec["text"].repeat == "demands"
    assert spec["n"].calculation.references == {"demands"}


def test_xlsx_is_read_and_cached_per_mtime__ok(tmp_path):
    from pyxform.xls2json_backends import md_table_to_workbook

    md = """
| survey |
|        | type | name | label |
|        | text | a    | 甲    |
| settings |
|          | form_id | version |
|          | x1      | 7       |
"""
    path = tmp_path / "x1.xlsx"
    md_table_to_workbook(md).save(path)
    first = load(path)
    assert first.key == "x1" and first.version == "7" and first.source == path.read_bytes()
    assert load(path) is first  # cached
    md_table_to_workbook(md.replace("| 7       |", "| 8       |")).save(path)
    import os
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    assert load(path).version == "8"
