"""Review copies of form workbooks: an .xlsx rendered as Markdown tables, and back.

The .xlsx in survey_forms/ is the source of truth (staff edit it in Excel). Beside each sits a .md
copy for review: one table per sheet, the sheet name in the first column, which GitHub renders as a
table and pyxform also reads (so a test can check that both give the same form).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

SHEET_ORDER = ("survey", "choices", "settings")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ")
    return text.replace("|", "\\|")


def sheets_of(path: Path) -> dict[str, list[list[str]]]:
    """The sheets of a workbook as rows of text, trailing empty cells and rows dropped."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        out: dict[str, list[list[str]]] = {}
        for ws in wb.worksheets:
            rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
            width = max((max((i + 1 for i, v in enumerate(r) if v != ""), default=0) for r in rows), default=0)
            rows = [r[:width] + [""] * (width - len(r[:width])) for r in rows]
            while rows and not any(rows[-1]):
                rows.pop()
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def to_markdown(sheets: dict[str, list[list[str]]], title: str = "") -> str:
    lines = []
    if title:
        lines += [f"<!-- 由 {title} 生成的审阅副本；请在 Excel 中修改 .xlsx，再运行 "
                  "scripts/build_survey_forms.py --markdown 更新本文件。 -->", ""]
    names = [n for n in SHEET_ORDER if n in sheets] + [n for n in sheets if n not in SHEET_ORDER]
    for name in names:
        rows = sheets[name]
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        lines.append("| " + " | ".join([name] + [_cell(h) for h in header]) + " |")
        lines.append("|" + "|".join(["---"] * (len(header) + 1)) + "|")
        for r in body:
            lines.append("| " + " | ".join([""] + [_cell(v) for v in r]) + " |")
        lines.append("")
    return "\n".join(lines)


def write_xlsx(sheets: dict[str, list[list[str]]], path: Path) -> None:
    """Write sheets as a workbook staff can read: bold frozen header, sensible widths, wrapped text."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append([v if v != "" else None for v in r])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        ws.freeze_panes = "A2"
        for col in ws.columns:
            longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(c.value or "")) for c in col), default=8)
            ws.column_dimensions[col[0].column_letter].width = min(max(8, longest + 2), 48)
            for c in col[1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    # a fixed timestamp keeps rebuilt files byte-stable when nothing changed
    import datetime as dt
    stamp = dt.datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = stamp
    wb.save(path)
