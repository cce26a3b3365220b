"""Dashboard widgets without a browser: change a filter, read the cards, figures and tables."""

import json

import ipywidgets as w
import pytest

from .conftest import MARKER, TODAY


def _html_of(widget) -> str:
    """Every HTML value in a widget tree (what the page would render as text)."""
    parts = []
    if isinstance(widget, w.HTML):
        parts.append(widget.value)
    for child in getattr(widget, "children", ()):
        parts.append(_html_of(child))
    return "\n".join(parts)


@pytest.fixture
def office(small_mine, no_browser):
    from widgets.dashboard import DashboardView

    view = DashboardView(view="office", today=TODAY)
    view.filters.period.value = "2026Q4"
    return view


def test_office_cards_charts_and_filter_change(office):
    assert office.data["cards"]["诉求数"] == "9"
    assert 'data-label="诉求数"' in office.cards.value and ">9<" in office.cards.value
    assert "化解率 66.7%：4 ÷ 6，" in office.definitions.value
    assert "按期办结率 &lt;5：在办理期限" in office.definitions.value  # 4 closed cases: no numerator/denominator
    assert {"heat", "sentiment", "monthly", "kpi_trend", "survey_index"} <= set(office.figures)
    heat = office.figures["heat"].data[0]
    assert heat.z[list(heat.y).index("一队")][list(heat.x).index("薪酬与绩效分配")] == 6
    office.filters.unit.value = "一队"
    assert office.data["cards"]["诉求数"] == "6" and ">6<" in office.cards.value
    assert list(office.figures["heat"].data[0].y) == ["一队"]
    assert "人数不足" not in office.survey.value
    office.filters.unit.value = "二队"
    assert office.data["cards"]["诉求数"] == "<5" and "&lt;5" in office.cards.value
    assert 'data-testid="survey-too-few"' in office.survey.value and "人数不足" in office.survey.value
    assert "survey_index" not in office.figures


def test_branch_filter_limits_the_unit_choices(office):
    office.filters.branch.value = "乙支部"
    assert list(office.filters.unit.options) == ["全部", "三队"]
    assert office.data["cards"]["诉求数"] == "0"


def test_office_lists_and_drill_down(office):
    assert office.lists.value.count("一队") >= 2 and 'data-testid="overdue"' in office.lists.value
    office.drill.unit.value = "一队"
    office.drill.topic.value = "C01"
    office.drill.button.click()
    assert "共 6 件" in office.drill.result.value and MARKER in office.drill.result.value


def test_meeting_view_one_screen_at_a_time_without_case_text(small_mine, no_browser):
    from widgets.dashboard import DashboardView

    view = DashboardView(view="meeting", today=TODAY)
    view.filters.period.value = "2026Q4"
    screens = view.body
    assert screens.current == "overview" and view.data["cards"]["诉求数"] == "9"
    assert "xf-meeting" in view._dom_classes and "font-size:56px" in _html_of(view)
    # how each rate shown is made, as in the office view (aggregates: shown only where the rate is)
    assert "化解率 66.7%：4 ÷ 6，" in screens.definitions.value and "按期办结率 &lt;5：在办理期限" in screens.definitions.value
    assert screens.definitions.layout.display is None and "font-size:20px" in screens.definitions.value
    seen = [screens.current]
    for _ in range(len(screens.screens) - 1):
        screens.next.click()
        seen.append(screens.current)
    assert seen == ["overview", *view.figures] and "heat" in seen
    assert screens.definitions.layout.display == "none"  # a chart's screen shows the chart alone
    assert view.figures["heat"].layout.template.layout.font.size >= 20  # large type
    text = _html_of(view) + json.dumps([f.to_plotly_json() for f in view.figures.values()], default=str,
                                       ensure_ascii=False)
    assert MARKER not in text and "XF20" not in text and "drill" not in text
    assert not hasattr(view, "drill")


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _chart_titles(view) -> list[str]:
    return [o["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]["text"]
            for out in view.outputs.values() for o in out.outputs]


def test_charts_are_plotly_bundles_inside_outputs_not_figurewidgets(small_mine):
    """Each chart is the plotly mimebundle of its figure, set as its Output's only output (what
    fig.show() would display), replaced on a filter change; no FigureWidget anywhere."""
    from widgets import chart_script
    from widgets.dashboard import DashboardView

    view = DashboardView(view="office", today=TODAY)
    assert not [x for x in _walk(view) if type(x).__name__ == "FigureWidget"]
    outputs = [x for x in _walk(view) if isinstance(x, w.Output)]
    # one Output per chart, and one holding the page script that skips the renderer's second drawing
    script = [x for x in outputs if x.outputs and x.outputs[0]["data"].get("text/html") == chart_script.SCRIPT]
    assert len(script) == 1 and len(outputs) == len(view.outputs) + 1 and "xf-dashboard" in view._dom_classes
    assert all(len(out.outputs) <= 1 for out in view.outputs.values())
    bundles = [out.outputs[0]["data"]["application/vnd.plotly.v1+json"] for out in view.outputs.values() if out.outputs]
    assert bundles and all(b["config"]["responsive"] is True for b in bundles)  # charts follow the window
    assert sorted(_chart_titles(view)) == sorted(f.layout.title.text for f in view.figures.values())
    view.filters.unit.value = "一队"
    titles = _chart_titles(view)
    assert len(titles) == len(view.figures) and any("一队" in t for t in titles)
    assert all(len(out.outputs) <= 1 for out in view.outputs.values())


def test_long_case_lists_show_the_earliest_deadlines_and_the_total():
    import pandas as pd

    from widgets.dashboard_tables import case_table

    frame = pd.DataFrame({"编号": [f"XF-{i:03d}" for i in range(120)], "办理期限": range(120)})
    shown = case_table(frame, "overdue", "逾期未办结", rows=50)
    assert "共 120 件" in shown and "XF-049" in shown and "XF-050" not in shown
    assert "共" not in case_table(frame.head(50), "overdue", "逾期未办结", rows=50)


def test_a_prepared_dashboard_is_handed_out_once_only_while_it_is_current(small_mine, no_browser):
    """A preheated office kernel works out the whole mine's dashboard before its request
    (widgets.dashboard.prepare) as data only, no widget; the request gets it only for the same view
    and characters, without a branch scope, and while no write has changed the data since."""
    import datetime as dt
    from dataclasses import replace

    from ipywidgets.widgets.widget import _instances

    from widgets import dashboard as board
    from widgets.dashboard_filters import DashboardFilters, default
    from xinfang.cases import NewCase, register_case
    from xinfang.storage import db

    board._PREPARED.clear()
    widgets_before = len(_instances)
    board.prepare()
    assert len(_instances) == widgets_before  # nothing a browser could be sent before the request is known
    assert board.prepared("office", "甲支部", "zh-Hans") is None  # a 支部书记 sees one branch: made anew
    board.prepare()
    assert board.prepared("office", None, "zh-Hant") is None and board.prepared("meeting", None, "zh-Hans") is None
    ready = board.prepared("office", None, "zh-Hans")
    assert ready is not None and board.prepared("office", None, "zh-Hans") is None  # handed out once
    view = board.DashboardView(view="office", ready=ready)
    assert view.data is ready.data and view.figures is ready.figures and view.sources is ready.sources
    fresh = board.DashboardView(view="office")
    assert view.data["cards"] == fresh.data["cards"]
    # the page's HTML and chart outputs made before the request are the ones shown, equal to those made on request
    assert view.lists.value is ready.markup["lists"] and view.lists.value == fresh.lists.value
    assert view.outputs["heat"].outputs == fresh.outputs["heat"].outputs
    assert default(view.options) == DashboardFilters(view.options).value  # the selectors' own default
    view.filters.unit.value = "一队"  # a filter change is worked out as usual
    assert view.data is not ready.data and "一队" in view.data["title"]

    board.prepare()
    with db.session() as s:  # a case registered after the work: the prepared figures are out of date
        register_case(s, NewCase(text="新登记的诉求：澡堂热水不足", received_on=dt.date.today(), channel="来访",
                                 intake_mode="匿名", unit="一队"))
    assert board.prepared("office", None, "zh-Hans") is None

    board.prepare()
    key = ("office", "zh-Hans")
    board._PREPARED[key] = replace(board._PREPARED[key], day=dt.date.today() - dt.timedelta(days=1))  # yesterday's
    assert board.prepared("office", None, "zh-Hans") is None
