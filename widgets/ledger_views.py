"""RiskLedger and PlanList: the office's risk ledger and 一人一策 plans as escaped tables."""

from __future__ import annotations

import html

import ipywidgets as w

from widgets.form_fields import full_width
from widgets.page_script import keep
from xinfang import casework, ledgers, vocab
from xinfang.errors import XinfangError
from xinfang.script import verbatim

_TABLE_CSS = "<style>.xf-table td,.xf-table th{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left}</style>"


def _table(headers: list[str], rows: list[list[str]], testid: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(f'<tr data-testid="{testid}">' + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'{_TABLE_CSS}<table class="xf-table" style="width:100%;border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class RiskLedger(w.VBox):
    """The ledger, and under it 记录进展 for one item: what was done (required), and a new status,
    化解期限 or 化解措施 where they change; the item's earlier entries are shown with it. ``actor`` as for
    CasePage: the signed-in user on the office server, else chosen from the office staff."""

    def __init__(self, actor=None, **kwargs):
        self.signed_in = actor
        self.status = w.Dropdown(options=["全部", *vocab.terms("risk_statuses")], value="在控", description="状态")
        self.table = w.HTML()
        self.item = w.Dropdown(description="台账编号", options=[], layout=full_width())
        keep(self.item, "_options_labels")  # each choice quotes the issue as it was written
        self.history = w.HTML()
        self.note = w.Textarea(description="进展情况", placeholder="做了什么、结果如何（必填）", layout=full_width())
        self.new_status = w.Dropdown(options=vocab.terms("risk_statuses"), description="状态改为")
        self.deadline = w.DatePicker(description="化解期限")
        self.measures = w.Textarea(description="化解措施", layout=full_width())
        self.staff = None if actor is not None else w.Dropdown(options=casework.staff_names() or ["信访干部"],
                                                               description="经办人")
        self.update = w.Button(description="保存进展", button_style="primary")
        self.update.add_class("xf-risk-update")
        self.message = w.HTML()
        self.status.observe(self.refresh, names="value")
        self.item.observe(self._chosen, names="value")
        self.update.on_click(self._update)
        panel = [w.HTML("<b>记录进展</b>"), self.item, self.history, self.note,
                 w.HBox([self.new_status, self.deadline]), self.measures]
        super().__init__([self.status, self.table, *panel, *([self.staff] if self.staff else []), self.update,
                          self.message], **kwargs)
        self.refresh()

    def _chosen(self, _=None) -> None:
        """Show the chosen item's history and put its current values in the fields."""
        e = html.escape
        item = next((r for r in self._items if r["id"] == self.item.value), None)
        if item is None:
            self.history.value = ""
            return
        self.new_status.value = item["status"]
        self.deadline.value = item["deadline"]
        self.measures.value = item["measures"] or ""
        lines = []
        for u in ledgers.risk_history(item["id"]):
            changes = [f"状态改为「{e(u['status'])}」" if u["status"] else "",
                       f"化解期限改为 {u['deadline']}" if u["deadline"] else "",
                       f"化解措施改为「{verbatim(u['measures'])}」" if u["measures"] else ""]
            lines.append(f'<li data-testid="risk-update">{u["at"]:%Y-%m-%d}　{verbatim(u["actor"])}：'
                         f'{verbatim(u["note"])}{"（" + "；".join(c for c in changes if c) + "）" if any(changes) else ""}</li>')
        self.history.value = (f"<div>以往进展：</div><ul>{''.join(lines)}</ul>" if lines
                              else "<div>这一项还没有记录过进展。</div>")

    def _actor(self) -> str:
        return self.signed_in() if self.signed_in is not None else self.staff.value

    def _update(self, _=None) -> None:
        chosen = self.item.value
        try:
            changed = ledgers.update_risk(chosen, actor=self._actor(), note=self.note.value,
                                          status=self.new_status.value, deadline=self.deadline.value,
                                          measures=self.measures.value)
        except XinfangError as exc:
            self.message.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            return
        said = {"status": "状态改为「{}」", "deadline": "化解期限改为 {}", "measures": "化解措施已更新"}
        what = "；".join(said[k].format(html.escape(str(v))) for k, v in changed.items())
        self.message.value = f'<div data-testid="done">第 {chosen} 项已记录进展{"：" + what if what else ""}。</div>'
        self.note.value = ""
        self.refresh()
        if chosen in [v for _, v in self.item.options]:
            self.item.value = chosen
        self._chosen()

    def refresh(self, _=None) -> None:
        e = html.escape
        try:
            self._items = ledgers.list_risks(status=None if self.status.value == "全部" else self.status.value)
        except XinfangError as exc:
            self._items = []
            self.table.value = f'<div data-testid="error">{e(exc.zh)}</div>'
            return
        items = self._items
        self.item.options = [(f"{r['id']}　{r['unit'] or ''}　{r['issue'][:16]}", r["id"]) for r in items]
        rows = [[str(r["id"]), e(str(r["found_on"])), e(r["unit"] or ""), verbatim(r["issue"]), str(r["people_count"]),
                 e(r["level"]), verbatim(r["measures"] or ""), verbatim(r["owner"] or ""),
                 e(str(r["deadline"] or "")) + (' <b style="color:#b42318">逾期</b>' if r["overdue"] else ""),
                 e(r["status"]), e(f"{r['last_update']}（{r['updates']} 次）" if r["updates"] else "—"),
                 e(r["source"] or "")] for r in items]
        self.table.value = f"<div>共 {len(items)} 项</div>" + _table(
            ["编号", "发现日期", "单位", "不稳定因素", "涉及人数", "风险等级", "化解措施", "责任人", "化解期限", "状态",
             "最近进展", "来源"], rows, "risk-row")
        self._chosen()


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
