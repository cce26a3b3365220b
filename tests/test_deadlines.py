"""Deadline arithmetic (DESIGN.md §4): start day not counted, a period ending on a rest day moves on."""

import datetime as dt
import shutil

import pytest

from xinfang import config, deadlines

D = dt.date


@pytest.mark.parametrize(("start", "days", "end"), [
    (D(2026, 3, 2), 15, D(2026, 3, 17)),    # plain: start day not counted
    (D(2026, 11, 6), 15, D(2026, 11, 23)),  # ends Saturday 11-21 → Monday
    (D(2026, 9, 1), 30, D(2026, 10, 8)),    # ends 10-01, National Day holiday 10-01..10-07 → 10-08
    (D(2026, 9, 10), 30, D(2026, 10, 10)),  # ends Saturday 10-10, a 调休 working day: stays
    (D(2026, 1, 20), 60, D(2026, 3, 23)),   # ends Saturday 03-21 → Monday 03-23
])
def test_add_period(start, days, end):
    assert deadlines.add_period(start, days) == end


def test_rule_periods_come_from_the_rules_file():
    assert [deadlines.period_days(n) for n in ("notify", "handle", "extension_max", "review_request")] == [15, 60, 30, 30]
    assert deadlines.rules()["version"] == "2022"


def test_year_without_package_data_falls_back_to_weekends():
    assert deadlines.is_rest_day(D(2031, 1, 4))      # a Saturday
    assert not deadlines.is_rest_day(D(2031, 1, 6))  # a Monday


def test_yearly_holiday_file_overrides(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(config.PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("*.db*", "run"))
    (data / "holidays").mkdir(exist_ok=True)
    (data / "holidays" / "2031.yaml").write_text("rest: [2031-01-01, 2031-01-02]\nwork: [2031-01-04]\n")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(data))
    config.reset()
    deadlines._yearly_overrides.cache_clear()
    try:
        assert deadlines.add_period(D(2030, 12, 31), 1) == D(2031, 1, 3)  # 01-01 and 01-02 declared rest days
        assert not deadlines.is_rest_day(D(2031, 1, 4))  # declared working Saturday
    finally:
        deadlines._yearly_overrides.cache_clear()
