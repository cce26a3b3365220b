"""Reading files: wrong types, encodings, empty sheets, merged headers, formulas, dates of every kind."""

import datetime as dt
import zipfile

import pytest
from openpyxl import Workbook

from tests.imports.builders import write_csv, write_xlsx
from xinfang.errors import ValidationError, message
from xinfang.imports import open_table
from xinfang.imports.tables import Formula, detect_encoding
from xinfang.imports.values import CellProblem, check_cell, parse_date


def _refused(path):
    with pytest.raises(ValidationError) as err:
        open_table(path)
    return err.value


def test_old_xls_is_refused(tmp_path):
    path = tmp_path / "台账.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert _refused(path).zh == message("import.bad_file_type", file="台账.xls", problem="这是旧版 Excel（.xls）或 WPS 文件",
                                        fix="用 Excel 或 WPS 打开后另存为 .xlsx")


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("a.pdf", b"%PDF-1.7 ...", "这是 PDF 文件"),
    ("a.bin", b"\x00\x01\x02binary", "这不是文字表格（含二进制内容）"),
    ("a.json", b'{"a": 1}', "扩展名「.json」不是表格"),
])
def test_other_files_are_refused(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    err = _refused(path)
    assert err.code == "import.bad_file_type" and err.params["problem"] == problem


def test_zip_of_csv_and_word_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "central.zip", "w") as zf:
        zf.writestr("form.csv", "a,b\n1,2\n")
    assert _refused(tmp_path / "central.zip").params["problem"] == "这是 zip 压缩包（里面有 .csv 文件）"
    with zipfile.ZipFile(tmp_path / "a.docx", "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert _refused(tmp_path / "a.docx").params["problem"] == "这是 Word 文档，不是表格"


def test_missing_and_empty_files(tmp_path):
    assert _refused(tmp_path / "none.csv").code == "import.file_missing"
    (tmp_path / "empty.csv").write_bytes(b"")
    assert _refused(tmp_path / "empty.csv").zh == message("import.empty", file="empty.csv",
                                                         problem="文件是空的（0 字节）")


def test_empty_sheets(tmp_path):
    wb = Workbook()
    wb.active.title = "空表"
    wb.create_sheet("也空")
    wb.save(tmp_path / "e.xlsx")
    assert _refused(tmp_path / "e.xlsx").zh == message("import.empty", file="e.xlsx", problem="所有工作表都是空的或没有表头")


def test_first_sheet_empty_second_used(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("数据")
    ws.append(["日期", "反映问题"])
    ws.append(["2023-01-01", "问题"])
    wb.save(tmp_path / "w.xlsx")
    table = open_table(tmp_path / "w.xlsx")
    assert (table.sheet, table.columns, list(table.rows)) == ("数据", ["日期", "反映问题"], [(2, ["2023-01-01", "问题"])])


def test_header_only_sheet_has_no_rows(tmp_path):
    table = open_table(write_xlsx(tmp_path / "h.xlsx", [["日期", "反映问题"]]))
    assert list(table.rows) == []


def test_gbk_and_utf8_csv(tmp_path):
    rows = [["日期", "反映问题"], ["2023-01-01", "井下津貼（繁體）"]]
    for encoding, detected in (("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8-sig"),
                               ("gb18030", "gb18030")):
        path = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
        assert detect_encoding(path) == detected
        assert list(open_table(path).rows) == [(2, ["2023-01-01", "井下津貼（繁體）"])]


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path):
    table = open_table(write_csv(tmp_path / "a.csv", [["日期", "反映问题"], ["", ""], ["2023-01-01", "甲"]]))
    assert list(table.rows) == [(3, ["2023-01-01", "甲"])]


def test_formula_without_result_is_marked(tmp_path):
    table = open_table(write_xlsx(tmp_path / "f.xlsx", [["a", "b"], [1, "=A2*2"]]))
    [(row, values)] = list(table.rows)
    assert values == [1, Formula("=A2*2")]
    with pytest.raises(CellProblem):
        check_cell(values[1])


def test_excel_error_values_are_refused():
    with pytest.raises(CellProblem) as err:
        check_cell("#DIV/0!")
    assert err.value.problem == "单元格是 Excel 错误值「#DIV/0!」"


@pytest.mark.parametrize(("raw", "day"), [
    (dt.datetime(2023, 5, 6, 10, 21, 33), dt.date(2023, 5, 6)),
    (dt.date(2023, 5, 6), dt.date(2023, 5, 6)),
    (45052, dt.date(2023, 5, 6)),
    (45052.4375, dt.date(2023, 5, 6)),
    ("45052", dt.date(2023, 5, 6)),
    ("2023-05-06", dt.date(2023, 5, 6)),
    ("2023/5/6 10:21:33", dt.date(2023, 5, 6)),
    ("2023.5.6", dt.date(2023, 5, 6)),
    ("2023年5月6日", dt.date(2023, 5, 6)),
    ("２０２３年５月６日", dt.date(2023, 5, 6)),
    ("20230506", dt.date(2023, 5, 6)),
    (20230506, dt.date(2023, 5, 6)),
])
def test_dates_as_text_serials_and_cells(raw, day):
    assert parse_date(raw) == day


@pytest.mark.parametrize("raw", ["五月六日", "2023-13-01", "", "abc", True, 3.5e9])
def test_not_dates(raw):
    with pytest.raises(CellProblem):
        parse_date(raw)


def test_blank_header_cell_is_not_taken_for_a_merged_header(tmp_path):
    rows = [["日期", "姓名", None, "反映问题"], ["2023-01-01", "甲", "备注文字", "问题一"], ["2023-01-02", "乙", "", "问题二"]]
    table = open_table(write_xlsx(tmp_path / "b.xlsx", rows))
    assert table.columns == ["日期", "姓名", "第3列", "反映问题"]
    assert [r for r, _ in table.rows] == [2, 3]


def test_horizontally_merged_header_over_two_sub_columns(tmp_path):
    rows = [["序号", "日期", "处理情况", None, "反映问题"], [None, None, "处理人", "处理结果", None], [1, "2023-01-01", "张", "已办", "问题"]]
    table = open_table(write_xlsx(tmp_path / "m.xlsx", rows, merges=["C1:D1", "A1:A2", "B1:B2", "E1:E2"]))
    assert table.columns == ["序号", "日期", "处理情况/处理人", "处理情况/处理结果", "反映问题"]
    assert list(table.rows) == [(3, [1, "2023-01-01", "张", "已办", "问题"])]
