"""dashboard_data on the hand-counted small mine (conftest): KPI cards, tallies, filters, the two views."""

import json

import pytest

from xinfang import dashboard, metrics

from .conftest import MARKER, TODAY

Q4 = metrics.Period.quarter(2026, 4)


@pytest.fixture
def sources(small_mine):
    return dashboard.load(today=TODAY)


def _data(sources, view="meeting", **filters):
    return dashboard.dashboard_data(dashboard.Filters(Q4, today=TODAY, **filters), view, sources)


def test_kpi_cards_whole_mine(sources):
    cards = _data(sources)["cards"]
    assert cards == {"下访次数": "2", "参与人次": "70", "诉求数": "9", "化解率": "66.7%",
                     # 4 closed cases: a rate over fewer than 5 cases is hidden
                     "按期办结率": "<5", "满意率": "<5", "政策宣讲场次": "0", "政策宣讲人次": "0", "培训场次": "2", "培训人次": "50"}


def test_kpis_are_the_metrics_values(sources):
    data = _data(sources)
    frame = sources.cases
    r = metrics.rate(frame, "化解率", Q4)
    assert (data["kpis"]["化解率"]["numerator"], data["kpis"]["化解率"]["denominator"]) == (r.numerator, r.denominator)
    assert (r.numerator, r.denominator) == (4, 6)


def test_rate_lines_say_how_each_rate_is_made(sources):
    kpis = _data(sources)["kpis"]
    lines = dashboard.rate_lines(kpis)
    assert lines[0] == f"化解率 66.7%：4 ÷ 6，{kpis['化解率']['help']}"
    assert lines[1] == f"按期办结率 <5：{kpis['按期办结率']['help']}"  # hidden: nor its numerator and denominator
    assert len(lines) == 3 and lines[2].startswith("满意率 <5：")
    # 化解率 counts the period's closures (some accepted before it) over the period's acceptances
    over = {"化解率": {**kpis["化解率"], "value": 51 / 40, "numerator": 51, "denominator": 40, "shown": "127.5%"}}
    assert dashboard.rate_lines(over) == [
        f"化解率 127.5%：51 ÷ 40，{kpis['化解率']['help']}（分子与分母统计的不是同一批事项，所以比率可以超过 100%）"]


def test_filters_change_the_figures(sources):
    whole = _data(sources)
    branch = _data(sources, branch="乙支部")
    unit = _data(sources, unit="一队")
    topic = _data(sources, topic="C07")
    channel = _data(sources, channel="电话")
    assert unit["cards"]["诉求数"] == "6" and unit["cards"]["下访次数"] == "1" and unit["cards"]["参与人次"] == "40"
    assert unit["cards"]["培训场次"] == "0"  # training was held at mine level
    assert branch["cards"]["诉求数"] == "0" and branch["cards"]["化解率"] == "—"
    assert topic["cards"]["诉求数"] == "<5"  # 3 cases of 二队
    assert channel["cards"]["诉求数"] == "<5" and channel["cards"]["化解率"] == "<5"  # 2 cases, 2 accepted
    assert list(unit["heat"].index) == ["一队", "合计"] and whole["heat"].loc["一队", "C01"] == 6
    q3 = dashboard.dashboard_data(dashboard.Filters(metrics.Period.quarter(2026, 3), today=TODAY), "meeting", sources)
    assert q3["cards"]["诉求数"] == "<5" and q3["cards"]["下访次数"] == "1"


def test_small_groups_suppressed_in_tallies(sources):
    data = _data(sources)
    assert data["heat"].loc["一队", "C01"] == 6
    assert data["heat"].loc["二队", "C07"] == "<5"
    assert data["sentiment"].loc["二队", "合计"] == "<5"
    assert data["sentiment"].loc["合计", "合计"] == 9
    assert data["monthly"].loc["2026-10", "合计"] == 6 and data["monthly"].loc["2026-11", "合计"] == "<5"
    trend = data["kpi_trend"]
    assert trend.loc["2026年10月", "诉求数"] == 6 and trend.loc["2026年11月", "诉求数"] == "<5"


def test_survey_block_and_too_few(sources):
    data = _data(sources)
    assert data["survey"]["error"] is None and data["survey"]["index"].loc["一队", "综合指数"] == 75.0
    small = _data(sources, unit="二队")
    assert "人数不足" in small["survey"]["error"] and small["survey"]["index"] is None


def _everything_as_text(data, figs):
    parts = []
    for value in data.values():
        if hasattr(value, "to_csv"):
            parts.append(value.to_csv())
        elif isinstance(value, dict):
            parts.append(repr({k: (v.to_csv() if hasattr(v, "to_csv") else repr(v)) for k, v in value.items()}))
        else:
            parts.append(repr(value))
    parts += [json.dumps(f.to_plotly_json(), ensure_ascii=False, default=str) for f in figs.values()]
    return "\n".join(parts)


def test_meeting_view_shows_no_case_text_or_numbers(sources):
    data = _data(sources, view="meeting")
    text = _everything_as_text(data, dashboard.figures(data))
    assert MARKER not in text and "二队原文" not in text and "XF20" not in text
    assert "overdue" not in data and "due_soon" not in data
    assert "的意见" not in text  # questionnaire remarks never leave the library
    with pytest.raises(Exception) as err:
        dashboard.cases_behind(dashboard.Filters(Q4, today=TODAY), sources, view="meeting", unit="一队")
    assert getattr(err.value, "code", "") == "dashboard.meeting_no_cases"


def test_office_view_lists_cases_behind_a_cell(sources, small_mine):
    data = _data(sources, view="office")
    assert len(data["overdue"]) == 2 and set(data["overdue"]["单位"]) == {"一队"}
    rows, total = dashboard.cases_behind(dashboard.Filters(Q4, today=TODAY), sources, view="office",
                                         unit="一队", topic="C01")
    assert total == 6 and all(MARKER in t for t in rows["内容"])
    rows, total = dashboard.cases_behind(dashboard.Filters(Q4, today=TODAY), sources, view="office", unit="二队",
                                         topic="C01")
    assert total == 0


def test_unknown_filter_value_is_a_catalogue_error(sources):
    with pytest.raises(Exception) as err:
        _data(sources, unit="不存在的队")
    assert getattr(err.value, "code", "") == "dashboard.unknown_choice"


def test_parse_period():
    assert dashboard.parse_period("2026q4") == Q4
    assert dashboard.parse_period("2026-10").label == "2026年10月"
    with pytest.raises(Exception) as err:
        dashboard.parse_period("26Q9")
    assert getattr(err.value, "code", "") == "cli.bad_period"
