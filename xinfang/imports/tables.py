"""Read a table to import, streamed: CSV (UTF-8 or GBK/GB18030) or .xlsx (openpyxl read_only).

``open_table(path)`` checks the file type by its first bytes (not its name), finds the header row
under any title rows, joins a two-row header whose top cells are merged (``处理情况`` over
``处理人 | 处理结果`` gives ``处理情况/处理人``), and yields data rows one by one with the row number
Excel shows. Nothing is held in memory beyond the current row and the first few header rows.

A formula cell gives the value Excel saved with it; a formula without a saved value (a file written
by a program, never opened in Excel) comes through as ``Formula`` so the importer can refuse it.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from xinfang.errors import ValidationError

HEADER_SCAN_ROWS = 10
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})
CSV_SHEET = "CSV"


@dataclass(frozen=True)
class Formula:
    """A formula cell with no saved result."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    file: str  # the file name users see in messages
    sheet: str
    columns: list[str]  # header names, made unique
    header_row: int  # Excel row number of the (last) header row
    rows: Iterator[tuple[int, list[object]]]  # (Excel row number, values padded to the columns)
    estimated_rows: int | None = None
    encoding: str | None = None
    position: Callable[[], float | None] = field(default=lambda: None, repr=False)  # fraction of the file read, if known
    close: Callable[[], None] = field(default=lambda: None, repr=False)  # release the file early

    def index(self, column: str) -> int:
        return self.columns.index(column)


def _bad_type(path: Path, problem: str, fix: str, problem_en: str) -> ValidationError:
    return ValidationError("import.bad_file_type", file=path.name, problem=problem, fix=fix, problem_en=problem_en)


def sniff(path: Path) -> str:
    """'xlsx' or 'csv', from the first bytes; refuses other files with what they look like."""
    if not path.exists() or not path.is_file():
        raise ValidationError("import.file_missing", file=str(path))
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head:
        raise ValidationError("import.empty", file=path.name, problem="文件是空的（0 字节）",
                              problem_en="the file is empty (0 bytes)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _bad_type(path, "这是旧版 Excel（.xls）或 WPS 文件", "用 Excel 或 WPS 打开后另存为 .xlsx",
                        "old Excel .xls (OLE2) file; save it as .xlsx")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except Exception:  # noqa: BLE001 - BadZipFile, NotImplementedError (odd version), OSError …
            raise _bad_type(path, "文件已损坏或不完整", "重新下载或导出文件", "corrupt zip") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            raise _bad_type(path, "这是 Word 文档，不是表格", "把表格复制到 Excel 中另存为 .xlsx", "a Word document")
        if any(n.lower().endswith(".csv") for n in names):
            raise _bad_type(path, "这是 zip 压缩包（里面有 .csv 文件）", "先解压，再导入其中的主表 .csv",
                            "a zip archive of CSV files; unzip it first")
        raise _bad_type(path, "这是 zip 压缩包，不是表格", "导入 .xlsx 或 .csv 文件", "a zip archive")
    if head.startswith(b"%PDF"):
        raise _bad_type(path, "这是 PDF 文件", "导入 .xlsx 或 .csv 文件", "a PDF file")
    if b"\x00" in head and _utf16(head) is None:
        raise _bad_type(path, "这不是文字表格（含二进制内容）", "导入 .xlsx 或 .csv 文件", "binary content")
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        raise _bad_type(path, f"扩展名「{path.suffix or '无'}」不是表格", "另存为 .xlsx 或 .csv",
                        f"extension {path.suffix!r} is not a table")
    return "csv"


def _utf16(head: bytes) -> str | None:
    """The UTF-16 codec of a text file saved as 「Unicode 文本」 (Excel, WPS): 'utf-16' when it starts with
    a byte-order mark, 'utf-16-le' / 'utf-16-be' when its zero bytes sit (nearly all) in one half of
    each character and it decodes to text without control characters; None for anything else."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    zeros = [i % 2 for i, b in enumerate(head) if b == 0]
    if not zeros:
        return None
    odd = sum(zeros) / len(zeros)  # ASCII in UTF-16-LE puts its zero byte second; a few CJK (U+4E00 …) first
    for share, codec in ((odd, "utf-16-le"), (1 - odd, "utf-16-be")):
        if share >= 0.9:
            try:  # incremental: the sample may end inside a character
                text = codecs.getincrementaldecoder(codec)().decode(head)
            except UnicodeDecodeError:
                continue
            if not any(ch < " " and ch not in "\t\r\n" for ch in text):
                return codec
    return None


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' when the whole file decodes as UTF-8, else 'gb18030' (covers GBK and GB2312); UTF-16
    (「Unicode 文本」) when the file starts like it."""
    with path.open("rb") as fh:
        utf16 = _utf16(fh.read(65536))
    for encoding in (utf16,) if utf16 else ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise _bad_type(path, "文字编码无法识别（既不是 UTF-8 也不是 GBK）", "用 Excel 打开后另存为「CSV UTF-8」",
                    "unknown text encoding (neither UTF-8 nor GBK)")


def open_table(path: str | Path, sheet: str | None = None) -> Table:
    """The table in ``path`` (for .xlsx: ``sheet``, or the first sheet with a header)."""
    path = Path(path)
    kind = sniff(path)
    if kind == "csv":
        return _csv_table(path)
    return _xlsx_table(path, sheet)


# -- header ---------------------------------------------------------------------------------------

def _filled(row: list[object]) -> list[int]:
    return [i for i, v in enumerate(row) if v is not None and str(v).strip() != ""]


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def _find_header(first: list[tuple[int, list[object]]], merged: bool) -> tuple[int, list[str], int] | None:
    """(index into ``first`` of the last header row, column names, Excel row) or None."""
    for i, (rownum, row) in enumerate(first):
        filled = _filled(row)
        if len(filled) < 2 and not (len(filled) == 1 and i + 1 == len(first)):
            continue  # a title row (often merged across the table) or a blank row
        top = [_text(v) for v in row]
        if merged and i + 1 < len(first) and _is_sub_header(top, first[i + 1][1]):
            below_num, below = first[i + 1]
            width = max(len(top), len(below))
            names, current = [], ""
            for j in range(width):
                t = top[j] if j < len(top) else ""
                b = _text(below[j]) if j < len(below) else ""
                if t:
                    current = t
                names.append(f"{current}/{b}" if b and current and b != current else (b or t or current))
            return i + 1, _unique(names), below_num
        return i, _unique(top), rownum
    return None


def _is_sub_header(top: list[str], below: list[object]) -> bool:
    """Whether ``below`` completes ``top`` as a two-row header with merged cells on top.

    A cell merged across columns leaves blanks to its right; the row below names the parts
    (``处理情况`` over ``处理人 | 处理结果``). Under a single-column header cell (merged down, or a
    plain header) the row below is blank. A data row fails this: it has values under those too."""
    width = max(len(top), len(below))
    cells = [_text(below[j]) if j < len(below) else "" for j in range(width)]
    if any(v is not None and not isinstance(v, str) for v in below):
        return False
    spans: list[list[int]] = []
    for j in range(width):
        t = top[j] if j < len(top) else ""
        if t:
            spans.append([j])
        elif spans:
            spans[-1].append(j)
        elif cells[j]:
            return False  # a value under nothing, left of every header cell
    wide = [sp for sp in spans if len(sp) > 1 and any(cells[j] for j in sp[1:])]
    single_ok = all(not cells[sp[0]] for sp in spans if len(sp) == 1)
    return bool(wide) and single_ok


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for j, name in enumerate(names):
        name = " ".join(name.split()) or f"第{j + 1}列"
        if name in seen:
            seen[name] += 1
            name = f"{name}（{seen[name]}）"
        else:
            seen[name] = 1
        out.append(name)
    # trailing unnamed columns with no header are kept so row values line up; they map to nothing
    return out


def _pad(row: list[object], width: int) -> list[object]:
    if len(row) < width:
        return row + [None] * (width - len(row))
    return row[:width]


def _assemble(file: str, sheet: str, source: Iterator[tuple[int, list[object]]], merged: bool = True,
              **extra) -> Table | None:
    first: list[tuple[int, list[object]]] = []
    for item in source:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    found = _find_header(first, merged)
    if found is None:
        return None
    idx, columns, header_row = found
    width = len(columns)
    while columns and columns[-1].startswith("第") and columns[-1].endswith("列") and width > 1:
        columns.pop()  # unnamed trailing columns (stray formatting) are not part of the table
        width -= 1
    rest = first[idx + 1:]

    def rows() -> Iterator[tuple[int, list[object]]]:
        for rownum, row in _chain(rest, source):
            if not _filled(row):
                continue
            yield rownum, _pad(list(row), width)

    return Table(file=file, sheet=sheet, columns=columns, header_row=header_row, rows=rows(), **extra)


def _chain(buffered, source):
    yield from buffered
    yield from source


# -- CSV ------------------------------------------------------------------------------------------

def _csv_table(path: Path) -> Table:
    encoding = detect_encoding(path)
    size = path.stat().st_size or 1
    fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed when the rows are exhausted
    raw = fh.buffer
    sample = fh.read(65536)
    fh.seek(0)
    first_line = sample.split("\n", 1)[0]
    # Kobo's CSV export separates with ";" (formpack's default), Excel with ",", some tools with tabs
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(fh, delimiter=delimiter)

    def source() -> Iterator[tuple[int, list[object]]]:
        try:
            for n, row in enumerate(reader, start=1):
                yield n, [v if v != "" else None for v in row]
        except csv.Error as exc:
            raise ValidationError("import.unreadable", file=path.name, detail=f"第 {reader.line_num} 行：{exc}") from exc
        finally:
            fh.close()

    table = _assemble(path.name, CSV_SHEET, source(), merged=False, encoding=encoding,
                      estimated_rows=None, position=lambda: 1.0 if fh.closed else min(1.0, raw.tell() / size), close=fh.close)
    if table is None:
        fh.close()
        raise ValidationError("import.empty", file=path.name, problem="找不到表头（前几行没有至少两个列名）",
                              problem_en="no header row (two or more column names) in the first rows")
    return table


# -- XLSX -----------------------------------------------------------------------------------------

def _xlsx_rows(file: str, ws_values, ws_formulas) -> Iterator[tuple[int, list[object]]]:
    """Rows of cached values; a formula cell without a saved value becomes ``Formula``.

    openpyxl reads a sheet lazily, so a damaged sheet (bad compressed data, broken XML) fails only
    when its rows are read: that is refused here as an unreadable file, naming the row reached."""
    pairs = zip_longest(ws_values.iter_rows(values_only=True), ws_formulas.iter_rows(values_only=True))
    n = 0
    while True:
        try:
            vals, forms = next(pairs)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - zlib, zipfile, XML and value errors of a damaged file
            raise ValidationError("import.unreadable", file=file,
                                  detail=f"文件已损坏，读到第 {n + 1} 行时出错：{type(exc).__name__}") from exc
        n += 1
        vals = list(vals or ())
        for j, f in enumerate(forms or ()):
            if j < len(vals) and vals[j] is None and isinstance(f, str) and f.startswith("="):
                vals[j] = Formula(f)
            elif j >= len(vals) and isinstance(f, str) and f.startswith("="):
                vals.extend([None] * (j - len(vals)) + [Formula(f)])
        yield n, vals


def _xlsx_table(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        wb_v = load_workbook(path, read_only=True, data_only=True)
        wb_f = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise ValidationError("import.unreadable", file=path.name, detail=type(exc).__name__) from exc
    names = wb_v.sheetnames
    if sheet is not None and sheet not in names:
        raise ValidationError("import.empty", file=path.name, problem=f"没有名为「{sheet}」的工作表（现有：{'、'.join(names)}）",
                              problem_en=f"no sheet {sheet!r}")
    for name in [sheet] if sheet else names:
        ws_v, ws_f = wb_v[name], wb_f[name]
        max_row = ws_v.max_row if isinstance(ws_v.max_row, int) else None
        table = _assemble(path.name, name, _xlsx_rows(path.name, ws_v, ws_f), estimated_rows=max_row,
                          close=lambda: (wb_v.close(), wb_f.close()))
        if table is not None:
            if max_row:
                table.estimated_rows = max(0, max_row - table.header_row)
            return table
    wb_v.close()
    wb_f.close()
    where = f"工作表「{sheet}」" if sheet else "所有工作表"
    raise ValidationError("import.empty", file=path.name, problem=f"{where}都是空的或没有表头",
                          problem_en="every sheet is empty or has no header row")
