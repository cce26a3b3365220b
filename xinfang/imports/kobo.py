"""KoboToolbox and ODK Central exports (CSV or XLSX) onto a form of survey_forms/.

Kobo headers are ``group/question`` (XML names; label headers are matched by text), select-multiple
answers are space-separated choice names, optionally with one 0/1 column per option
(``question/option``). ODK Central joins groups with ``-`` (``group-question``) and names the
submission ``KEY`` / ``meta-instanceID`` with ``SubmissionDate``. The instanceID (``instanceID``,
``KEY`` or Kobo's ``_uuid``) keys each row: a submission already stored is not stored again.

Never imported: ``start``, ``end``, ``deviceid``, ``username``, ``_submitted_by``, ``_geolocation``
and the other device, submitter and server metadata; the submission keeps only its day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from xinfang.errors import ValidationError
from xinfang.forms import Field, FormSpec
from xinfang.imports.batches import FormRow
from xinfang.imports.mapping import ColumnMapping, header_key
from xinfang.imports.questions import Questions, choice_name
from xinfang.imports.report import ImportReport
from xinfang.imports.tables import Table
from xinfang.imports.values import CellProblem, check_cell, parse_date, text_of

# device, person, place and exact-time metadata: dropped for anonymity (listed in the report)
PRIVATE = ("start", "end", "deviceid", "username", "_submitted_by", "_geolocation", "simserial", "subscriberid",
           "phonenumber", "audit", "SubmitterID", "SubmitterName", "DeviceID", "today", "email",
           "_submission_time", "SubmissionDate")
# server bookkeeping: ignored
SYSTEM = ("_id", "_index", "_parent_index", "_parent_table_name", "_status", "_tags", "_notes", "_validation_status",
          "__version__", "_version_", "_version", "_xform_id_string", "_attachments", "_media_count",
          "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "Edits", "FormVersion",
          "instanceName", "meta/instanceName", "meta-instanceName", "meta/rootUuid", "meta-rootUuid",
          "meta/deprecatedID", "meta-deprecatedID", "表单版本")
# the workbook's own export (xinfang.export.export_submissions) names them in Chinese
ID_COLUMNS = ("meta/instanceID", "meta-instanceID", "instanceID", "KEY", "_uuid", "答卷编号")
TIME_COLUMNS = ("_submission_time", "SubmissionDate", "提交日期")
_OPTION_TEXT = re.compile(r"^(.+)[(（]([^()（）]+)[)）]$")  # 「题目(选项)」 0/1 columns, as 问卷星 and our export head them
_GEO_PART = re.compile(r"^_.+_(latitude|longitude|altitude|precision)$")
CHINA = dt.timezone(dt.timedelta(hours=8))  # the mine's day; Kobo and Central record UTC


def _segments(header: str) -> list[str]:
    """Candidate question names of a header: the whole, then shorter and shorter path tails."""
    out = [header]
    for sep in ("/", "-"):
        parts = header.split(sep)
        out.extend(sep.join(parts[i:]) for i in range(1, len(parts)))
    return out


def submission_day(value: object) -> dt.date:
    """The mine's day (UTC+8) of a Kobo ``_submission_time`` / Central ``SubmissionDate`` (both UTC)."""
    value = check_cell(value)
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(CHINA).date()
    text = str(value or "").strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return parse_date(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def _instance(value: object, from_uuid: bool) -> str:
    text = text_of(value)
    if not text:
        raise CellProblem("答卷编号是空的", "导入 Kobo / ODK 导出的原始文件，不要清空编号列")
    text = text.split("/")[0]  # Central repeat keys look like uuid:…/group[1]
    if from_uuid and not text.startswith("uuid:"):
        text = f"uuid:{text}"
    return text


class _Plan:
    def __init__(self, spec: FormSpec, table: Table, mapping: ColumnMapping, report: ImportReport) -> None:
        questions = Questions(spec, mapping)
        self.single: dict[int, Field] = {}
        self.options: dict[int, tuple[Field, str]] = {}
        self.id_col = next((c for c in ID_COLUMNS if c in table.columns), None)
        self.time_col = next((c for c in TIME_COLUMNS if c in table.columns), None)
        for col, what in ((self.id_col, "答卷编号（instanceID、KEY 或 _uuid）"), (self.time_col, "提交时间（_submission_time 或 SubmissionDate）")):
            if col is None:
                raise ValidationError("import.missing_column", file=table.file, sheet=table.sheet, row=table.header_row,
                                      column=what, problem="Kobo / ODK 导出的表中应有这一列",
                                      fix="导出时保留元数据列（Kobo：导出全部字段；ODK Central：下载 CSV）",
                                      problem_en="a Kobo / ODK export has this column")
        self.id_index, self.time_index = table.index(self.id_col), table.index(self.time_col)
        self.from_uuid = self.id_col == "_uuid"
        for j, col in enumerate(table.columns):
            if col in PRIVATE or _GEO_PART.match(col):
                report.dropped_columns.append(col)
                continue
            if col in SYSTEM or col in ID_COLUMNS or col in TIME_COLUMNS:
                continue
            named, f = questions.find(col, by_text=False)
            if not named and f is None:
                f = next((questions.by_name[s] for s in _segments(col) if s in questions.by_name), None)
            if f is not None:
                self.single[j] = f
                report.mapping[col] = f.name
                continue
            if not named and self._option(questions, j, col):
                continue
            if not named:  # a label header ("Export: labels"), possibly "group label/question label"
                f = next((q for s in _segments(col) if (q := questions.find(s)[1]) is not None), None)
                if f is not None:
                    self.single[j] = f
                    report.mapping[col] = f.name
                    continue
            report.unmapped_columns.append(col)
        joined = {f.name for f in self.single.values()}
        # option columns only count when the export has no joined column for their question
        self.options = {j: v for j, v in self.options.items() if v[0].name not in joined}

    def _option(self, questions: Questions, j: int, col: str) -> bool:
        for sep in ("/", "-", ">"):
            head, _, choice = col.rpartition(sep)
            if not head:
                continue
            f = next((questions.by_name[s] for s in _segments(head) if s in questions.by_name), None)
            if f is not None and f.kind == "select_multiple" and any(c.name == choice for c in f.choices):
                self.options[j] = (f, choice)
                return True
        if m := _OPTION_TEXT.match(col):
            f = questions.find(m[1])[1]
            if f is not None and f.kind == "select_multiple":
                key = header_key(m[2])
                choice = next((c.name for c in f.choices if c.name == m[2]
                               or any(header_key(t) == key for t in c.labels.values())), None)
                if choice is not None:
                    self.options[j] = (f, choice)
                    return True
        return False


def rows(spec: FormSpec, table: Table, mapping: ColumnMapping, report: ImportReport) -> Iterator[FormRow]:
    plan = _Plan(spec, table, mapping, report)
    columns = {f.name: table.columns[j] for j, f in plan.single.items()}
    for rownum, values in table.rows:
        report.read += 1
        try:
            iid = _instance(values[plan.id_index], plan.from_uuid)
        except CellProblem as exc:
            report.refuse(rownum, plan.id_col, exc.problem, exc.fix)
            continue
        try:
            day = submission_day(values[plan.time_index])
        except CellProblem as exc:
            report.refuse(rownum, plan.time_col, exc.problem, exc.fix)
            continue
        answers: dict[str, object] = {}
        bad = False
        for j, f in plan.single.items():
            try:
                value = _answer(f, values[j], mapping)
            except CellProblem as exc:
                report.refuse(rownum, table.columns[j], exc.problem, exc.fix)
                bad = True
                continue
            if value not in (None, "", []):
                answers[f.name] = value
        for j, (f, choice) in plan.options.items():
            try:
                mark = str(check_cell(values[j]) or "").strip().lower()
            except CellProblem as exc:
                report.refuse(rownum, table.columns[j], exc.problem, exc.fix)
                bad = True
                continue
            if mark in {"1", "1.0", "true"}:
                answers.setdefault(f.name, []).append(choice)
        if not bad:
            yield FormRow(rownum, iid, day, answers, columns)


def _answer(f: Field, raw: object, mapping: ColumnMapping) -> object:
    raw = check_cell(raw)
    if raw is None:
        return None
    if f.kind == "select_one":
        return choice_name(f, raw, mapping)
    if f.kind == "select_multiple":
        text = text_of(raw)
        names = [c.name for c in f.choices]
        parts = text.split() if all(p in names for p in text.split()) else [p for p in re.split(r"[,，;；┋]\s*", text) if p]
        return [choice_name(f, p, mapping) for p in parts]
    if f.kind == "date":
        return parse_date(raw).isoformat()
    if f.kind in {"integer", "decimal"} and isinstance(raw, int | float):
        return raw
    return text_of(raw)
