"""A 支部书记 sees only their own branch: dashboard choices, filters and figures pinned to it
(small mine of conftest: 甲支部 = 一队 + 二队, 乙支部 = 三队)."""

import ipywidgets as w
import pytest
import traitlets

from xinfang import dashboard, metrics, roles
from xinfang.errors import ValidationError

from .conftest import MARKER, TODAY

Q4 = metrics.Period.quarter(2026, 4)


@pytest.fixture
def sources(small_mine):
    return dashboard.load(today=TODAY)


def _units_shown(data) -> set[str]:
    shown = set()
    for name in ("heat", "sentiment"):
        shown |= {u for u in data[name].index if u != "合计"}
    return shown | {f["unit"] for f in data["flags"]}


def test_options_and_filters_pinned_to_the_branch(sources):
    options = dashboard.options(sources)
    limited = roles.limit_options(options, "甲支部")
    assert limited["branches"] == ["甲支部"] and limited["all_units"] == ["一队", "二队"]
    assert roles.limit_options(options, None) is options
    asked = dashboard.Filters(Q4, today=TODAY)  # "the whole mine", as a tampered page might ask
    pinned = roles.limit_filters(asked, "甲支部", options)
    assert pinned.branch == "甲支部"
    assert roles.limit_filters(asked.with_(branch="乙支部"), "甲支部", options).branch == "甲支部"
    with pytest.raises(ValidationError) as info:
        roles.limit_filters(asked.with_(unit="三队"), "甲支部", options)
    assert info.value.code == "dashboard.unknown_choice"
    assert roles.limit_filters(asked.with_(unit="二队"), "甲支部", options).unit == "二队"


def test_branch_figures_are_the_branch_filter_and_not_the_mine(sources):
    options = dashboard.options(sources)
    whole = dashboard.dashboard_data(dashboard.Filters(Q4, today=TODAY), "meeting", sources)
    mine_view = dashboard.dashboard_data(roles.limit_filters(dashboard.Filters(Q4, today=TODAY), "甲支部", options),
                                         "meeting", sources)
    other = dashboard.dashboard_data(roles.limit_filters(dashboard.Filters(Q4, today=TODAY), "乙支部", options),
                                     "meeting", sources)
    assert _units_shown(mine_view) <= {"一队", "二队"} and "三队" not in _units_shown(mine_view)
    assert mine_view["cards"] == dashboard.dashboard_data(dashboard.Filters(Q4, today=TODAY, branch="甲支部"),
                                                          "meeting", sources)["cards"]
    assert mine_view["cards"] != whole["cards"] and mine_view["cards"] != other["cards"]


def _html(widget) -> str:
    parts = [widget.value] if isinstance(widget, w.HTML) else []
    return "\n".join(parts + [_html(c) for c in getattr(widget, "children", ())])


def test_meeting_view_of_a_branch_secretary(small_mine, no_browser):
    from widgets.dashboard import DashboardView

    view = DashboardView(view="meeting", today=TODAY, branch="乙支部")
    view.filters.period.value = "2026Q4"
    assert list(view.filters.branch.options) == ["乙支部"] and view.filters.branch.disabled
    assert list(view.filters.unit.options) == ["全部", "三队"]
    assert view.data["filters"].branch == "乙支部"
    assert view.data["cards"]["诉求数"] == "0"  # 三队's cases are in Q3
    with pytest.raises(traitlets.TraitError):  # a unit of another branch is not even a choice
        view.filters.unit.value = "一队"
    view.filters.period.value = "2026Q3"
    assert view.data["cards"]["诉求数"] == "<5"  # the 2 cases of 三队, suppressed
    text = _html(view)
    assert "一队" not in text and "二队" not in text and MARKER not in text
