"""Ledger rows that cannot become cases: each refused with file, sheet, row, column and what to do."""

import datetime as dt

import pytest

from tests.imports.builders import write_csv, write_ledger
from tests.imports.conftest import count
from xinfang.errors import ValidationError, message
from xinfang.imports import run_import
from xinfang.storage.models import Case

GOOD = [1, dt.datetime(2023, 3, 1), "王建国", "更新队", "井下津贴拖欠三个月", None, "已答复"]
DATE_FIX = "写成 2023-05-06 这样的日期，或在 Excel 中把单元格设为日期格式"


def _refusals(rows, tmp_path, **kwargs):
    report = run_import("ledger", write_ledger(tmp_path / "台账.xlsx", [GOOD, *rows]), **kwargs)
    return report, [r.message for r in report.refused]


def _cell(row, column, problem, fix):
    return message("import.cell", file="台账.xlsx", sheet="台账", row=row, column=column, problem=problem, fix=fix)


def test_formula_without_saved_result(mine, tmp_path):
    report, messages = _refusals([[2, "=B4+1", None, "更新队", "澡堂热水不够", None, None]], tmp_path)
    assert messages == [_cell(5, "日期", "公式「=B4+1」没有保存计算结果",
                              "用 Excel 打开文件、保存一次（让 Excel 算出结果），或把公式换成数值")]
    assert report.imported == 1


def test_dates_that_are_not_dates(mine, tmp_path):
    _, messages = _refusals([[2, "三月初", None, "更新队", "甲", None, None],
                             [3, "2023-02-30", None, "更新队", "乙", None, None],
                             [4, dt.date.today() + dt.timedelta(days=3), None, "更新队", "丙", None, None]], tmp_path)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert messages == [
        _cell(5, "日期", "「三月初」不是日期", DATE_FIX),
        _cell(6, "日期", "「2023-02-30」不是存在的日期", "核对年、月、日"),
        _cell(7, "日期", f"日期 {future} 不合理（晚于今天或早于 1950 年）", "核对日期"),
    ]


def test_unknown_unit_empty_text_and_duplicate(mine, tmp_path):
    report, messages = _refusals([[2, "2023-03-02", None, "不存在的队", "食堂饭菜凉", None, None],
                                  [3, "2023-03-03", "李四", "更新队", None, None, None],
                                  GOOD], tmp_path)
    assert messages == [
        _cell(5, "单位", "找不到单位「不存在的队」",
              "在映射文件 values 的 unit 下把它对应到单位列表中的名称，或先在单位列表中添加该单位"),
        _cell(6, "反映问题", "反映问题是空的", "填写反映的问题，或删除这一行"),
        message("import.row", file="台账.xlsx", sheet="台账", row=7,
                problem="与第 4 行内容相同（日期、反映问题、单位、处理情况等都一样），是重复行",
                fix="删除重复的行；如确是两人反映同一问题，请合并为一件并填写人数"),
    ]
    assert (report.imported, report.refused_count) == (1, 3)
    assert count(Case) == 1


def test_duplicates_across_batches_are_found(mine, tmp_path, monkeypatch):
    from xinfang.imports import ledger

    monkeypatch.setattr(ledger, "LEDGER_BATCH", 1)
    rows = [GOOD, [2, "2023-03-05", None, "机电队", "班车太挤", None, None], GOOD]
    for dry_run in (True, False):
        report = run_import("ledger", write_ledger(tmp_path / "台账.xlsx", rows), dry_run=dry_run)
        assert (report.imported, report.refused_count) == (2, 1), report.lines()
        assert "与第 4 行内容相同" in report.refused[0].message


def test_anonymous_with_a_name_is_refused(mine, tmp_path):
    rows = [["日期", "姓名", "反映方式", "反映问题"], ["2023-01-05", "周八", "匿名", "反映奖金分配不公"]]
    report = run_import("ledger", write_csv(tmp_path / "l.csv", rows))
    assert [r.message for r in report.refused] == [message(
        "import.cell", file="l.csv", sheet="CSV", row=2, column="反映方式",
        problem="反映方式为「匿名」，却填写了姓名、工号或电话", fix="把反映方式改为实名或保密，或删除这些身份信息")]


def test_ledger_without_a_text_column(mine, tmp_path):
    rows = [["日期", "姓名", "备注"], ["2023-01-05", "周八", "无"]]
    with pytest.raises(ValidationError) as err:
        run_import("ledger", write_csv(tmp_path / "l.csv", rows))
    assert err.value.code == "import.missing_column" and err.value.params["column"] == "反映问题"


def test_mapping_to_an_unknown_field(mine, tmp_path):
    rows = [["日期", "反映问题", "备注"], ["2023-01-05", "无", "x"]]
    with pytest.raises(ValidationError) as err:
        run_import("ledger", write_csv(tmp_path / "l.csv", rows), mapping={"columns": {"备注": "remark"}})
    assert err.value.code == "import.mapping"


def test_duplicate_is_still_a_duplicate_on_rerun(mine, tmp_path):
    path = write_ledger(tmp_path / "台账.xlsx", [GOOD, GOOD])
    first = run_import("ledger", path)
    again = run_import("ledger", path)
    assert (first.imported, first.refused_count, again.already, again.refused_count) == (1, 1, 1, 1)
    assert [r.message for r in again.refused] == [r.message for r in first.refused]
