"""WarningList: the early-warning flags of the office view, with a button that enters them in the
risk ledger. (Meeting views use Flag.meeting_text, which hides the numbers of small groups.)"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from xinfang import early_warning
from xinfang.errors import XinfangError


def render(flags: list[early_warning.Flag]) -> str:
    e = html.escape
    if not flags:
        return '<div data-testid="no-flags">目前没有预警。</div>'
    rows = "".join(
        f'<tr data-testid="flag-row"><td>{e(f.level)}</td><td>{e(f.unit)}</td><td>{e(f.title)}</td>'
        f"<td>{e(f.reason)}</td></tr>" for f in flags)
    return ('<table class="xf-table" style="width:100%;border-collapse:collapse"><thead><tr><th>等级</th><th>单位</th>'
            f"<th>预警</th><th>依据</th></tr></thead><tbody>{rows}</tbody></table>"
            "<style>.xf-table td,.xf-table th{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}</style>")


class WarningList(w.VBox):
    def __init__(self, today: dt.date | None = None, **kwargs):
        self.today = today or dt.date.today()
        self.table = w.HTML()
        self.button = w.Button(description="登记到不稳定因素台账", button_style="warning", layout=w.Layout(width="auto"))
        self.button.add_class("xf-flags-to-ledger")
        self.message = w.HTML()
        self.button.on_click(self._to_ledger)
        super().__init__([self.table, self.button, self.message], **kwargs)
        self.flags: list[early_warning.Flag] = []
        self.refresh()

    def refresh(self) -> None:
        try:
            self.flags = early_warning.current_flags(self.today)
        except XinfangError as exc:
            self.table.value = f'<div data-testid="error">{html.escape(exc.zh)}</div>'
            return
        self.table.value = render(self.flags)
        self.button.disabled = not self.flags

    def _to_ledger(self, _=None) -> None:
        try:
            added = early_warning.record_flags(self.flags, self.today)
        except XinfangError as exc:
            self.message.value = f'<div data-testid="error">{html.escape(exc.zh)}</div>'
            return
        self.message.value = f'<div data-testid="done">已登记 {added} 条（已在台账中且在控的不重复登记）。</div>'
