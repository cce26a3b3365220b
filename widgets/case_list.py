"""CaseList: filters (status, unit, deadline, text) over the office's case list; rows link to the case page."""

from __future__ import annotations

import html

import ipywidgets as w

from xinfang import casework, vocab
from xinfang.script import verbatim

ALL = "全部"


def _left(days: int) -> str:
    return "今天到期" if days == 0 else f"剩 {days} 天"


def render(rows: list[dict], total: int, link: str) -> str:
    e = html.escape
    body = []
    for r in rows:
        left, notice = r["days_left"], r.get("notice_left")
        badges = [] if left is None else [
            f'<span style="color:#b42318" data-testid="overdue">逾期 {-left} 天</span>' if left < 0 else _left(left)]
        if notice is not None:  # the written 告知 is still to be given (条例第二十三条)
            title = e(f"告知期限 {r['notice_due']}")
            badges.append(f'<span style="color:#b42318" data-testid="notice-late" title="{title}">告知逾期 {-notice} 天</span>'
                          if notice < 0 else f'<span data-testid="notice-due" title="{title}">待告知，{_left(notice)}</span>')
        badge = "<br>".join(badges)
        body.append(
            f'<tr data-testid="case-row"><td><a href="{e(link)}&id={r["id"]}" data-testid="case-link">{e(r["case_no"])}</a></td>'
            f'<td>{e(str(r["received_on"]))}</td><td>{e(r["unit"] or "")}</td><td>{e(r["status"])}</td>'
            f'<td>{e(str(r["due_on"] or ""))}</td><td>{badge}</td><td>{verbatim(r["text"][:40])}</td></tr>')
    shown = f"共 {total} 件" + (f"，显示前 {len(rows)} 件" if total > len(rows) else "")
    return (f'<div data-testid="case-total">{shown}</div><table class="xf-table" style="width:100%;border-collapse:collapse">'
            "<thead><tr><th>编号</th><th>登记日期</th><th>单位</th><th>状态</th><th>办理期限</th><th>期限</th><th>内容摘要</th>"
            f'</tr></thead><tbody>{"".join(body)}</tbody></table>'
            "<style>.xf-table td,.xf-table th{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}</style>")


class CaseList(w.VBox):
    def __init__(self, link: str = "?page=case", **kwargs):
        self.link = link
        self.status = w.Dropdown(options=[ALL, *vocab.terms("case_statuses")], description="状态")
        self.unit = w.Dropdown(options=[ALL, *casework.units()], description="单位")
        self.due = w.ToggleButtons(options=[("全部", ""), ("已逾期", "overdue"), ("7 日内到期", "soon"),
                                            ("待告知", "notice")], value="")
        self.search = w.Text(placeholder="按内容或编号搜索", continuous_update=False)
        self.table = w.HTML()
        for widget in (self.status, self.unit, self.due, self.search):
            widget.observe(self.refresh, names="value")
        super().__init__([w.HBox([self.status, self.unit]), w.HBox([self.due, self.search]), self.table], **kwargs)
        self.refresh()

    def refresh(self, _=None) -> None:
        rows, total = casework.list_cases(status=None if self.status.value == ALL else self.status.value,
                                          unit=None if self.unit.value == ALL else self.unit.value,
                                          due=self.due.value or None, search=self.search.value.strip() or None)
        self.table.value = render(rows, total, self.link)
