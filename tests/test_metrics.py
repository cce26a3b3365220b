"""KPI values on a small fixture, computed by hand from DESIGN.md §5 (see the comments)."""

import datetime as dt

import pytest

from xinfang import lifecycle, metrics
from xinfang.cases import NewCase, register_case
from xinfang.storage import db
from xinfang.storage.models import Activity, OrgUnit

D = dt.date
Q3 = metrics.Period.quarter(2026, 3)


@pytest.fixture
def fixture_frame(use_db):
    """Six cases; Q3 2026 is 07-01..09-30.
    1 A  reg 07-01 受理 07-02 告知 07-03 答复 支持 07-20 回访 满意 办结 07-23
    2 A  reg 07-05 受理 07-06 告知 07-25 (late: due 07-20) 答复 不予支持 08-01 回访 不满意 办结 08-03
    3 B  reg 07-10 受理 07-10 告知 07-11 答复 解释说明 09-15 办结 09-16 (late: due 09-08), not rated
    4 B  reg 08-01 不予受理 08-03, 告知 08-05 (due 08-16 is a Sunday → 08-17)
    5 A  reg 08-10 受理 08-11, no notice, still open; repeat of 1; escalated
    6 B  reg 06-20 受理 06-21 告知 06-22 答复 调解 07-15 回访 基本满意 办结 07-17
    """
    steps = {
        1: [("受理", D(2026, 7, 2), {}), ("告知", D(2026, 7, 3), {}), ("答复", D(2026, 7, 20), {"outcome": "支持"}),
            ("回访", D(2026, 7, 22), {"satisfaction": "满意"}), ("办结", D(2026, 7, 23), {})],
        2: [("受理", D(2026, 7, 6), {}), ("告知", D(2026, 7, 25), {}), ("答复", D(2026, 8, 1), {"outcome": "不予支持"}),
            ("回访", D(2026, 8, 2), {"satisfaction": "不满意"}), ("办结", D(2026, 8, 3), {})],
        3: [("受理", D(2026, 7, 10), {}), ("告知", D(2026, 7, 11), {}),
            ("答复", D(2026, 9, 15), {"outcome": "解释说明"}), ("办结", D(2026, 9, 16), {})],
        4: [("不予受理", D(2026, 8, 3), {"reason": "不属于受理范围"}), ("告知", D(2026, 8, 5), {})],
        5: [("受理", D(2026, 8, 11), {})],
        6: [("受理", D(2026, 6, 21), {}), ("告知", D(2026, 6, 22), {}), ("答复", D(2026, 7, 15), {"outcome": "调解"}),
            ("回访", D(2026, 7, 16), {"satisfaction": "基本满意"}), ("办结", D(2026, 7, 17), {})],
    }
    received = {1: D(2026, 7, 1), 2: D(2026, 7, 5), 3: D(2026, 7, 10), 4: D(2026, 8, 1), 5: D(2026, 8, 10),
                6: D(2026, 6, 20)}
    unit = {1: "A队", 2: "A队", 3: "B队", 4: "B队", 5: "A队", 6: "B队"}
    with db.session() as s:
        s.add_all([OrgUnit(name="A队", kind="区队", headcount=60), OrgUnit(name="B队", kind="区队", headcount=40)])
        s.flush()
        ids = {}
        for n in sorted(received):
            ids[n] = register_case(s, NewCase(
                text=f"事项{n}", received_on=received[n], channel="来访", intake_mode="匿名", unit=unit[n],
                repeat_of_id=ids.get(1) if n == 5 else None, escalated=n == 5)).case_id
        for n, acts in steps.items():
            for action, on, details in acts:
                lifecycle.apply(s, ids[n], action, on=on, today=D(2026, 11, 20), **details)
        s.add_all([Activity(kind="下访座谈", held_on=D(2026, 7, 8), participants=65, audience="职工"),
                   Activity(kind="培训", held_on=D(2026, 8, 8), participants=30, sessions=2, audience="支部书记"),
                   Activity(kind="培训", held_on=D(2026, 9, 8), participants=25, sessions=1, audience="调解员"),
                   Activity(kind="政策宣讲", held_on=D(2026, 4, 8), participants=80)])  # Q2: not counted
    with db.session() as s:
        return metrics.case_frame(s)


def test_rates_equal_the_hand_computed_values(fixture_frame):
    expected = {  # name: (numerator, denominator)
        "化解率": (2, 4),       # closed 1,2,3,6; resolved 1 (支持) and 6 (调解) ÷ accepted in Q3: 1,2,3,5
        "按期告知率": (3, 5),   # registered 1..5; on time 1,3,4
        "按期办结率": (3, 4),   # closed 1,2,3,6; 3 was late
        "满意率": (2, 3),       # rated 1,2,6; satisfied 1,6
        "参评率": (3, 4),
        "重复信访率": (1, 5),
    }
    got = {name: (r.numerator, r.denominator) for name in expected
           for r in [metrics.rate(fixture_frame, name, Q3)]}
    assert got == expected
    assert metrics.rate(fixture_frame, "化解率", Q3).text() == "50.0%"
    assert metrics.case_count(fixture_frame, "越级上访数", Q3) == 1
    assert metrics.case_count(fixture_frame, "诉求数", Q3) == 5


def test_rates_by_unit(fixture_frame):
    table = metrics.kpi_table(fixture_frame, Q3, by="unit")
    assert (table.loc["A队", "化解率_分子"], table.loc["A队", "化解率_分母"]) == (1, 3)
    assert (table.loc["B队", "化解率_分子"], table.loc["B队", "化解率_分母"]) == (1, 1)
    assert table.loc["A队", "诉求数"] == 3 and table.loc["B队", "诉求数"] == 2


def test_rates_by_month(fixture_frame):
    table = metrics.kpi_table(fixture_frame, Q3, by="month")
    assert list(table.index) == ["2026年7月", "2026年8月", "2026年9月"]
    assert list(table["诉求数"]) == [3, 2, 0]
    assert list(table["办结数"]) == [2, 1, 1]  # July: 1 and 6; August: 2; September: 3


def test_activity_counts(fixture_frame):
    with db.session() as s:
        counts = metrics.activity_counts(s, Q3)
    assert counts["下访次数"] == 1 and counts["参与人次"] == 65
    assert counts["培训场次"] == 3 and counts["培训人次"] == 55
    assert counts["支部书记培训人次"] == 30 and counts["调解员培训人次"] == 25
    assert counts["政策宣讲场次"] == 0


def test_overdue_and_due_soon(fixture_frame):
    # case 5: accepted 08-11, due 60 days later = 10-10 (a 调休 working Saturday)
    assert list(metrics.overdue(fixture_frame, D(2026, 10, 12))["case_no"].str[-1]) == ["5"]
    assert list(metrics.due_soon(fixture_frame, D(2026, 10, 5), 7)["case_no"].str[-1]) == ["5"]
    assert metrics.overdue(fixture_frame, D(2026, 10, 9)).empty


def test_empty_denominator_shows_a_dash(fixture_frame):
    r = metrics.rate(fixture_frame, "化解率", metrics.Period.year(2020))
    assert r.value is None and r.text() == "—"


def test_period_bound_definitions_skip_cases_outside_the_period(demo_db, monkeypatch):
    """Every KPI term of kpis.yaml requires a period condition, so a month's row is computed on the
    cases with a date in that month: the same table as computing on every case."""
    import pandas as pd

    monkeypatch.setenv("XINFANG_DB_URL", demo_db)
    with db.session() as s:
        frame = metrics.case_frame(s)
    window = metrics.Period(dt.date(2025, 12, 1), dt.date(2026, 11, 30), "近12个月")
    assert metrics._period_bound(metrics.definitions())
    fast = metrics.kpi_table(frame, window, by="month")
    monkeypatch.setattr(metrics, "_period_bound", lambda defs: False)
    pd.testing.assert_frame_equal(fast, metrics.kpi_table(frame, window, by="month"))
    assert fast["诉求数"].sum() > 100


def test_a_term_without_a_period_condition_turns_the_shortcut_off():
    defs = {"rates": {"r": {"numerator": ["closed_in_period", "rated"], "denominator": ["rated"]}},
            "case_counts": {"c": ["registered_in_period"]}}
    assert not metrics._period_bound(defs)
    defs["rates"]["r"]["denominator"] = ["closed_in_period"]
    assert metrics._period_bound(defs)


def _demo_frame(demo_db, monkeypatch):
    monkeypatch.setenv("XINFANG_DB_URL", demo_db)
    with db.session() as s:
        return metrics.case_frame(s)


@pytest.mark.parametrize("window, by", [
    (metrics.Period(dt.date(2025, 12, 1), dt.date(2026, 11, 30), "近12个月"), "month"),
    (metrics.Period(dt.date(2025, 12, 10), dt.date(2026, 11, 17), "月中起止"), "month"),  # partial first/last month
    (metrics.Period(dt.date(2025, 1, 1), dt.date(2026, 11, 30), "两年"), "quarter"),
])
def test_sub_periods_in_one_pass_equal_the_row_by_row_table(demo_db, monkeypatch, window, by):
    frame = _demo_frame(demo_db, monkeypatch)
    one_pass = metrics.kpi_table(frame, window, by=by)
    monkeypatch.setattr(metrics, "_rows_by_sub_period", lambda *a: None)
    row_by_row = metrics.kpi_table(frame, window, by=by)
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(one_pass, row_by_row)
    assert one_pass["诉求数"].sum() > 100 and one_pass["化解率_分母"].sum() > 10


def test_sub_periods_of_a_scoped_and_an_empty_frame(demo_db, monkeypatch):
    import pandas as pd

    frame = _demo_frame(demo_db, monkeypatch)
    window = metrics.Period(dt.date(2026, 1, 1), dt.date(2026, 11, 30), "今年")
    for part in (frame[frame["unit"] == frame["unit"].iloc[0]], frame.iloc[:0]):
        one_pass = metrics.kpi_table(part, window, by="month")
        monkeypatch.setattr(metrics, "_rows_by_sub_period", lambda *a: None)
        row_by_row = metrics.kpi_table(part, window, by="month")
        monkeypatch.undo()
        monkeypatch.setenv("XINFANG_DB_URL", demo_db)
        pd.testing.assert_frame_equal(one_pass, row_by_row)
    assert (metrics.kpi_table(frame.iloc[:0], window, by="month")["诉求数"] == 0).all()


def test_each_period_condition_is_its_date_in_the_period_and_a_test_of_the_case(demo_db, monkeypatch):
    """What the one-pass table relies on (PERIOD_CONDITIONS): for a month inside a window, the
    condition holds exactly when it holds for the window and its date lies in the month."""
    frame = _demo_frame(demo_db, monkeypatch)
    window = metrics.Period(dt.date(2025, 12, 1), dt.date(2026, 11, 30), "近12个月")
    for month in metrics._sub_periods(window, "month"):
        for cond, col in metrics.PERIOD_CONDITIONS.items():
            in_month = (frame[col] >= metrics._ts(month.start)) & (frame[col] <= metrics._ts(month.end))
            direct = metrics.CONDITIONS[cond](frame, month)
            assert direct.equals(metrics.CONDITIONS[cond](frame, window) & in_month), (cond, month.label)
            assert direct.any(), (cond, month.label)


def test_a_period_condition_inside_any_of_is_computed_row_by_row(fixture_frame):
    defs = {"rates": {"r": {"numerator": ["rated", {"any_of": ["closed_in_period", "accepted_in_period"]}],
                            "denominator": ["registered_in_period"]}},
            "case_counts": {"c": ["registered_in_period"]}}
    subs = metrics._sub_periods(Q3, "month")
    assert metrics._rows_by_sub_period(fixture_frame, subs, defs) is None
    defs["rates"]["r"]["numerator"] = ["closed_in_period", {"any_of": ["rated", "repeat"]}]
    rows = metrics._rows_by_sub_period(fixture_frame, subs, defs)
    assert [(r["r_分子"], r["r_分母"], r["c"]) for r in rows] == [(2, 3, 3), (1, 2, 2), (0, 0, 0)]
    assert rows[2]["r"] is None
