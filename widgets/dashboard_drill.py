"""DrillDown (office view): a linked selector — unit, topic, sentiment, month — and the cases behind it."""

from __future__ import annotations

import ipywidgets as w

from widgets import dashboard_tables
from xinfang import dashboard
from xinfang.errors import XinfangError

ALL = "全部"


class DrillDown(w.VBox):
    """``show(filters, sources, data)`` refreshes the choices from the figures; 查看 lists the cases."""

    def __init__(self, **kwargs):
        self.filters = None
        self.sources = None
        self.unit = w.Dropdown(options=[ALL], description="单位")
        self.topic = w.Dropdown(options=[(ALL, ALL)], description="话题")
        self.label = w.Dropdown(options=[ALL], description="情绪")
        self.month = w.Dropdown(options=[ALL], description="月份")
        self.button = w.Button(description="查看事项", button_style="primary")
        self.result = w.HTML()
        self.button.on_click(self.refresh)
        super().__init__([w.HTML("<h4>图表背后的事项</h4><div class='xf-note'>选择图表中的单位、话题、情绪或月份，"
                                 "列出对应的信访事项和原文。</div>"),
                          w.HBox([self.unit, self.topic], layout=w.Layout(flex_flow="row wrap")),
                          w.HBox([self.label, self.month, self.button], layout=w.Layout(flex_flow="row wrap")),
                          self.result], **kwargs)

    def show(self, filters, sources, data) -> None:
        self.filters, self.sources = filters, sources
        choices = dashboard.drill_choices(data)
        self.unit.options = [ALL, *choices["units"]]
        self.topic.options = [(ALL, ALL), *choices["topics"]]
        self.label.options = [ALL, *choices["labels"]]
        self.month.options = [ALL, *choices["months"]]
        self.result.value = ""

    def refresh(self, _=None) -> None:
        pick = lambda widget: None if widget.value == ALL else widget.value  # noqa: E731
        try:
            rows, total = dashboard.cases_behind(self.filters, self.sources, view="office", unit=pick(self.unit),
                                                 topic=pick(self.topic), label=pick(self.label), month=pick(self.month))
        except XinfangError as exc:
            self.result.value = dashboard_tables.message(exc.zh, "drill-error", error=True)
            return
        shown = f"共 {total} 件" + (f"，显示前 {len(rows)} 件" if total > len(rows) else "")
        self.result.value = (dashboard_tables.message(shown, "drill-total")
                             + dashboard_tables.table(rows, "drill-cases", keep=("内容",)))
