"""CasePage: one case with its timeline, the actions allowed next, and its drafted letters."""

from __future__ import annotations

import base64
import datetime as dt
import html

import ipywidgets as w

from widgets.form_fields import full_width
from xinfang import casework, lifecycle
from xinfang.errors import XinfangError
from xinfang.script import KEEP, verbatim

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTRA_FIELDS = {"答复": [("facts", "查明事实"), ("basis", "处理依据")]}
# Details picked from the office's lists (shown in the page's characters); the others were typed by
# someone and, like the case text, notes and names, are shown as written (xinfang.script.verbatim).
CHOSEN_DETAILS = ("outcome", "satisfaction", "stage", "channel")


def _detail(key: str, value) -> str:
    shown = html.escape(str(value)) if key in CHOSEN_DETAILS else verbatim(value)
    return f"{html.escape(lifecycle.DETAIL_LABELS.get(key, key))}：{shown}"


def render_case(c: dict) -> str:
    e = html.escape
    flags = []
    if c["overdue"]:
        flags.append('<span style="color:#b42318" data-testid="flag-overdue">已逾期</span>')
    if c["notice_due"]:
        flags.append(f"告知期限：{e(str(c['notice_due']))}")
    if c.get("group_visit"):
        rule = c["group_visit"]
        flags.append(f'<span data-testid="flag-group-visit">{e(str(c["people_count"]))} 人共同来访：应推选代表，'
                     f'不超过 {rule["value"]} 人（信访工作条例{e(rule["article"])}）</span>')
    events = "".join(
        f'<li data-testid="event">{e(str(ev["happened_on"]))}　<b>{e(ev["kind"])}</b>'
        f'{"　" + verbatim(ev["actor"]) if ev["actor"] else ""}{"：" + verbatim(ev["note"]) if ev["note"] else ""}'
        f'{"（" + "，".join(_detail(k, v) for k, v in ev["details"].items()) + "）" if ev["details"] else ""}</li>'
        for ev in c["events"])
    return (f'<h3 data-testid="case-no">{e(c["case_no"])}　<span data-testid="case-status">{e(c["status"])}</span></h3>'
            f'<div>单位：{e(c["unit"] or "未指定")}　渠道：{e(c["channel"])}　方式：{e(c["intake_mode"])}　'
            f'性质：{e(c["nature"])}　办理期限：{e(str(c["due_on"] or "—"))}　{"　".join(flags)}</div>'
            f'<blockquote data-testid="case-text" {KEEP} style="border-left:3px solid #d0d7de;margin:8px 0;padding:4px 10px">'
            f'{e(c["text"])}</blockquote><b>办理过程</b><ol>{events}</ol>')


def download_link(filename: str, data: bytes) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<a data-testid="download" download="{html.escape(filename)}" href="data:{DOCX_MIME};base64,{b64}">'
            f"下载 {html.escape(filename)}</a>")


class CasePage(w.VBox):
    """``actor``: on the office server, a callable giving the signed-in user's name (it checks the
    sign-in is still live and raises otherwise); every action and identity look is recorded under it.
    Without it (the director's JupyterLab) the 经办人 is chosen from the office staff."""

    def __init__(self, case_id: int, actor=None, **kwargs):
        self.case_id = case_id
        self.signed_in = actor
        if actor is None:
            self.actor = w.Dropdown(options=casework.staff_names() or ["信访干部"], description="经办人")
        else:
            self.actor = w.HTML()
            try:
                self.actor.value = f'<div data-testid="actor">经办人：{verbatim(actor())}</div>'
            except XinfangError as exc:
                self.actor.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
        self.info = w.HTML()
        self.actions = w.HBox()
        self.form = w.VBox()
        self.message = w.HTML()
        self.docs = w.HBox([self._doc_button("生成告知书", "notice"), self._doc_button("生成处理意见书", "decision")])
        self.letter = w.HTML()
        super().__init__([self.actor, self.info, w.HTML("<b>下一步办理</b>"), self.actions, self.form, self.message,
                          w.HTML("<b>文书</b>"), self.docs, self.letter], **kwargs)
        self.refresh()

    def _actor(self) -> str:
        return self.signed_in() if self.signed_in is not None else self.actor.value

    def _doc_button(self, label: str, kind: str) -> w.Button:
        b = w.Button(description=label)
        b.add_class(f"xf-doc-{kind}")
        b.on_click(lambda _: self._draft(kind))
        return b

    def refresh(self) -> None:
        try:
            c = casework.case_detail(self.case_id)
        except XinfangError as exc:
            self.info.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            self.children = [self.actor, self.info]  # no case: nothing to act on, no letter to draft
            return
        self.info.value = render_case(c)
        buttons = []
        for action in c["allowed"]:
            b = w.Button(description=action, button_style="info")
            b.add_class("xf-action")
            b.on_click(lambda _, a=action: self._open_form(a))
            buttons.append(b)
        self.actions.children = buttons

    def _open_form(self, action: str) -> None:
        self.message.value = ""
        on = w.DatePicker(description="日期", value=dt.date.today())
        fields: dict[str, w.Widget] = {}
        for need in casework.action_needs(action):
            label = lifecycle.DETAIL_LABELS.get(need, need)
            choices = casework.action_choices(action, need)
            if choices:
                fields[need] = w.Dropdown(options=choices, description=label)
            elif need == "days":
                fields[need] = w.BoundedIntText(value=30, min=1, max=365, description=label)
            else:
                fields[need] = w.Text(description=label)
        for key, label in EXTRA_FIELDS.get(action, []):
            fields[key] = w.Textarea(description=label, layout=full_width())
        note = w.Textarea(description="说明" if action != "答复" else "处理意见", layout=full_width())
        ok = w.Button(description=f"确定{action}", button_style="primary")
        ok.add_class("xf-confirm")
        cancel = w.Button(description="取消")
        for name, widget in fields.items():
            widget.add_class(f"xf-detail-{name}")
        note.add_class("xf-note")

        def submit(_):
            details = {k: v.value for k, v in fields.items()}
            try:
                casework.act(self.case_id, action, on=on.value, actor=self._actor(), note=note.value or None,
                             **details)
            except XinfangError as exc:
                self.message.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
                return
            self.form.children = []
            self.message.value = f'<div data-testid="done" style="color:#1a7f37">已办理：{html.escape(action)}</div>'
            self.refresh()

        ok.on_click(submit)
        cancel.on_click(lambda _: setattr(self.form, "children", []))
        self.form.children = [w.HTML(f"<b>{html.escape(action)}</b>"), on, *fields.values(), note, w.HBox([ok, cancel])]

    def _draft(self, kind: str) -> None:
        try:
            letter = casework.letter(self.case_id, kind, actor=self._actor())
        except XinfangError as exc:
            self.letter.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            return
        name = f"{letter.number.removeprefix('编号：')}.docx"
        self.letter.value = download_link(name, letter.to_docx()) + letter.to_html()
