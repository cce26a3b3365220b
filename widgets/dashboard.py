"""DashboardView: the office or meeting dashboard (DESIGN.md §8, §9).

``DashboardView(view="office")``: filters, KPI cards, early-warning flags, the charts, questionnaire
results, overdue / due-soon lists and a linked selector listing the cases behind a chart.
``DashboardView(view="meeting")``: the same filters and figures for a projector — large type, one
screen at a time (概况, then one chart per screen), no case lists, no text.

Charts are plotly mimebundles set as an ``Output``'s outputs (``draw``), not FigureWidget.
Each refresh calls ``xinfang.dashboard.dashboard_data`` once and ``xinfang.dashboard.figures`` once.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import ipywidgets as w

from widgets import chart_script, dashboard_tables
from widgets.count_cards import CountCards
from widgets.dashboard_filters import DashboardFilters
from widgets.dashboard_filters import default as default_filters
from xinfang import charts, dashboard, roles
from xinfang.errors import XinfangError


def outputs(fig) -> tuple:
    """The outputs of a chart's Output: the figure's plotly mimebundle (plotly's own
    ``plotly_mimetype`` renderer: what ``fig.show()`` displays in a kernel), none for no figure."""
    if fig is None:
        return ()
    import plotly.io as pio

    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig.to_dict())
    # plotly.js follows the window's width itself (Voila sends the outputs no resize message)
    bundle["application/vnd.plotly.v1+json"].setdefault("config", {})["responsive"] = True
    return ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def draw(out: w.Output, fig) -> None:
    """Redraw one chart in its Output: the page keeps one light plotly figure per Output.

    The Output's ``outputs`` are replaced in one state update (``outputs(fig)``). Capturing
    ``fig.show()`` with ``with out:`` does the same in the browser, but while Voila runs the page its
    executor relays each captured message to the widget: the 8 charts of the dashboard took 1.5 s
    that way in a served kernel."""
    out.outputs = outputs(fig)


def _generation() -> int | None:
    from xinfang.storage import db

    try:
        with db.session() as s:
            return db.data_generation(s)
    except XinfangError:
        return None


@dataclass(frozen=True)
class Prepared:
    """A whole-mine dashboard worked out before its request: the data read, the default filters'
    figures made. Only data: no widget exists until a request is known to be allowed to see it (the
    browser of a page is sent the state of every widget its kernel holds)."""

    view: str
    script: str
    day: dt.date
    generation: int
    sources: object
    filters: dashboard.Filters
    data: dict
    figures: dict
    markup: dict


# What a preheated kernel worked out before its request, by (view, script). One kernel serves one
# page, so it is handed out at most once.
_PREPARED: dict[tuple[str, str], Prepared] = {}


def prepare(view: str = "office", script: str = "zh-Hans") -> None:
    """Work out the whole mine's dashboard while a preheated office kernel waits for its request
    (reading the data and making the figures: about a second at 100,000 cases); ``prepared`` hands
    it to a request that asks for exactly this view without a branch scope, on the same day and data
    generation. The generation is read before and after: equal, no write came in between
    (analysing new cases on the way writes: then it is worked out once more)."""
    for _ in range(2):
        before = _generation()
        if before is None:
            return
        try:
            sources = dashboard.load()
            filters = default_filters(dashboard.options(sources)).with_(today=sources.today)
            data, figures = _compute(filters, view, script, sources)
        except XinfangError:
            return
        if _generation() == before:
            _PREPARED[(view, script)] = Prepared(view, script, dt.date.today(), before, sources, filters, data,
                                                 figures, _markup(view, data, figures))
            return


def prepared(view: str, branch: str | None, script: str) -> Prepared | None:
    """What ``prepare`` worked out, if it is what this request would see: the whole mine (no branch
    scope), the same view and characters, today, and data not written since; else None."""
    ready = _PREPARED.pop((view, script), None)
    if ready is None or branch is not None or ready.day != dt.date.today() or _generation() != ready.generation:
        return None
    return ready


def _compute(filters: dashboard.Filters, view: str, script: str, sources) -> tuple[dict, dict]:
    data = dashboard.dashboard_data(filters, view, sources)
    figures = {name: charts.in_script(fig, script)
               for name, fig in dashboard.figures(data, large=view == "meeting").items()}
    return data, figures


def _markup(view: str, data: dict, figures: dict) -> dict:
    """What the page shows besides its widgets, made from the data and figures alone: the escaped HTML
    of header, definitions, flags, questionnaire tables and case lists, and each chart's outputs.
    A prepared dashboard has it made before its request (tens of milliseconds at 100,000 cases)."""
    notes = "".join(dashboard_tables.message(n, "note") for n in data["notes"])
    out = {"header": (f'<h2 data-testid="dashboard-title" style="margin:4px 0">信访工作看板 · '
                      f'{html.escape(data["title"])}</h2>{notes}')}
    if view == "meeting":
        return out
    survey = data["survey"]
    if survey["error"]:
        survey_html = dashboard_tables.message(survey["error"], "survey-too-few")
    else:
        survey_html = (dashboard_tables.table(survey["index"], "survey-index", "满意度指数（0–100）")
                       + dashboard_tables.table(survey["crosstab"].display(), "survey-crosstab",
                                                "交叉分析：单位 × 最关心的事（人数及占本行比例）"))
    out.update(
        definitions=dashboard_tables.definitions(data["kpis"]),
        flags=dashboard_tables.flags(data["flags"]),
        survey=survey_html,
        lists=(dashboard_tables.case_table(data["overdue"], "overdue", "逾期未办结")
               + dashboard_tables.case_table(data["due_soon"], "due-soon", "7 日内到期")),
        charts={name: outputs(figures.get(name)) for name in dashboard.FIGURES})
    return out


class DashboardView(w.VBox):
    """``branch``: a 支部书记's own 党支部 — every figure is limited to it (xinfang.roles), whatever the
    filters ask; None shows the whole mine. ``script``: the page's characters (xinfang.script) for the
    figures; the rest of the page is converted by widgets.page_script."""

    def __init__(self, view: str = "office", today: dt.date | None = None, branch: str | None = None,
                 script: str = "zh-Hans", ready: Prepared | None = None, **kwargs):
        self.view = view
        self._ready = ready if ready is not None and (ready.view, ready.script) == (view, script) else None
        self.script = script
        self.today = today
        self.branch = branch
        self.sources = None
        self.data: dict | None = None
        self.figures: dict = {}
        self.header = w.HTML()
        self.error = w.HTML()
        super().__init__([self.header, self.error], **kwargs)
        self.add_class(chart_script.SCOPE)
        try:
            self.sources = self._ready.sources if self._ready else dashboard.load(today=today)
            self.options = dashboard.options(self.sources)
            options = roles.limit_options(self.options, branch)
        except XinfangError as exc:
            self.error.value = dashboard_tables.message(exc.zh, "error", error=True)
            return
        self.filters = DashboardFilters(options, on_change=self.show, compact=view == "meeting", branch=branch)
        self.cards = CountCards()
        self.flags = w.HTML()
        if view == "meeting":
            from widgets.dashboard_meeting import MeetingScreens

            self.body = MeetingScreens()
            self.add_class("xf-meeting")
            self.children = [chart_script.quiet_renderer(), self.header, self.filters, self.error, self.body]
        else:
            from widgets.dashboard_drill import DrillDown

            self.outputs = {name: w.Output() for name in dashboard.FIGURES}
            self.survey = w.HTML()
            self.lists = w.HTML()
            self.drill = DrillDown()
            charts = [w.VBox([self.outputs[n]]) for n in ("heat", "sentiment", "monthly", "kpi_trend")]
            survey = [self.survey] + [self.outputs[n] for n in ("survey_index", "survey_likert", "survey_concerns",
                                                                 "survey_crosstab")]
            self.definitions = w.HTML()
            self.children = [chart_script.quiet_renderer(), self.header, self.filters, self.error, self.cards,
                             self.definitions, self.flags, *charts, w.HTML("<h3>问卷调查</h3>"), *survey, self.lists,
                             self.drill]
        self.show(self.filters.value)

    def show(self, filters: dashboard.Filters) -> None:
        """Refresh everything for ``filters`` (the filters' callback)."""
        if self.today:
            filters = filters.with_(today=self.today)
        try:
            filters = roles.limit_filters(filters, self.branch, self.options)
            ready, self._ready = self._ready, None
            if ready is not None and ready.filters == filters.with_(today=filters.today or ready.filters.today):
                self.data, self.figures, markup = ready.data, ready.figures, ready.markup
            else:
                self.data, self.figures = _compute(filters, self.view, self.script, self.sources)
                markup = _markup(self.view, self.data, self.figures)
        except XinfangError as exc:
            self.error.value = dashboard_tables.message(exc.zh, "error", error=True)
            return
        self.error.value = ""
        self.header.value = markup["header"]
        if self.view == "meeting":
            self.body.show(self.data, self.figures)
            return
        self.cards.show_counts(self.data["cards"])
        self.definitions.value = markup["definitions"]
        self.flags.value = markup["flags"]
        for name, out in self.outputs.items():
            out.outputs = markup["charts"][name]
        self.survey.value = markup["survey"]
        self.lists.value = markup["lists"]
        self.drill.show(self.data["filters"], self.sources, self.data)
