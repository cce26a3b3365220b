"""问卷星 rows that cannot be stored are refused one by one, each with file, sheet, row, column and reason."""

import copy

import pytest

from tests.imports.builders import WJX_ANSWERS, wjx_by_text, write_xlsx
from tests.imports.conftest import count
from xinfang.errors import ValidationError, message
from xinfang.imports import run_import
from xinfang.imports.batches import RETRY_FIX
from xinfang.storage.models import Submission

FORM = "sixiang_dongtai"
CHOICE_FIX = "在映射文件 values 中把它对应到表单的选项"


def _answers(**changes):
    answers = copy.deepcopy(WJX_ANSWERS)
    for i, change in changes.items():
        answers[int(i.removeprefix("row"))].update(change)
    return answers


def test_unknown_option_text_is_refused_with_its_cell(mine, tmp_path):
    answers = _answers(row1={"likert": ["非常好", "一般", "一般", "一般", "一般", "一般"]})
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers)), form=FORM)
    assert (report.imported, report.refused_count) == (2, 1)
    problem = "「非常好」不是「工资收入和奖金分配」的选项（可选：很满意、比较满意、一般、不太满意、很不满意）"
    assert report.refused[0].message == message("import.cell", file="a.xlsx", sheet="Sheet1", row=3,
                                                column="2、工资收入和奖金分配", problem=problem, fix=CHOICE_FIX)
    assert count(Submission) == 2


def test_skipped_required_question_is_refused_by_the_form_rule(mine, tmp_path):
    answers = _answers(row0={"unit": "(跳过)"})
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers)), form=FORM)
    assert report.refused_count == 1
    detail = message("form.required", label="您所在的单位", detail="此题必须填写")
    assert report.refused[0].message == message("import.cell", file="a.xlsx", sheet="Sheet1", row=2,
                                                column="1、您所在的单位", problem=detail, fix=RETRY_FIX)


def test_other_text_without_a_place_is_refused_not_lost(mine, tmp_path):
    answers = _answers(row2={"concerns": ["收入分配", "子女教育〖孩子上学远〗"]})
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers)), form=FORM)
    assert report.refused_count == 1 and report.refused[0].row == 4
    assert "孩子上学远" in report.refused[0].message and "concerns_other" in report.refused[0].message


def test_same_answer_sheet_twice_in_one_file(mine, tmp_path):
    answers = [*WJX_ANSWERS, copy.deepcopy(WJX_ANSWERS[0])]
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers)), form=FORM)
    assert (report.imported, report.refused_count) == (3, 1)
    assert report.refused[0].message == message(
        "import.row", file="a.xlsx", sheet="Sheet1", row=5, problem="与第 2 行是同一份答卷（编号相同，重复行）",
        fix="删除重复的行")


def test_bad_submit_time_is_refused(mine, tmp_path):
    answers = _answers(row1={"meta": [2, "昨天下午", "1秒", "微信", "N/A", "10.0.0.1"]})
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers)), form=FORM)
    assert report.refused[0].message == message(
        "import.cell", file="a.xlsx", sheet="Sheet1", row=3, column="提交答卷时间", problem="「昨天下午」不是日期",
        fix="写成 2023-05-06 这样的日期，或在 Excel 中把单元格设为日期格式")


def test_missing_serial_column_refuses_the_file(mine, tmp_path):
    rows = [r[1:] for r in wjx_by_text()]
    with pytest.raises(ValidationError) as err:
        run_import("wjx", write_xlsx(tmp_path / "a.xlsx", rows), form=FORM)
    assert err.value.code == "import.missing_column" and err.value.params["column"] == "序号"


def test_form_is_required(mine, tmp_path):
    with pytest.raises(ValidationError) as err:
        run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()))
    assert err.value.code == "import.needs_form"


def test_unknown_kind(tmp_path):
    with pytest.raises(ValidationError) as err:
        run_import("excel", tmp_path / "a.xlsx")
    assert err.value.zh == message("import.unknown_kind", kind="excel", known="wjx、kobo、ledger")


def test_formula_cells_are_refused_in_any_column(mine, tmp_path):
    from tests.imports.builders import wjx_by_number

    rows = wjx_by_number()
    rows[1][rows[0].index("第8题(收入分配)")] = "=1*1"
    rows[2][rows[0].index("2、工资收入和奖金分配")] = "=SUM(1,2)"
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", rows), form=FORM)
    assert (report.imported, report.refused_count) == (1, 2)
    fix = "用 Excel 打开文件、保存一次（让 Excel 算出结果），或把公式换成数值"
    assert [r.message for r in report.refused] == [
        message("import.cell", file="a.xlsx", sheet="Sheet1", row=2, column="第8题(收入分配)",
                problem="公式「=1*1」没有保存计算结果", fix=fix),
        message("import.cell", file="a.xlsx", sheet="Sheet1", row=3, column="2、工资收入和奖金分配",
                problem="公式「=SUM(1,2)」没有保存计算结果", fix=fix)]
