"""What an import did: rows read, imported, already there, refused (each with its reason)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from xinfang.errors import message

MAX_LISTED = 10_000  # refusals kept in memory; all of them go to ``refusals_path`` when given

KIND_LABELS = {"wjx": "问卷星答卷", "kobo": "Kobo/ODK 答卷", "ledger": "信访台账"}


@dataclass(frozen=True)
class Refusal:
    row: int
    column: str | None
    message: str  # the full catalogue message (file, sheet, row, column, problem, fix)


@dataclass
class ImportReport:
    kind: str
    file: str
    sheet: str = ""
    form: str | None = None
    dry_run: bool = False
    read: int = 0
    imported: int = 0
    already: int = 0  # stored by an earlier run (same instanceID or row key): skipped
    cases: int = 0
    refused_count: int = 0
    refused: list[Refusal] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)  # not imported, for anonymity
    unmapped_columns: list[str] = field(default_factory=list)  # matched no question / field
    mapping: dict[str, str] = field(default_factory=dict)  # column → question or field
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _sink: object = field(default=None, repr=False)
    _last_refused: int = field(default=-1, repr=False)

    def refuse(self, row: int, column: str | None, problem: str, fix: str) -> None:
        if column:
            text = message("import.cell", file=self.file, sheet=self.sheet, row=row, column=column,
                           problem=problem, fix=fix)
        else:
            text = message("import.row", file=self.file, sheet=self.sheet, row=row, problem=problem, fix=fix)
        self.refuse_text(row, column, text)

    def refuse_text(self, row: int, column: str | None, text: str) -> None:
        if row != self._last_refused:  # a row with several problems counts once
            self.refused_count += 1
            self._last_refused = row
        if len(self.refused) < MAX_LISTED:
            self.refused.append(Refusal(row, column, text))
        if self._sink is not None:
            self._sink.writerow([row, column or "", text])

    def open_sink(self, path: Path) -> None:
        """Write every refusal (not only the first MAX_LISTED) to a CSV file as they happen."""
        fh = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by close_sink
        writer = csv.writer(fh)
        writer.writerow(["行", "列", "原因"])
        self._sink = writer
        self._sink_file = fh

    def close_sink(self) -> None:
        if self._sink is not None:
            self._sink_file.close()
            self._sink = None

    @property
    def ok(self) -> bool:
        return self.refused_count == 0

    def lines(self) -> list[str]:
        """The report in Chinese, one line each, for the command line and the workbook."""
        what = KIND_LABELS.get(self.kind, self.kind)
        head = f"「{self.file}」导入{what}"
        if self.sheet and self.sheet != "CSV":
            head += f"（工作表「{self.sheet}」）"
        if self.form:
            head += f"，表单「{self.form}」"
        out = [head + ("。试运行：只检查，没有写入数据库。" if self.dry_run else "。")]
        verb = "可以导入" if self.dry_run else "导入"
        summary = f"共读取 {self.read} 行：{verb} {self.imported} 行"
        if self.cases:
            summary += f"（登记信访事项 {self.cases} 件）"
        summary += f"，之前已导入而跳过 {self.already} 行，拒绝 {self.refused_count} 行。"
        out.append(summary)
        if self.seconds:
            out.append(f"用时 {self.seconds:.1f} 秒。")
        if self.dropped_columns:
            out.append("为保护匿名，以下列没有导入：" + "、".join(self.dropped_columns) + "；提交时间只保留日期。")
        if self.mapping:
            out.append("列的对应：" + "；".join(f"「{c}」→ {t}" for c, t in self.mapping.items()))
        if self.unmapped_columns:
            out.append("以下列没有对应的题目或字段，没有导入：" + "、".join(self.unmapped_columns)
                       + "。如需导入，请在映射文件中指明。")
        out.extend(self.notes)
        if self.refused_count:
            out.append("被拒绝的行及原因：")
            out.extend(r.message for r in self.refused)
            if self.refused_count > len(self.refused):
                out.append(f"另有 {self.refused_count - len(self.refused)} 行被拒绝，未逐条列出"
                           "（用 refusals_path 可把全部原因写入文件）。")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())
