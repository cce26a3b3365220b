"""ProgressLookup: a petitioner types the 查询码 and sees the progress of their case (escaped HTML)."""

from __future__ import annotations

import html

import ipywidgets as w

from widgets.form_fields import full_width
from xinfang import lookup
from xinfang.errors import XinfangError
from xinfang.script import verbatim


def render(progress: lookup.Progress) -> str:
    e = html.escape
    steps = "".join(
        f'<li data-testid="progress-step">{e(s.day.isoformat())}　{e(s.label)}'
        f'{"：" + verbatim(s.detail) if s.detail else ""}</li>' for s in progress.steps)
    reply = (f'<div data-testid="progress-reply"><b>处理意见：</b>{verbatim(progress.reply)}</div>'
             if progress.reply else "")
    due = f"，办理期限至 {e(progress.due_on.isoformat())}" if progress.due_on and progress.status != "办结" else ""
    return (f'<div data-testid="progress"><div><b>事项编号：</b>{e(progress.case_no)}</div>'
            f'<div><b>登记日期：</b>{e(progress.received_on.isoformat())}</div>'
            f'<div><b>当前状态：</b><span data-testid="progress-status">{e(progress.status)}</span>{due}</div>'
            f'{reply}<ol>{steps}</ol></div>')


class ProgressLookup(w.VBox):
    def __init__(self, **kwargs):
        self.code = w.Text(placeholder="例如 ABCD-EFGH-JKMN", description="", layout=full_width())
        self.code.add_class("xf-lookup-code")
        self.button = w.Button(description="查询", button_style="primary")
        self.button.add_class("xf-lookup-button")
        self.result = w.HTML()
        self.button.on_click(self._on_lookup)
        super().__init__([w.HTML("<b>查询码</b>（登记时给您的 12 位码，不区分大小写）"), self.code, self.button, self.result],
                         **kwargs)

    def _on_lookup(self, _=None) -> None:
        try:
            self.result.value = render(lookup.check_progress(self.code.value))
        except XinfangError as exc:
            self.result.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
