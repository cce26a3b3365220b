"""RiskLedger and PlanList: the office's risk ledger and 一人一策 plans as escaped tables."""

from __future__ import annotations

import html

import ipywidgets as w

from widgets.page_script import keep
from xinfang import ledgers, vocab
from xinfang.errors import XinfangError
from xinfang.script import verbatim

_TABLE_CSS = "<style>.xf-table td,.xf-table th{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}</style>"


def _table(headers: list[str], rows: list[list[str]], testid: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(f'<tr data-testid="{testid}">' + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'{_TABLE_CSS}<table class="xf-table" style="width:100%;border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class RiskLedger(w.VBox):
    def __init__(self, **kwargs):
        self.status = w.Dropdown(options=["全部", *vocab.terms("risk_statuses")], value="在控", description="状态")
        self.table = w.HTML()
        self.item = w.Dropdown(description="台账编号", options=[])
        keep(self.item, "_options_labels")  # each choice quotes the issue as it was written
        self.new_status = w.Dropdown(options=vocab.terms("risk_statuses"), description="改为")
        self.update = w.Button(description="更新状态", button_style="primary")
        self.update.add_class("xf-risk-update")
        self.message = w.HTML()
        self.status.observe(self.refresh, names="value")
        self.update.on_click(self._update)
        super().__init__([self.status, self.table, w.HBox([self.item, self.new_status, self.update]), self.message],
                         **kwargs)
        self.refresh()

    def _update(self, _=None) -> None:
        try:
            ledgers.set_risk_status(self.item.value, self.new_status.value)
        except XinfangError as exc:
            self.message.value = f'<div data-testid="error">{html.escape(exc.zh)}</div>'
            return
        self.message.value = f'<div data-testid="done">第 {self.item.value} 项已改为「{html.escape(self.new_status.value)}」。</div>'
        self.refresh()

    def refresh(self, _=None) -> None:
        e = html.escape
        try:
            items = ledgers.list_risks(status=None if self.status.value == "全部" else self.status.value)
        except XinfangError as exc:
            self.table.value = f'<div data-testid="error">{e(exc.zh)}</div>'
            return
        self.item.options = [(f"{r['id']}　{r['unit'] or ''}　{r['issue'][:16]}", r["id"]) for r in items]
        rows = [[str(r["id"]), e(str(r["found_on"])), e(r["unit"] or ""), verbatim(r["issue"]), str(r["people_count"]),
                 e(r["level"]), verbatim(r["measures"] or ""), verbatim(r["owner"] or ""),
                 e(str(r["deadline"] or "")) + (' <b style="color:#b42318">逾期</b>' if r["overdue"] else ""),
                 e(r["status"]), e(r["source"] or "")] for r in items]
        self.table.value = f"<div>共 {len(items)} 项</div>" + _table(
            ["编号", "发现日期", "单位", "不稳定因素", "涉及人数", "风险等级", "化解措施", "责任人", "化解期限", "状态", "来源"], rows, "risk-row")


class PlanList(w.VBox):
    """The plans; with ``visit_link`` (a link the plan's number completes) each open plan offers 记录回访,
    the visit form with the plan chosen."""

    def __init__(self, visit_link: str | None = None, **kwargs):
        self.visit_link = visit_link
        self.table = w.HTML()
        super().__init__([self.table], **kwargs)
        self.refresh()

    def refresh(self) -> None:
        e = html.escape
        plans = ledgers.list_plans()
        rows = [[str(p["id"]), e(p["unit"] or ""), verbatim(p["concern"]), verbatim(p["measures"] or ""),
                 verbatim(p["owner"] or ""),
                 e(str(p["started_on"])), str(p["visits"]), e(str(p["last_visit"] or "—"))
                 + (' <b style="color:#b42318">待回访</b>' if p["visit_due"] else ""), e(p["status"])]
                + ([f'<a href="{e(self.visit_link)}{p["id"]}" data-testid="plan-visit">记录回访</a>'
                    if p["status"] != "已结束" else ""] if self.visit_link else []) for p in plans]
        self.table.value = f"<div>共 {len(plans)} 人</div>" + _table(
            ["编号", "单位", "关注事项", "帮扶措施", "责任人", "开始日期", "回访次数", "最近回访", "状态"]
            + ([""] if self.visit_link else []), rows, "plan-row")
