"""Tables to Excel (openpyxl, Chinese headers) and CSV (utf-8-sig, so Excel reads the Chinese); a chart
to PNG (kaleido). Aggregates are suppressed on the way out: a raw numeric tally is passed through
:func:`xinfang.privacy.suppress`; a table that is already displayed (object columns with "<5") is
written as it is. Case lists (office use) are written with ``aggregate=False``.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from xinfang.errors import ValidationError

# Column names used in the library's frames → what the office reads.
HEADERS: dict[str, str] = {
    "case_no": "编号", "unit": "单位", "branch": "党支部", "status": "状态", "received_on": "登记日期",
    "accepted_on": "受理日期", "closed_on": "办结日期", "due_on": "办理期限", "channel": "渠道",
    "outcome": "处理结果", "satisfaction": "评价", "label": "情绪", "score": "情绪分值", "topic": "话题",
    "topics": "话题", "month": "月份", "text": "内容", "cues": "判断依据", "intake_mode": "反映方式",
    "category": "类别", "people_count": "人数", "quarter": "季度", "submitted_on": "提交日期",
}
FORMATS = ("xlsx", "csv", "png")


def displayed(table, *, aggregate: bool = True, counts=None):
    """The table as it may leave the workbook: suppressed when it is a raw numeric aggregate, with
    Chinese headers; the index becomes the first column."""
    import pandas as pd

    from xinfang import privacy

    frame = table.to_frame() if isinstance(table, pd.Series) else table
    numeric = len(frame.columns) > 0 and all(pd.api.types.is_numeric_dtype(d) for d in frame.dtypes)
    if aggregate and numeric:
        frame = privacy.suppress(frame, counts=counts)
    frame = frame.rename(columns=lambda c: HEADERS.get(str(c), str(c)))
    names = [HEADERS.get(str(n), str(n)) if n is not None else None for n in frame.index.names]
    frame = frame.copy()
    frame.index = frame.index.set_names(names)
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
        frame = frame.rename(columns={"index": "项目"})
    return frame.map(_cell)


def readable(table):
    """The table as the office reads it on screen (a notebook, the command line): Chinese headers and
    KPI rates as per cent text ("86.2%", "—" where there is none); other cells, "<5" included, as they
    are. It hides nothing: give it a table that may be shown (see :func:`displayed`)."""
    import pandas as pd

    from xinfang import metrics

    frame = table.to_frame() if isinstance(table, pd.Series) else table.copy()
    rates = _rate_names()
    for col in frame.columns:
        if str(col) in rates:
            frame[col] = pd.Series([metrics.percent_text(v) for v in frame[col]], index=frame.index, dtype=object)
    frame = frame.rename(columns=lambda c: HEADERS.get(str(c), str(c)))
    frame.index = frame.index.set_names([HEADERS.get(str(n), str(n)) if n is not None else None
                                         for n in frame.index.names])
    return frame


def _rate_names() -> set[str]:
    """The KPI rates (data/kpis.yaml): fractions in the library's tables, per cent for a reader."""
    from xinfang import metrics

    return set(metrics.definitions().get("rates", {}))


def _cell(value):
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{'、'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def to_excel(tables, path=None, *, aggregate: bool = True) -> bytes:
    """Write ``tables`` ({sheet name: DataFrame}, or one DataFrame) to an .xlsx workbook, one sheet
    each, bold Chinese headers; returns the bytes (and writes ``path`` when given)."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if isinstance(tables, pd.DataFrame | pd.Series):
        tables = {"数据": tables}
    rates = _rate_names()  # fractions in the tables, shown as percentages
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in tables.items():
        frame = displayed(table, aggregate=aggregate)
        sheet = wb.create_sheet(_sheet_name(name))
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_excel_value(v) for v in row])
        for i, col in enumerate(frame.columns, 1):
            if str(col) in rates:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    if isinstance(cell.value, int | float):
                        cell.number_format = "0.0%"
        for i, col in enumerate(frame.columns, 1):
            width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, i - 1].head(200)]) * 2 + 2
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _sheet_name(name: object) -> str:
    bad = set('[]:*?/\\')
    return "".join("_" if c in bad else c for c in str(name))[:31] or "数据"


def _excel_value(value):
    import datetime as dt

    import pandas as pd

    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime):
        return value
    return str(value)


def to_csv(table, path=None, *, aggregate: bool = True) -> bytes:
    """The table as CSV in utf-8-sig (with BOM, so Excel opens the Chinese correctly)."""
    data = displayed(table, aggregate=aggregate).to_csv(index=False).encode("utf-8-sig")
    if path is not None:
        Path(path).write_bytes(data)
    return data


def chart_png(fig, path=None, *, width: int = 1000, height: int | None = None) -> bytes:
    """A chart as PNG (kaleido with the system Chromium; ``chart.no_kaleido`` when it is missing)."""
    from xinfang import charts

    data = charts.to_png(fig, width=width, height=height)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def default_dir() -> Path:
    """Where the workbook puts exports unless told otherwise: ``<run_dir>/exports`` (git-ignored)."""
    from xinfang.config import settings

    out = Path(settings()["run_dir"]) / "exports"
    out.mkdir(parents=True, exist_ok=True)
    return out


def export(obj, path, *, aggregate: bool = True) -> Path:
    """Export by the file's extension: .xlsx / .csv for tables, .png for a chart."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValidationError("export.bad_format", value=kind or str(path), known="、".join(FORMATS))
    if kind == "xlsx":
        to_excel(obj, path, aggregate=aggregate)
    elif kind == "csv":
        to_csv(obj, path, aggregate=aggregate)
    else:
        chart_png(obj, path)
    return path


# -- records: submissions (a sheet per form) and cases ------------------------------------------------

MULTI_JOIN = "┋"  # 问卷星's separator for multi-select answers: never inside an option's text
SUBMISSION_COLUMNS = ("答卷编号", "提交日期", "表单版本")
CASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_no", "编号"), ("received_on", "登记日期"), ("unit", "单位"), ("branch", "党支部"), ("channel", "来源渠道"),
    ("intake_mode", "反映方式"), ("nature", "性质"), ("category", "类别代码"), ("people_count", "人数"),
    ("text", "反映问题"), ("status", "状态"), ("accepted_on", "受理日期"), ("due_on", "办理期限"),
    ("closed_on", "办结日期"), ("outcome", "处理结果"), ("satisfaction", "评价"))
IDENTITY_COLUMNS = (("name", "姓名"), ("staff_no", "工号"), ("phone", "联系电话"))
ROW_BATCH = 1000


@dataclass
class ExportResult:
    """What an export wrote: the file, rows per sheet, and how many identities were looked at."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    identities: int = 0

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        out = [f"已导出 {total} 行到 {self.path}"]
        out += [f"  {sheet}：{n} 行" for sheet, n in self.rows.items()]
        if self.identities:
            out.append(f"  含 {self.identities} 件事项的身份信息（每件已记入审计日志）")
        return out


class _Sink:
    """Rows to an .xlsx sheet per table (openpyxl write-only, so memory stays flat) or to one CSV."""

    def __init__(self, path: Path) -> None:
        self.path, self.csv = path, path.suffix.lower() == ".csv"
        self._file = self._writer = self._wb = self._sheet = None
        if self.csv:
            import csv

            self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            self._writer = csv.writer(self._file)
        else:
            from openpyxl import Workbook

            self._wb = Workbook(write_only=True)

    def sheet(self, name: str, header: list[str]) -> None:
        if self.csv:
            self._writer.writerow(header)
            return
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._sheet = self._wb.create_sheet(_sheet_name(name))
        for i, col in enumerate(header, 1):
            self._sheet.column_dimensions[_column_letter(i)].width = min(40, max(10, len(col) * 2 + 2))
        bold = []
        for col in header:
            cell = WriteOnlyCell(self._sheet, value=col)
            cell.font = Font(bold=True)
            bold.append(cell)
        self._sheet.append(bold)

    def row(self, values: list) -> None:
        if self.csv:
            self._writer.writerow(["" if v is None else v for v in values])
        else:
            self._sheet.append([_excel_value(v) for v in values])

    def close(self) -> None:
        if self.csv:
            self._file.close()
        else:
            self._wb.save(self.path)


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _target(path, stem: str, fmt: str | None) -> Path:
    if path is None:
        import datetime as dt

        path = default_dir() / f"{stem}-{dt.date.today():%Y%m%d}.{fmt or 'xlsx'}"
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        raise ValidationError("export.bad_format", value=kind or str(path), known="xlsx、csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _answer_columns(spec) -> tuple[list, list[str]]:
    """(plan, header): one column per top-level question (label); for a multi-select also one 0/1
    column per option, headed 「题目(选项)」 as 问卷星's 按序号 download does."""
    from xinfang.forms.spec import VALUE_KINDS

    plan, header = [], []
    for f in spec.walk():
        if f.kind not in VALUE_KINDS or f.repeat is not None:
            continue
        label = f.label() or f.name
        plan.append((f, None))
        header.append(label)
        if f.kind == "select_multiple":
            for c in f.choices:
                plan.append((f, c.name))
                header.append(f"{label}({c.label() or c.name})")
    return plan, header


def _repeat_columns(spec) -> dict[str, tuple[str, list]]:
    """Repeat name → (its label, its value fields): a sheet of their own, one row per item."""
    from xinfang.forms.spec import VALUE_KINDS

    out: dict[str, tuple[str, list]] = {}
    for f in spec.walk():
        if f.kind == "repeat":
            out[f.name] = (f.label() or f.name, [c for c in f.walk() if c.kind in VALUE_KINDS and c is not f])
    return out


def _shown(f, value, option: str | None = None):
    """An answer as the office reads it: option texts, not option names; dates as dates."""
    if option is not None:
        return 1 if isinstance(value, list) and option in [str(v) for v in value] else 0
    if value is None or value == "" or value == []:
        return None
    labels = {c.name: c.label() or c.name for c in f.choices}
    if f.kind == "select_one":
        return labels.get(str(value), str(value))
    if f.kind == "select_multiple":
        items = value if isinstance(value, list) else str(value).split()
        return MULTI_JOIN.join(labels.get(str(v), str(v)) for v in items)
    return value


def export_submissions(path=None, *, forms: list[str] | None = None, period=None, progress=None,
                       session=None) -> ExportResult:
    """Submissions to Excel (a sheet per form, repeats on sheets of their own, a 说明 sheet) or, for
    one form, to CSV in utf-8-sig. Answers carry no identity (forms keep it in the vault), so none
    is written. ``period`` (metrics.Period) limits by submission day; ``progress(rows, total)``."""
    import datetime as dt

    from sqlalchemy import func, select

    from xinfang import forms as form_defs
    from xinfang.storage import db
    from xinfang.storage.models import Form, FormVersion, Submission

    known = form_defs.available()
    keys = list(forms) if forms else list(known)
    for k in keys:
        if k not in known:
            raise ValidationError("export.unknown_form", form=k, known="、".join(known))
    path = _target(path, "答卷", "csv" if str(path or "").lower().endswith(".csv") else None)
    if path.suffix.lower() == ".csv" and len(keys) != 1:
        raise ValidationError("export.csv_one_form", count=len(keys), forms="、".join(keys))
    specs = {k: form_defs.by_key(k) for k in keys}
    result = ExportResult(path)

    def query(key, *cols):
        q = (select(*cols).join(FormVersion, FormVersion.id == Submission.form_version_id)
             .join(Form, Form.id == FormVersion.form_id).where(Form.form_key == key))
        if period is not None:
            q = q.where(Submission.submitted_on.between(period.start, period.end))
        return q

    with contextlib.ExitStack() as stack:
        s = session if session is not None else stack.enter_context(db.session())
        total = sum(s.scalar(query(k, func.count(Submission.id))) or 0 for k in keys)
        done = 0
        sink = _Sink(path)
        fields_meta: list[list] = []
        try:
            for key, spec in specs.items():
                plan, header = _answer_columns(spec)
                sheet = spec.title
                sink.sheet(sheet, [*SUBMISSION_COLUMNS, *header])
                fields_meta += _field_rows(sheet, spec, plan, header)
                n = 0
                rows = s.execute(query(key, Submission.instance_id, Submission.submitted_on, FormVersion.version,
                                       Submission.answers).order_by(Submission.id).execution_options(yield_per=ROW_BATCH))
                repeats: dict[str, list] = {r: [] for r in _repeat_columns(spec)}
                for iid, day, version, answers in rows:
                    answers = answers or {}
                    sink.row([iid, day, version, *(_shown(f, answers.get(f.name), opt) for f, opt in plan)])
                    for r in repeats:
                        for i, item in enumerate(answers.get(r) or [], 1):
                            repeats[r].append((iid, i, item))
                    n += 1
                    done += 1
                    if progress is not None and done % ROW_BATCH == 0:
                        progress(done, total)
                result.rows[sheet] = n
                if path.suffix.lower() != ".csv":
                    for r, (label, sub_fields) in _repeat_columns(spec).items():
                        name = f"{spec.title}·{label}"
                        sink.sheet(name, ["答卷编号", "序号", *(c.label() or c.name for c in sub_fields)])
                        for iid, i, item in repeats[r]:
                            item = item if isinstance(item, dict) else {}
                            sink.row([iid, i, *(_shown(c, item.get(c.name)) for c in sub_fields)])
                        result.rows[name] = len(repeats[r])
            if path.suffix.lower() != ".csv":
                _about_sheet(sink, [("导出内容", "答卷（" + "、".join(sp.title for sp in specs.values()) + "）"),
                                    ("期间", getattr(period, "label", "全部")),
                                    ("导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
                                    ("多选题", f"合并一列（选项以「{MULTI_JOIN}」分隔），另有每个选项一列：1 = 选中，0 = 未选"),
                                    ("身份信息", "答卷不含姓名、工号、电话、IP 地址；提交时间只到日")], fields_meta)
        finally:
            sink.close()
    if progress is not None:
        progress(total, total)
    return result


def _field_rows(sheet: str, spec, plan, header) -> list[list]:
    from xinfang.forms.sources import SOURCES

    rows = []
    for (f, opt), col in zip(plan, header, strict=True):
        if opt is not None:
            continue
        options = ("；".join(f"{c.name}={c.label()}" for c in f.choices) if not f.source
                   else f"{SOURCES[f.source].what}中的编号")
        rows.append([sheet, col, f.name, f.kind, options])
    return rows


def _about_sheet(sink: _Sink, facts: list[tuple[str, str]], fields_meta: list[list]) -> None:
    sink.sheet("说明", ["项目", "内容", "", "", ""])
    for k, v in facts:
        sink.row([k, v])
    if fields_meta:
        sink.row([])
        sink.row(["工作表", "列", "题目名称", "题型", "选项（名称=文字）"])
        for row in fields_meta:
            sink.row(row)


def can_see_identity(role: str | None) -> bool:
    """Whether ``role`` may see and export identity (data/vocabulary.yaml ``identity_roles``)."""
    from xinfang import vocab

    return role in vocab.terms("identity_roles")


def export_cases(path=None, *, period=None, branch: str | None = None, with_identity: bool = False,
                 actor: str | None = None, role: str | None = None, reason: str | None = None, progress=None,
                 session=None) -> ExportResult:
    """Cases to Excel (with a 说明 sheet) or CSV, Chinese headers, in the column names a 信访台账
    uses, so the file can be imported again. Identity (姓名、工号、电话) only when asked, for a role
    allowed to see it and with a reason; every case whose identity is written is audit-logged."""
    import datetime as dt

    from sqlalchemy import func, select
    from sqlalchemy.orm import aliased

    from xinfang import vault, vocab
    from xinfang.storage import db
    from xinfang.storage.models import Case, OrgUnit

    if with_identity:
        if not can_see_identity(role):
            raise ValidationError("export.identity_not_allowed", role=role or "未登录",
                                  allowed="、".join(vocab.terms("identity_roles")))
        if not (actor or "").strip() or not (reason or "").strip():
            raise ValidationError("export.identity_reason")
    path = _target(path, "信访事项", None)
    result = ExportResult(path)
    unit, br = aliased(OrgUnit), aliased(OrgUnit)
    q = (select(Case, unit.name, br.name).outerjoin(unit, unit.id == Case.unit_id)
         .outerjoin(br, br.id == unit.branch_id))
    if period is not None:
        q = q.where(Case.received_on.between(period.start, period.end))
    if branch:
        q = q.where(br.name == branch)
    identified = set(vocab.terms("identified_modes"))
    columns = list(CASE_COLUMNS) + (list(IDENTITY_COLUMNS) if with_identity else [])
    with contextlib.ExitStack() as stack:
        s = session if session is not None else stack.enter_context(db.session())
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        sink = _Sink(path)
        try:
            sink.sheet("信访事项", [label for _, label in columns])
            n = 0
            for case, unit_name, branch_name in s.execute(q.order_by(Case.id).execution_options(yield_per=ROW_BATCH)):
                values = {"unit": unit_name, "branch": branch_name}
                values.update({k: getattr(case, k) for k, _ in CASE_COLUMNS if k not in values})
                if with_identity and case.intake_mode in identified:
                    who = vault.read_identity(s, case.id, actor=actor, reason=reason)
                    if who is not None:
                        values.update(name=who.name, staff_no=who.staff_no, phone=who.phone)
                        result.identities += 1
                sink.row([values.get(k) for k, _ in columns])
                n += 1
                if progress is not None and n % ROW_BATCH == 0:
                    progress(n, total)
            result.rows["信访事项"] = n
            if path.suffix.lower() != ".csv":
                _about_sheet(sink, [("导出内容", "信访事项" + (f"（{branch}）" if branch else "")),
                                    ("期间", getattr(period, "label", "全部")),
                                    ("导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
                                    ("身份信息", f"含姓名、工号、电话（导出人：{actor}；理由：{reason}；已记入审计日志）"
                                     if with_identity else "不含（匿名事项本来就没有身份信息）"),
                                    ("再次导入", "此文件可作为信访台账导入：xinfang import ledger 文件名")], [])
        finally:
            sink.close()
    if progress is not None:
        progress(result.rows["信访事项"], total)
    return result


__all__ = ["HEADERS", "ExportResult", "can_see_identity", "chart_png", "default_dir", "displayed", "export", "readable",
           "export_cases", "export_submissions", "to_csv", "to_excel"]
