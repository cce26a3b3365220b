"""Cell values as the importers need them: dates (text, Excel serials, date cells), text, numbers.

Each parser returns the value or raises ``CellProblem(problem, fix)``; the importer turns that into
the catalogue message naming file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from xinfang.imports.tables import EXCEL_ERRORS, Formula
from xinfang.text.normalize import clean

# Excel serial day numbers that are plausible dates: 1900-01-01 .. 2100-12-31
_SERIAL_RANGE = (1, 73415)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")


class CellProblem(ValueError):
    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def check_cell(value: object) -> object:
    """Refuse formula cells without a saved result and Excel error values; pass anything else."""
    if isinstance(value, Formula):
        raise CellProblem(f"公式「{value.text}」没有保存计算结果",
                          "用 Excel 打开文件、保存一次（让 Excel 算出结果），或把公式换成数值")
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise CellProblem(f"单元格是 Excel 错误值「{value.strip()}」", "改正产生错误的公式或填写正确的值")
    return value


def from_serial(serial: float) -> dt.date:
    """An Excel (1900 date system) serial day number as a date."""
    from openpyxl.utils.datetime import from_excel

    value = from_excel(serial)
    return value.date() if isinstance(value, dt.datetime) else value


def parse_date(value: object) -> dt.date:
    """A date from a date cell, an Excel serial number, or text such as 2023-05-06, 2023/5/6,
    2023.5.6, 2023年5月6日, 20230506 (a time after the date is allowed and dropped)."""
    value = check_cell(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    bad = CellProblem(f"「{value}」不是日期", "写成 2023-05-06 这样的日期，或在 Excel 中把单元格设为日期格式")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return from_serial(float(value))
        if isinstance(value, int) or float(value).is_integer():
            return parse_date(str(int(value)))
        raise bad
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        raise CellProblem("日期是空的", "填写日期")
    m = _DATE.match(text) or _COMPACT.match(text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise CellProblem(f"「{value}」不是存在的日期", "核对年、月、日") from None
    if _SERIAL.match(text) and _SERIAL_RANGE[0] <= float(text) <= _SERIAL_RANGE[1]:
        return from_serial(float(text))  # a date cell saved to CSV as its serial number
    raise bad


def parse_datetime_day(value: object) -> dt.date:
    """The day of a date-time such as 问卷星's 2023/5/6 10:21:33; the time is dropped here."""
    return parse_date(value)


def text_of(value: object) -> str:
    """Display text of a cell: pinyin annotations and control characters removed (xinfang.text)."""
    value = check_cell(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # a duration cell ([h]:mm)
        return str(value)
    return clean(value)


def int_of(value: object) -> int:
    value = check_cell(value)
    if isinstance(value, bool):
        raise CellProblem(f"「{value}」不是整数", "填写整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("人")
    try:
        return int(text)
    except ValueError:
        raise CellProblem(f"「{value}」不是整数", "填写整数") from None
