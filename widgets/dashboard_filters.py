"""DashboardFilters: period, branch, unit, topic and channel selectors; ``value`` is a dashboard.Filters."""

from __future__ import annotations

import ipywidgets as w

from xinfang import dashboard

ALL = "全部"


def default(options: dict) -> dashboard.Filters:
    """What the selectors show before anyone changes them: the first period, everything else 全部."""
    return dashboard.Filters(dashboard.parse_period(_first_value(options["periods"])))


def _first_value(choices):
    first = choices[0]
    return first[1] if isinstance(first, tuple) else first


class DashboardFilters(w.HBox):
    """Calls ``on_change(filters)`` whenever a selector changes (the unit list follows the branch).
    ``branch`` fixes the 党支部 (a 支部书记's own): the selector offers only it and its units."""

    def __init__(self, options: dict, on_change=None, compact: bool = False, branch: str | None = None, **kwargs):
        self.options = options
        self.on_change = on_change
        # room for the longest name in the page's type (a branch's 7 characters, a topic's 9 and its code;
        # the projector's type is larger): a browser test selects each longest choice and measures it
        layout = w.Layout(width="260px" if compact else "230px")
        # a period's name (2026年第四季度) needs the room of the wide layout on the projector too
        self.period = w.Dropdown(options=options["periods"], description="期间", layout=w.Layout(width="250px"))
        self.branch = w.Dropdown(options=[branch] if branch else [ALL, *options["branches"]], description="党支部",
                                 layout=layout, disabled=bool(branch))
        units = options["units"][branch] if branch else options["all_units"]
        self.unit = w.Dropdown(options=[ALL, *units], description="单位", layout=layout)
        self.topic = w.Dropdown(options=[(ALL, ALL), *options["topics"]], description="话题",
                                layout=w.Layout(width="340px" if compact else "280px"))
        self.channel = w.Dropdown(options=[ALL, *options["channels"]], description="渠道", layout=layout)
        for name in ("period", "branch", "unit", "topic", "channel"):
            getattr(self, name).add_class(f"xf-filter-{name}")  # stable hooks for browser tests
        self._quiet = False
        self.branch.observe(self._branch_changed, names="value")
        for widget in (self.period, self.unit, self.topic, self.channel):
            widget.observe(self._changed, names="value")
        super().__init__([self.period, self.branch, self.unit, self.topic, self.channel],
                         layout=w.Layout(flex_flow="row wrap"), **kwargs)

    @property
    def value(self) -> dashboard.Filters:
        pick = lambda widget: None if widget.value == ALL else widget.value  # noqa: E731
        return dashboard.Filters(dashboard.parse_period(self.period.value), branch=pick(self.branch),
                                 unit=pick(self.unit), topic=pick(self.topic), channel=pick(self.channel))

    def _branch_changed(self, _=None) -> None:
        units = self.options["all_units"] if self.branch.value == ALL else self.options["units"][self.branch.value]
        self._quiet = True
        try:
            self.unit.options = [ALL, *units]
            self.unit.value = ALL
        finally:
            self._quiet = False
        self._changed()

    def _changed(self, _=None) -> None:
        if not self._quiet and self.on_change is not None:
            self.on_change(self.value)
