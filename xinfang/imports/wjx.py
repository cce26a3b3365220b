"""问卷星 (wjx.cn) Excel / CSV downloads onto a form of survey_forms/.

Both download layouts:

* 按文本 (by text): ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`` then one ``N、题目`` column per
  question; multi-select answers joined by ``┋``, ranking by ``→``, other-text in ``〖〗`` after the
  option, ``(跳过)`` / ``(空)`` for skipped questions.
* 按序号 (by number): the same columns, but a single choice gives the option's position (1 = first) and
  a multi-select question becomes one 0/1 column per option headed ``第N题(选项)`` (or ``N(选项)``).
  The layout is recognised from such columns, or set with ``layout: number`` in the mapping file.

Anonymity: 序号, 所用时间, 来源, 来源详情, 来自IP and the time of day are never stored; the submission
keeps the day only. A row's instanceID is derived from the form, 序号, the day and the answers, so
importing the same download again (either layout, or a longer one later) stores each answer sheet
once. The exact time is not in the derivation: it could otherwise be recovered from the stored ID
by trying every second of the day.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

from xinfang.errors import ValidationError
from xinfang.forms import Field, FormSpec
from xinfang.imports.batches import FormRow
from xinfang.imports.mapping import ColumnMapping, header_key
from xinfang.imports.questions import Questions, choice_name
from xinfang.imports.report import ImportReport
from xinfang.imports.tables import Table
from xinfang.imports.values import CellProblem, check_cell, parse_date, text_of

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://xinfang.local/imports/wjx")
SERIAL, SUBMITTED = "序号", "提交答卷时间"
# columns that could identify a respondent or time them finer than the day: never imported
PRIVATE = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "来自 IP", "IP", "答题时长", "作答时长",
           "开始答题时间", "结束答题时间", "微信昵称", "用户ID", "填写者", "外部用户ID")
OTHER_META = ("总分", "分数", "答题序号")
SKIPPED = {"(跳过)", "（跳过）", "(空)", "（空）", "跳过", ""}
SKIPPED_BY_NUMBER = {"-3", "-2"}
_OPTION_COL = re.compile(r"^\s*(?:第\s*)?(\d+)\s*(?:题)?\s*[(（](.+)[)）]\s*$")
_QUESTION_NO = re.compile(r"^\s*(\d+)\s*[、.．]")
_OTHER = re.compile(r"〖(.*?)〗")
_MULTI_SPLIT = re.compile(r"[┋→|]")


def instance_id(form_key: str, serial: object, day, answers: dict) -> str:
    """A stable instanceID for one answer sheet: form, 序号, day and the answers (both layouts give
    the same answers). The answers tell apart two 问卷星 surveys feeding one form on the same day,
    whose 序号 both start at 1. Nothing finer than the day goes in."""
    content = json.dumps({k: sorted(map(str, v)) if isinstance(v, list) else str(v) for k, v in answers.items()},
                         sort_keys=True, ensure_ascii=False)
    return f"uuid:{uuid.uuid5(NAMESPACE, f'{form_key}|{str(serial).strip()}|{day.isoformat()}|{content}')}"


class _Plan:
    """What each column of the file is: private, a question, an option of a question, or nothing."""

    def __init__(self, spec: FormSpec, table: Table, mapping: ColumnMapping, report: ImportReport) -> None:
        self.questions = Questions(spec, mapping)
        self.by_number = mapping.layout == "number" or (mapping.layout is None and any(
            _OPTION_COL.match(c) and not self._matrix_row(c) for c in table.columns))
        self.single: dict[int, Field] = {}  # column index → question
        self.options: dict[int, tuple[Field, str]] = {}  # column index → (multi-select question, choice name)
        missing = [c for c in (SERIAL, SUBMITTED) if c not in table.columns]
        if missing:
            raise ValidationError("import.missing_column", file=table.file, sheet=table.sheet, row=table.header_row,
                                  column=missing[0], problem="问卷星下载的表中应有「序号」和「提交答卷时间」",
                                  fix="导入问卷星「下载答卷数据」得到的原始文件，不要删除这两列",
                                  problem_en="a 问卷星 download has 序号 and 提交答卷时间 columns")
        self.serial, self.submitted = table.index(SERIAL), table.index(SUBMITTED)
        for j, col in enumerate(table.columns):
            if col in PRIVATE or col.replace(" ", "") in PRIVATE:
                report.dropped_columns.append(col)
                continue
            if col in OTHER_META:
                continue
            try:
                self._place(j, col, report)
            except CellProblem as exc:
                raise ValidationError("import.cell", file=table.file, sheet=table.sheet, row=table.header_row,
                                      column=col, problem=exc.problem, fix=exc.fix, problem_en=exc.problem) from None

    def _matrix_row(self, col: str) -> Field | None:
        m = _OPTION_COL.match(col)
        if not m:
            return None
        return self.questions.by_text.get(header_key(m.group(2)))

    def _place(self, j: int, col: str, report: ImportReport) -> None:
        named, f = self.questions.find(col)
        if named or f is not None:
            if f is not None:
                self.single[j] = f
                report.mapping[col] = f.name
            return
        m = _OPTION_COL.match(col)
        if m:
            row_field = self._matrix_row(col)  # a row of a 矩阵题 is a question of its own
            if row_field is not None:
                self.single[j] = row_field
                report.mapping[col] = row_field.name
                return
            key = header_key(m.group(2))
            named, f = self.questions.find(f"第{m.group(1)}题")
            candidates = [f] if f is not None else [
                q for q in self.questions.fields if q.kind == "select_multiple"]
            for q in candidates:
                for c in q.choices:
                    if c.name == m.group(2).strip() or any(header_key(x) == key for x in c.labels.values()):
                        self.options[j] = (q, c.name)
                        report.mapping[col] = f"{q.name}（{c.label()}）"
                        return
        report.unmapped_columns.append(col)


def rows(spec: FormSpec, table: Table, mapping: ColumnMapping, report: ImportReport) -> Iterator[FormRow]:
    plan = _Plan(spec, table, mapping, report)
    columns = {f.name: table.columns[j] for j, f in plan.single.items()}
    columns.update({f.name: table.columns[j] for j, (f, _) in plan.options.items()})
    for rownum, values in table.rows:
        report.read += 1
        try:
            serial = text_of(values[plan.serial])
            if not serial:
                raise CellProblem("序号是空的", "使用问卷星下载的原始文件，不要清空序号")
        except CellProblem as exc:
            report.refuse(rownum, SERIAL, exc.problem, exc.fix)
            continue
        try:
            day = parse_date(values[plan.submitted])
        except CellProblem as exc:
            report.refuse(rownum, SUBMITTED, exc.problem, exc.fix)
            continue
        answers: dict[str, object] = {}
        bad = False
        for j, f in plan.single.items():
            try:
                value = _answer(f, values[j], mapping, plan.by_number, answers, plan.questions.by_name)
            except CellProblem as exc:
                report.refuse(rownum, table.columns[j], exc.problem, exc.fix)
                bad = True
                continue
            if value not in (None, "", []):
                answers[f.name] = value
        for j, (f, choice) in plan.options.items():
            try:
                raw = check_cell(values[j])
            except CellProblem as exc:
                report.refuse(rownum, table.columns[j], exc.problem, exc.fix)
                bad = True
                continue
            mark = "" if raw is None else str(raw).strip()
            if mark in SKIPPED or mark in SKIPPED_BY_NUMBER or mark in {"0", "0.0"}:
                continue
            if mark in {"1", "1.0", "True"}:
                chosen = answers.setdefault(f.name, [])
                if isinstance(chosen, list):
                    chosen.append(choice)
                continue
            report.refuse(rownum, table.columns[j], f"「{mark}」应为 1（选了）或 0（没选）", "核对该列的值")
            bad = True
        if not bad:
            yield FormRow(rownum, instance_id(spec.key, serial, day, answers), day, answers, columns)


def _answer(f: Field, raw: object, mapping: ColumnMapping, by_number: bool, answers: dict,
            by_name: dict[str, Field]) -> object:
    raw = check_cell(raw)
    if raw is None:
        return None
    text = text_of(raw)
    if text in SKIPPED or (by_number and text in SKIPPED_BY_NUMBER):
        return None
    if f.kind not in {"select_one", "select_multiple"}:
        if f.kind == "date":
            return parse_date(raw).isoformat()
        if f.kind in {"integer", "decimal"} and isinstance(raw, int | float):
            return raw
        return text
    parts = [p.strip() for p in _MULTI_SPLIT.split(text)] if f.kind == "select_multiple" else [text]
    chosen = []
    for part in parts:
        if not part or part in SKIPPED:
            continue
        other = _OTHER.search(part)
        option = _OTHER.sub("", part).strip()
        chosen.append(choice_name(f, option, mapping, by_index=by_number and option.lstrip("-").isdecimal()))
        if other and other.group(1).strip():
            _keep_other(f, other.group(1).strip(), answers, by_name)
    if f.kind == "select_one":
        return chosen[0] if chosen else None
    return chosen


def _keep_other(f: Field, text: str, answers: dict, by_name: dict[str, Field]) -> None:
    """The text typed after 其他: kept in the form's ``<question>_other`` question, else refused."""
    other = f"{f.name}_other"
    if other in by_name:
        answers[other] = text
        return
    raise CellProblem(f"「{f.label()}」的「其他」后填写了「{text[:30]}」，表单中没有存放这段文字的题目",
                      f"在表单中加一道名为 {other} 的文字题，或删除这段文字后重新导入")
