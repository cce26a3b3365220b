"""MeetingScreens: the meeting view's body — one screen at a time, large type for a projector.

Screen 1 (概况) shows the KPI cards, how each rate shown is made (numerator ÷ denominator: a room
reading 化解率 127.5% is told why it can pass 100%) and the early-warning flags (numbers only for
groups of 5 or more); each further screen shows one chart. Only the current screen's chart is drawn.
"""

from __future__ import annotations

import ipywidgets as w

from widgets import dashboard_tables
from widgets.count_cards import CountCards

LARGE_CSS = ("<style>.xf-meeting .xf-card .xf-value{font-size:56px;line-height:1.2}"
             ".xf-meeting .xf-card .xf-label{font-size:24px;line-height:1.3}.xf-meeting .xf-card{flex:1 1 300px}"
             ".xf-meeting .widget-dropdown{height:40px}.xf-meeting .widget-dropdown select{font-size:18px;height:36px}"
             ".xf-meeting .widget-label{font-size:18px}"
             ".xf-meeting .xf-flags-title, .xf-meeting h3, .xf-meeting h4{font-size:28px}"
             ".xf-meeting h2{font-size:36px}.xf-meeting .widget-button{font-size:20px;height:44px}"
             ".xf-meeting .xf-note{font-size:22px}</style>")
TITLES = {"overview": "概况", "heat": "话题 × 单位", "sentiment": "各单位情绪", "monthly": "按月趋势",
          "kpi_trend": "指标走势", "survey_index": "满意度指数", "survey_likert": "满意程度",
          "survey_concerns": "最关心的事", "survey_crosstab": "交叉分析"}


class MeetingScreens(w.VBox):
    def __init__(self, **kwargs):
        self.screens: list[str] = ["overview"]
        self.figures: dict = {}
        self.data: dict | None = None
        self.index = 0
        self.prev = w.Button(description="◀ 上一屏")
        self.next = w.Button(description="下一屏 ▶")
        self.where = w.HTML()
        self.cards = CountCards()
        self.definitions = w.HTML()
        self.flags = w.HTML()
        self.message = w.HTML()
        self.chart = w.Output()
        self.prev.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        super().__init__([w.HTML(LARGE_CSS), w.HBox([self.prev, self.where, self.next]), self.cards, self.definitions,
                          self.flags, self.message, self.chart], **kwargs)

    def show(self, data: dict, figures: dict) -> None:
        self.data, self.figures = data, figures
        self.screens = ["overview", *figures]
        self.cards.show_counts(data["cards"])
        self.definitions.value = dashboard_tables.definitions(data["kpis"], large=True)
        self.flags.value = dashboard_tables.flags(data["flags"], large=True)
        self.go(min(self.index, len(self.screens) - 1))

    @property
    def current(self) -> str:
        return self.screens[self.index]

    def go(self, index: int) -> None:
        from widgets.dashboard import draw

        self.index = max(0, min(index, len(self.screens) - 1))
        name = self.current
        self.where.value = (f'<span data-testid="meeting-screen" style="font-size:22px;padding:0 16px">'
                            f'{self.index + 1} / {len(self.screens)} · {TITLES.get(name, name)}</span>')
        overview = name == "overview"
        for part in (self.cards, self.definitions, self.flags):
            part.layout.display = None if overview else "none"
        survey = (self.data or {}).get("survey") or {}
        self.message.value = (dashboard_tables.message(survey["error"], "survey-too-few")
                              if overview and survey.get("error") else "")
        draw(self.chart, None if overview else self.figures[name])
