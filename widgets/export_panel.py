"""ExportPanel: submissions (a sheet per form) or cases to Excel / CSV, with a progress bar.

Thin over xinfang.export: ``export_submissions`` and ``export_cases`` do the work; identity fields
are offered only with the exporting user's name and a reason (checked and audit-logged by the
library). Results are shown escaped.
"""

from __future__ import annotations

import html

import ipywidgets as w

from xinfang import export, forms
from xinfang.errors import XinfangError

WHAT = [("答卷（每张表单一个工作表）", "submissions"), ("信访事项（台账格式，可再导入）", "cases")]


class ExportPanel(w.VBox):
    def __init__(self, *, user: str | None = None, role: str | None = None, **kwargs):
        self.user, self.role = user, role
        self.what = w.Dropdown(options=WHAT, value="submissions", description="导出")
        self.forms = w.SelectMultiple(options=[(spec, key) for key, spec in _titles().items()],
                                      description="表单", rows=4)
        self.period = w.Text(placeholder="如 2026Q3、2026-10、2026；空着为全部", description="期间")
        self.fmt = w.ToggleButtons(options=[("Excel", "xlsx"), ("CSV", "csv")], value="xlsx", description="格式")
        self.identity = w.Checkbox(value=False, description="包含姓名、工号、电话（记入审计日志）")
        self.reason = w.Text(placeholder="导出身份信息的理由", description="理由")
        self.go = w.Button(description="导出", button_style="primary")
        self.progress = w.FloatProgress(value=0, min=0, max=1, description="进度")
        self.result = w.HTML()
        self.go.on_click(self._on_go)
        self.what.observe(self._on_what, "value")
        self._on_what()
        super().__init__([self.what, self.forms, self.period, self.fmt, self.identity, self.reason, self.go,
                          self.progress, self.result], **kwargs)

    def _on_what(self, _=None) -> None:
        cases = self.what.value == "cases"
        self.forms.layout.display = "none" if cases else ""
        self.identity.layout.display = self.reason.layout.display = "" if cases and self.user else "none"

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.value = done / total if total else 1.0
        self.progress.description = f"{done} 行"

    def _on_go(self, _=None) -> None:
        from xinfang.cli import parse_period

        self.progress.value = 0
        try:
            period = parse_period(self.period.value) if self.period.value.strip() else None
            stem = "答卷" if self.what.value == "submissions" else "信访事项"
            path = export.default_dir() / f"{stem}.{self.fmt.value}"
            if self.what.value == "submissions":
                result = export.export_submissions(path, forms=list(self.forms.value) or None, period=period,
                                                   progress=self._on_progress)
            else:
                result = export.export_cases(path, period=period, with_identity=self.identity.value,
                                             actor=self.user, role=self.role, reason=self.reason.value,
                                             progress=self._on_progress)
        except XinfangError as exc:
            self.result.value = f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'
            return
        lines = result.lines()
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[1:])
        self.result.value = f'<div data-testid="export-result"><b>{html.escape(lines[0])}</b><ul>{items}</ul></div>'


def _titles() -> dict[str, str]:
    return {key: forms.by_key(key).title for key in forms.available()}
