"""ReportEditor: a branch drafts, edits and submits its quarterly 研判分析报告; downloads HTML / DOCX.

Every button reads the widgets and calls one ``xinfang.report`` function in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import html

import ipywidgets as w

from widgets.form_fields import full_width
from xinfang import dashboard, report
from xinfang.errors import XinfangError
from xinfang.script import SIMPLIFIED, to_script
from xinfang.storage import db


def _download(data: bytes, name: str, mime: str, label: str, testid: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<a data-testid="{testid}" download="{html.escape(name)}" href="data:{mime};base64,{b64}" '
            f'style="margin-right:16px">{html.escape(label)}</a>')


class ReportEditor(w.VBox):
    """``branch``: fixed for a 支部书记 (their own branch); None lets office staff pick one. ``script``:
    the page's characters, in which a draft is written (xinfang.script)."""

    def __init__(self, branch: str | None = None, today: dt.date | None = None, script: str = SIMPLIFIED,
                 **kwargs):
        self.today = today or dt.date.today()
        self.script = script
        self.report: dict | None = None
        with db.session() as s:
            branches = report.branches(s)
        quarters = [(label, key) for label, key in dashboard.period_choices(self.today) if "Q" in key]
        self.branch = w.Dropdown(options=[branch] if branch else branches, description="党支部",
                                 disabled=bool(branch))
        self.period = w.Dropdown(options=quarters, description="季度")
        self.draft_button = w.Button(description="起草 / 更新草稿", button_style="info")
        self.save_button = w.Button(description="保存")
        self.submit_button = w.Button(description="提交", button_style="primary")
        self.status = w.HTML()
        self.message = w.HTML()
        # as wide as its text (a button is 148 px: this one was cut to 「生成下载文件（HT…」)
        self.files_button = w.Button(description="生成下载文件（HTML / Word）", layout=w.Layout(width="auto"))
        self.downloads = w.HTML()
        self.texts = {key: w.Textarea(description="", layout=full_width(height="140px"),
                                      continuous_update=False) for key, _, _ in report.SECTIONS}
        self.sections = w.VBox()
        self.draft_button.on_click(self.draft)
        self.save_button.on_click(self.save)
        self.submit_button.on_click(self.submit)
        self.files_button.on_click(self.files)
        for widget in (self.branch, self.period):
            widget.observe(self.load, names="value")
        super().__init__([w.HBox([self.branch, self.period, self.draft_button]), self.status, self.message,
                          self.sections, w.HBox([self.save_button, self.submit_button, self.files_button]),
                          self.downloads], **kwargs)
        self.load()

    def _period(self) -> tuple[int, int]:
        year, quarter = self.period.value.split("Q")
        return int(year), int(quarter)

    def _run(self, action, done: str = "") -> None:
        try:
            with db.session() as s:
                self.report = action(s)
        except XinfangError as exc:
            self.message.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            return
        self.message.value = f'<div data-testid="message" style="color:#1a7f37">{html.escape(done)}</div>' if done else ""
        self._show()

    def load(self, _=None) -> None:
        self._run(lambda s: report.find(s, self.branch.value, *self._period()))

    def draft(self, _=None) -> None:
        self._run(lambda s: report.draft(s, self.branch.value, *self._period(), today=self.today, script=self.script),
                  "草稿已生成。")

    def _edits(self) -> dict[str, str]:
        return {i["key"]: self.texts[i["key"]].value for i in self.report["items"]
                if self.texts[i["key"]].value != i["text"]}

    def save(self, _=None) -> None:
        if self.report:
            self._run(lambda s: report.edit(s, self.report["id"], self._edits()), "已保存。")

    def submit(self, _=None) -> None:
        if self.report:
            self._run(lambda s: report.submit(s, self.report["id"], self._edits()), "报告已提交。")

    def _show(self) -> None:
        r = self.report
        if r is None:
            self.status.value = '<div data-testid="report-status">本季度还没有报告，请点击「起草 / 更新草稿」。</div>'
            self.sections.children, self.downloads.value = [], ""
            self.save_button.disabled = self.submit_button.disabled = self.files_button.disabled = True
            self.draft_button.disabled = False
            return
        editable = r["status"] == report.DRAFT
        self.status.value = (f'<div>{html.escape(report.title_of(r))} · 状态：'
                             f'<b data-testid="report-status">{html.escape(r["status"])}</b></div>')
        children = []
        for item in r["items"]:
            area = self.texts[item["key"]]
            area.value, area.disabled = item["text"], not editable
            area.placeholder = item.get("hint", "")
            children += [w.HTML(f'<h4 style="margin:10px 0 2px">{html.escape(item["title"])}</h4>'), area]
        self.sections.children = children
        self.save_button.disabled = self.submit_button.disabled = not editable
        self.draft_button.disabled = not editable
        self.files_button.disabled = False
        self.downloads.value = ""

    def files(self, _=None) -> None:
        """Render the report as HTML and DOCX (charts as images when kaleido is installed) for download."""
        r = self.report
        if r is None:
            return
        stem = to_script(f"{r['year']}Q{r['quarter']}_{r['branch']}_研判分析报告", r.get("script", SIMPLIFIED))
        try:
            images = report.chart_images(r)
        except XinfangError as exc:
            self.message.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            images = {}
        self.downloads.value = (_download(report.to_html(r, images).encode("utf-8"), f"{stem}.html", "text/html",
                                          "下载 HTML", "download-html")
                                + _download(report.to_docx(r, images), f"{stem}.docx",
                                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                            "下载 Word", "download-docx"))
