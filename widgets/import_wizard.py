"""ImportWizard: pick a file, map its columns (one dropdown each), dry-run or import with a progress bar.

Thin over xinfang.imports: ``preview`` gives the columns and suggestions, ``run_import`` does the work;
the report lines are shown escaped. The chosen mapping can be copied as a mapping file for the
command line (``xinfang import … --mapping``).
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import ipywidgets as w

from widgets.form_fields import full_width
from xinfang import forms
from xinfang.errors import XinfangError
from xinfang.imports import preview as pv
from xinfang.imports import run_import

KINDS = [("问卷星下载的答卷", "wjx"), ("Kobo / ODK 导出的答卷", "kobo"), ("信访台账（Excel / CSV）", "ledger")]
SKIP = ("（不导入）", "")


def render_report(lines: list[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[1:])
    return f'<div data-testid="import-report"><b>{html.escape(lines[0])}</b><ul>{items}</ul></div>'


def render_error(exc: XinfangError) -> str:
    return f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>'


class ImportWizard(w.VBox):
    def __init__(self, **kwargs):
        self.kind = w.Dropdown(options=KINDS, value="ledger", description="导入")
        self.form = w.Dropdown(options=[("（台账不需要）", "")] + [(k, k) for k in forms.available()], description="表单")
        self.path = w.Text(placeholder="文件路径，如 /home/xfb/台账2023.xlsx", description="文件")
        self.upload = w.FileUpload(accept=".xlsx,.csv,.txt", multiple=False, description="或上传")
        self.read = w.Button(description="读取列", button_style="info")
        self.columns = w.VBox()
        self.dry_run = w.Checkbox(value=True, description="试运行（只检查，不写入）")
        self.go = w.Button(description="开始", button_style="primary", disabled=True)
        self.progress = w.FloatProgress(value=0, min=0, max=1, description="进度")
        self.result = w.HTML()
        self.mapping_text = w.Textarea(layout=full_width(height="8em"), disabled=True)
        self.read.on_click(self._on_read)
        self.go.on_click(self._on_go)
        self._preview: pv.Preview | None = None
        super().__init__([w.HBox([self.kind, self.form]), w.HBox([self.path, self.upload]), self.read, self.columns,
                          w.HBox([self.dry_run, self.go]), self.progress, self.result,
                          w.HTML("<b>映射文件</b>（命令行 --mapping 用）"), self.mapping_text], **kwargs)

    def file(self) -> Path:
        if self.upload.value:
            item = self.upload.value[0]
            target = Path(tempfile.mkdtemp(prefix="xf-import-")) / Path(item["name"]).name
            target.write_bytes(bytes(item["content"]))
            self.path.value = str(target)
            self.upload.value = ()
        return Path(self.path.value.strip())

    def _on_read(self, _=None) -> None:
        try:
            self._preview = pv.preview(self.kind.value, self.file(), form=self.form.value or None)
        except XinfangError as exc:
            self.result.value, self.go.disabled = render_error(exc), True
            return
        p = self._preview
        options = [SKIP, *p.targets]
        self.columns.children = [
            w.HTML(f"{html.escape(c)}：{html.escape(p.fixed[c])}") if c in p.fixed else
            w.Dropdown(options=options, value=p.suggested.get(c) or "", description=c,
                       style={"description_width": "12em"}) for c in p.columns]
        self.result.value, self.go.disabled = "", False

    def chosen(self) -> dict[str, str | None]:
        return {d.description: d.value or None for d in self.columns.children if isinstance(d, w.Dropdown)}

    def _on_go(self, _=None) -> None:
        mapping = pv.mapping_for(self.chosen(), form=self.form.value or None)
        self.mapping_text.value = mapping.to_yaml()
        self.progress.value = 0
        try:
            report = run_import(self.kind.value, self.file(), form=self.form.value or None, mapping=mapping,
                                dry_run=self.dry_run.value, progress=self._on_progress)
        except XinfangError as exc:
            self.result.value = render_error(exc)
            return
        self.result.value = render_report(report.lines())

    def _on_progress(self, rows: int, fraction: float | None) -> None:
        self.progress.value = fraction if fraction is not None else self.progress.value
        self.progress.description = f"{rows} 行"
