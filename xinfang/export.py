"""Tables to Excel (openpyxl, Chinese headers) and CSV (utf-8-sig, so Excel reads the Chinese); a chart
to PNG (kaleido). Aggregates are suppressed on the way out: a raw numeric tally is passed through
:func:`xinfang.privacy.suppress`; a table that is already displayed (object columns with "<5") is
written as it is. Case lists (office use) are written with ``aggregate=False``.
"""

from __future__ import annotations

import io
from pathlib import Path

from xinfang.errors import ValidationError

# Column names used in the library's frames → what the office reads.
HEADERS: dict[str, str] = {
    "case_no": "编号", "unit": "单位", "branch": "党支部", "status": "状态", "received_on": "登记日期",
    "accepted_on": "受理日期", "closed_on": "办结日期", "due_on": "办理期限", "channel": "渠道",
    "outcome": "处理结果", "satisfaction": "评价", "label": "情绪", "score": "情绪分值", "topic": "话题",
    "topics": "话题", "month": "月份", "text": "内容", "cues": "判断依据", "intake_mode": "反映方式",
    "category": "类别", "people_count": "人数", "quarter": "季度", "submitted_on": "提交日期",
}
FORMATS = ("xlsx", "csv", "png")


def displayed(table, *, aggregate: bool = True, counts=None):
    """The table as it may leave the workbook: suppressed when it is a raw numeric aggregate, with
    Chinese headers; the index becomes the first column."""
    import pandas as pd

    from xinfang import privacy

    frame = table.to_frame() if isinstance(table, pd.Series) else table
    numeric = len(frame.columns) > 0 and all(pd.api.types.is_numeric_dtype(d) for d in frame.dtypes)
    if aggregate and numeric:
        frame = privacy.suppress(frame, counts=counts)
    frame = frame.rename(columns=lambda c: HEADERS.get(str(c), str(c)))
    names = [HEADERS.get(str(n), str(n)) if n is not None else None for n in frame.index.names]
    frame = frame.copy()
    frame.index = frame.index.set_names(names)
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
        frame = frame.rename(columns={"index": "项目"})
    return frame.map(_cell)


def _cell(value):
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{'、'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def to_excel(tables, path=None, *, aggregate: bool = True) -> bytes:
    """Write ``tables`` ({sheet name: DataFrame}, or one DataFrame) to an .xlsx workbook, one sheet
    each, bold Chinese headers; returns the bytes (and writes ``path`` when given)."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if isinstance(tables, pd.DataFrame | pd.Series):
        tables = {"数据": tables}
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in tables.items():
        frame = displayed(table, aggregate=aggregate)
        sheet = wb.create_sheet(_sheet_name(name))
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_excel_value(v) for v in row])
        for i, col in enumerate(frame.columns, 1):
            width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, i - 1].head(200)]) * 2 + 2
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _sheet_name(name: object) -> str:
    bad = set('[]:*?/\\')
    return "".join("_" if c in bad else c for c in str(name))[:31] or "数据"


def _excel_value(value):
    import datetime as dt

    import pandas as pd

    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime):
        return value
    return str(value)


def to_csv(table, path=None, *, aggregate: bool = True) -> bytes:
    """The table as CSV in utf-8-sig (with BOM, so Excel opens the Chinese correctly)."""
    data = displayed(table, aggregate=aggregate).to_csv(index=False).encode("utf-8-sig")
    if path is not None:
        Path(path).write_bytes(data)
    return data


def chart_png(fig, path=None, *, width: int = 1000, height: int | None = None) -> bytes:
    """A chart as PNG (kaleido with the system Chromium; ``chart.no_kaleido`` when it is missing)."""
    from xinfang import charts

    data = charts.to_png(fig, width=width, height=height)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def default_dir() -> Path:
    """Where the workbook puts exports unless told otherwise: ``<run_dir>/exports`` (git-ignored)."""
    from xinfang.config import settings

    out = Path(settings()["run_dir"]) / "exports"
    out.mkdir(parents=True, exist_ok=True)
    return out


def export(obj, path, *, aggregate: bool = True) -> Path:
    """Export by the file's extension: .xlsx / .csv for tables, .png for a chart."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValidationError("export.bad_format", value=kind or str(path), known="、".join(FORMATS))
    if kind == "xlsx":
        to_excel(obj, path, aggregate=aggregate)
    elif kind == "csv":
        to_csv(obj, path, aggregate=aggregate)
    else:
        chart_png(obj, path)
    return path


__all__ = ["HEADERS", "chart_png", "default_dir", "displayed", "export", "to_csv", "to_excel"]
