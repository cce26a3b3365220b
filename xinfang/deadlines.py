"""Deadline arithmetic of DESIGN.md §4: the one place a time limit is counted.

The start day is not counted and a period ends at the end of its last day; when the last day is a
statutory rest day (法定休假日: public holidays and weekends that are not 调休 working days) the period
ends on the first working day after it (民法典 第二百零一条、第二百零三条). Which days are rest days
comes from the maintained ``chinesecalendar`` package, overridden or extended by yearly files
``data/holidays/<year>.yaml`` for years the package does not know yet.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import yaml

from xinfang.config import settings
from xinfang.errors import DataFileError


@cache
def rules() -> dict:
    path = settings().data_dir / "rules" / "xinfang_2022.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def period_days(name: str) -> int:
    return int(rules()["periods"][name]["days"])


@cache
def _yearly_overrides(year: int) -> dict[dt.date, bool]:
    """Days declared in data/holidays/<year>.yaml: {rest: [dates], work: [dates]} → date -> is_rest."""
    path = settings().data_dir / "holidays" / f"{year}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    days: dict[dt.date, bool] = {}
    for d in data.get("rest", []) or []:
        days[dt.date.fromisoformat(str(d))] = True
    for d in data.get("work", []) or []:
        days[dt.date.fromisoformat(str(d))] = False
    return days


def is_rest_day(day: dt.date) -> bool:
    overrides = _yearly_overrides(day.year)
    if day in overrides:
        return overrides[day]
    return _calendar_rest_day(day)


@cache
def _calendar_rest_day(day: dt.date) -> bool:
    # chinese_calendar validates each date against its whole table (a min and max over every holiday,
    # ~20 µs a call): remember its answer, the table does not change while the program runs.
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_holiday(day))
    except NotImplementedError:
        # A year the package does not cover and no yearly file declares: weekends are rest days.
        return day.weekday() >= 5


def add_period(start: dt.date, days: int) -> dt.date:
    """Last day of a period of ``days`` days beginning the day after ``start``, moved past rest days."""
    end = start + dt.timedelta(days=days)
    while is_rest_day(end):
        end += dt.timedelta(days=1)
    return end
