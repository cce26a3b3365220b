"""Legacy 信访台账 (Excel or CSV ledgers) into cases, through ``register_cases``.

Columns are mapped to the fields below: suggested from their headers (``suggest_mapping``), confirmed
in the workbook's column-mapping step or given in a mapping file. Text is cleaned (pinyin annotations,
control characters); headers, units and choices are compared in Simplified. Names, 工号 and phones go
to the vault through ``register_cases`` (实名 when a name is given), never into case text; the
ledger's 处理情况 becomes the note of the 登记 event.

Idempotency without a table of its own: each row has a key, a hash of its normalised content without
any identity (date, text, unit, 处理情况, channel, nature, category, people), kept with the source
file name and row in the 登记 event's details. A batch looks its keys up among cases of the same days
and text lengths, so a rerun, an edited file or a longer export later stores each row once. Two rows
with the same key in one file are refused as duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from xinfang import vocab
from xinfang.cases import NewCase, register_cases
from xinfang.errors import ValidationError
from xinfang.imports.batches import batch_session, batched
from xinfang.imports.mapping import ColumnMapping, header_key
from xinfang.imports.report import ImportReport
from xinfang.imports.tables import Table
from xinfang.imports.values import CellProblem, int_of, parse_date, text_of
from xinfang.storage.models import Case, CaseEvent, OrgUnit
from xinfang.text.normalize import normalize_many, to_simplified

LEDGER_BATCH = 500
DEFAULT_CHANNEL = "来访"


@dataclass(frozen=True)
class LedgerField:
    name: str
    label: str
    headers: tuple[str, ...]  # usual headers in office ledgers (compared after header_key)
    required: bool = False


FIELDS: tuple[LedgerField, ...] = (
    LedgerField("received_on", "登记日期", ("日期", "登记日期", "来访日期", "来信日期", "受理日期", "信访日期", "时间",
                                        "反映时间", "登记时间"), True),
    LedgerField("text", "反映问题", ("反映问题", "反映内容", "信访事项", "主要问题", "诉求", "诉求内容", "问题", "事由",
                                   "内容", "反映事项", "信访内容"), True),
    LedgerField("name", "姓名", ("姓名", "信访人", "反映人", "来访人", "当事人", "信访人姓名")),
    LedgerField("staff_no", "工号", ("工号", "员工编号", "职工编号")),
    LedgerField("phone", "联系电话", ("联系电话", "电话", "手机", "联系方式", "手机号")),
    LedgerField("unit", "单位", ("单位", "所在单位", "工作单位", "涉及单位", "部门", "队组", "区队")),
    LedgerField("handling", "处理情况", ("处理情况", "处理结果", "办理情况", "答复情况", "处理意见", "办理结果")),
    LedgerField("channel", "来源渠道", ("来源渠道", "渠道", "来源", "信访方式", "反映渠道")),
    LedgerField("intake_mode", "反映方式", ("反映方式", "实名匿名", "是否匿名")),
    LedgerField("nature", "性质", ("性质", "事项性质")),
    LedgerField("category", "类别代码", ("类别代码", "类别", "分类")),
    LedgerField("people_count", "人数", ("人数", "反映人数", "来访人数")),
)
BY_NAME = {f.name: f for f in FIELDS}
IDENTITY = ("name", "staff_no", "phone")


def suggest_mapping(columns: list[str]) -> dict[str, str | None]:
    """Column header → ledger field, from the usual headers (each field used once; the rest None).

    A joined header from merged cells (``处理情况/处理结果``) matches by its lower part first, then
    by its upper part."""
    keys = {f.name: {header_key(h) for h in (f.label, *f.headers)} | {f.name} for f in FIELDS}
    out: dict[str, str | None] = dict.fromkeys(columns)
    used: set[str] = set()
    for pick in (lambda c: header_key(c.split("/")[-1]), lambda c: header_key(c.split("/")[0])):
        for col in columns:
            if out[col] is not None:
                continue
            key = pick(col)
            found = next((f.name for f in FIELDS if f.name not in used
                          and (key in keys[f.name] or header_key(col) in keys[f.name])), None)
            if found:
                out[col] = found
                used.add(found)
    return out


def resolve(table: Table, mapping: ColumnMapping) -> dict[str, int]:
    """Ledger field → column index: the mapping file's choices, else the suggestion."""
    suggested = suggest_mapping(table.columns)
    fields: dict[str, int] = {}
    for j, col in enumerate(table.columns):
        named, target = mapping.target_of(col)
        target = target if named else suggested[col]
        if target is None:
            continue
        if target not in BY_NAME:
            raise ValidationError("import.mapping", file=mapping.file or "（映射）", line=1,
                                  problem=f"「{col}」对应的字段「{target}」不存在",
                                  fix="改为以下字段之一：" + "、".join(BY_NAME), problem_en=f"unknown field {target!r}")
        fields.setdefault(target, j)
    for f in FIELDS:
        if f.required and f.name not in fields and f.name not in mapping.defaults:
            raise ValidationError("import.missing_column", file=table.file, sheet=table.sheet, row=table.header_row,
                                  column=f.label, problem=f"台账必须有「{f.label}」列，现有的列：{'、'.join(table.columns)}",
                                  fix=f"在列对应步骤或映射文件 columns 中指明哪一列是{f.label}",
                                  problem_en=f"no column for {f.name}")
    return fields


@dataclass
class LedgerRow:
    row: int
    case: NewCase
    handling: str
    key: str = ""


class _Rows:
    def __init__(self, table: Table, mapping: ColumnMapping, report: ImportReport, units: dict[str, str]) -> None:
        self.table, self.mapping, self.report, self.units = table, mapping, report, units
        self.fields = resolve(table, mapping)
        self.channels = vocab.terms("channels")
        self.modes = vocab.terms("intake_modes")
        self.natures = vocab.terms("natures")
        self.identified = vocab.terms("identified_modes")
        self.today = dt.date.today()
        for f, j in self.fields.items():
            report.mapping[table.columns[j]] = f"{BY_NAME[f].label}（{f}）"
        mapped = set(self.fields.values())
        report.unmapped_columns.extend(c for j, c in enumerate(table.columns) if j not in mapped)
        if "channel" not in self.fields and "channel" not in mapping.defaults:
            report.notes.append(f"台账没有来源渠道列，按「{DEFAULT_CHANNEL}」登记（可在映射文件 defaults 中改）。")

    def raw(self, values: list[object], name: str) -> object:
        j = self.fields.get(name)
        value = values[j] if j is not None else None
        if value is None or (isinstance(value, str) and not value.strip()):
            value = self.mapping.defaults.get(name)
        return self.mapping.value(name, value)

    def column(self, name: str) -> str:
        j = self.fields.get(name)
        return self.table.columns[j] if j is not None else BY_NAME[name].label

    def choice(self, values: list[object], name: str, allowed: list[str], default: str | None) -> str | None:
        text = to_simplified(text_of(self.raw(values, name)))
        if not text:
            return default
        if text not in allowed:
            raise _Bad(name, f"「{text}」不是有效的{BY_NAME[name].label}",
                       "改为 " + "、".join(allowed) + " 之一，或在映射文件 values 中写明对应")
        return text

    def parse(self, rownum: int, values: list[object]) -> LedgerRow:
        try:
            received = parse_date(self.raw(values, "received_on"))
        except CellProblem as exc:
            raise _Bad("received_on", exc.problem, exc.fix) from None
        if received > self.today or received.year < 1950:
            raise _Bad("received_on", f"日期 {received.isoformat()} 不合理（晚于今天或早于 1950 年）", "核对日期")
        text = self.cell(values, "text")
        if not text:
            raise _Bad("text", "反映问题是空的", "填写反映的问题，或删除这一行")
        identity = {k: self.cell(values, k) or None for k in IDENTITY}
        mode = self.choice(values, "intake_mode", self.modes, None)
        if mode is None:
            mode = "实名" if identity["name"] else "匿名"
        if mode == "匿名" and any(identity.values()):
            raise _Bad("intake_mode", "反映方式为「匿名」，却填写了姓名、工号或电话", "把反映方式改为实名或保密，或删除这些身份信息")
        if mode in self.identified and not identity["name"]:
            raise _Bad("name", f"反映方式为「{mode}」，但没有填写姓名", "填写姓名，或把反映方式改为匿名")
        for k in IDENTITY:
            if identity[k] and len(identity[k]) > 200:
                raise _Bad(k, "内容超过 200 字", "只保留姓名、工号或电话本身")
        unit = None
        unit_text = self.cell(values, "unit")
        if unit_text:
            unit = self.units.get(header_key(unit_text))
            if unit is None:
                raise _Bad("unit", f"找不到单位「{unit_text}」",
                           "在映射文件 values 的 unit 下把它对应到单位列表中的名称，或先在单位列表中添加该单位")
        people = 1
        if self.raw(values, "people_count") not in (None, ""):
            try:
                people = int_of(self.raw(values, "people_count"))
            except CellProblem as exc:
                raise _Bad("people_count", exc.problem, exc.fix) from None
            if people < 1:
                raise _Bad("people_count", f"人数「{people}」应不小于 1", "填写反映人数")
        category = self.cell(values, "category") or None
        if category and len(category) > 10:
            raise _Bad("category", f"类别代码「{category}」超过 10 个字", "填写类别代码（如 C01），或清空")
        case = NewCase(text=text, received_on=received,
                       channel=self.choice(values, "channel", self.channels, DEFAULT_CHANNEL),
                       intake_mode=mode, unit=unit, nature=self.choice(values, "nature", self.natures, "申诉求决"),
                       category=category, people_count=people, is_group=people > 1,
                       identity=identity if mode in self.identified else None, actor="台账导入")
        return LedgerRow(rownum, case, self.cell(values, "handling"))

    def cell(self, values: list[object], name: str) -> str:
        try:
            return text_of(self.raw(values, name))
        except CellProblem as exc:
            raise _Bad(name, exc.problem, exc.fix) from None

    def __iter__(self) -> Iterator[LedgerRow]:
        for rownum, values in self.table.rows:
            self.report.read += 1
            try:
                yield self.parse(rownum, values)
            except _Bad as bad:
                self.report.refuse(rownum, self.column(bad.field), bad.problem, bad.fix)


class _Bad(Exception):
    def __init__(self, field: str, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.field, self.problem, self.fix = field, problem, fix


def _keys(rows: list[LedgerRow]) -> None:
    """Each row's key: a hash of its normalised content, without identity (see the module doc)."""
    texts = normalize_many([r.case.text for r in rows] + [r.handling for r in rows])
    n = len(rows)
    for i, r in enumerate(rows):
        c = r.case
        content = [c.received_on.isoformat(), texts[i], c.unit or "", texts[n + i], c.channel, c.nature,
                   c.category or "", c.people_count]
        r.key = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:32]


def _stored(session, rows: list[LedgerRow]) -> dict[str, dict]:
    """Import keys already stored among cases of the same days and text lengths → where they came from."""
    # Same day and same text length: 繁→简 and cleaning keep the length, so a row re-typed in the
    # other script is found; the key (normalised) decides. Cheap when a ledger runs by date, as they do.
    days = sorted({r.case.received_on for r in rows})
    lengths = sorted({len(r.case.text.strip()) for r in rows})
    q = (select(CaseEvent.details).join(Case, Case.id == CaseEvent.case_id)
         .where(CaseEvent.kind == "登记", Case.received_on.in_(days), func.length(Case.text).in_(lengths)))
    out = {}
    for details in session.scalars(q):
        source = (details or {}).get("import")
        if isinstance(source, dict) and "key" in source:
            out[source["key"]] = source
    return out


def _register(session, rows: list[LedgerRow], report: ImportReport, run_id: str) -> None:
    """register_cases for the batch; if it refuses one, register row by row to name the bad ones."""
    try:
        with session.begin_nested():
            done = list(zip(rows, register_cases(session, [r.case for r in rows]), strict=True))
    except ValidationError:
        done = []
        for r in rows:
            try:
                with session.begin_nested():
                    done.append((r, register_cases(session, [r.case])[0]))
            except ValidationError as exc:
                report.refuse(r.row, None, exc.zh.rstrip("。"), "改正后重新导入（已导入的行不会重复导入）")
    if not done:
        return
    table = CaseEvent.__table__
    session.connection().execute(
        update(table).where(table.c.case_id == bindparam("cid"), table.c.kind == "登记")
        .values(details=bindparam("d"), note=bindparam("n")),
        [{"cid": reg.case_id, "n": f"台账处理情况：{r.handling}" if r.handling else None,
          "d": {"channel": r.case.channel,
                "import": {"key": r.key, "run": run_id, "file": report.file, "row": r.row}}}
         for r, reg in done])
    report.imported += len(done)
    report.cases += len(done)


def run(table: Table, mapping: ColumnMapping, report: ImportReport, *, dry_run: bool, tick: Callable[[], None],
        batch_size: int | None = None) -> None:
    with batch_session(True) as s:
        units = {header_key(name): name for name in s.scalars(select(OrgUnit.name))}
    for alias, name in (mapping.values.get("unit") or {}).items():
        units.setdefault(header_key(alias), name)
    source = _Rows(table, mapping, report, units)
    run_id = uuid.uuid4().hex[:12]
    # Rows this run has met that the database cannot tell apart from earlier runs: fresh rows of a
    # dry run (nothing is stored) and rows already imported (a rerun). 64-bit key → row, ~100 bytes
    # each; a first import of new rows keeps nothing here (its own batches are found by run id).
    seen: dict[int, int] = {}
    for chunk in batched(source, batch_size or LEDGER_BATCH):
        _keys(chunk)
        with batch_session(dry_run) as s:
            stored = _stored(s, chunk)
            first: dict[str, int] = {}
            fresh: list[LedgerRow] = []
            for r in chunk:
                short = int(r.key[:16], 16)
                earlier = first.get(r.key) or seen.get(short)
                source_row = stored.get(r.key)
                if earlier is None and source_row is not None and source_row.get("run") == run_id:
                    earlier = source_row.get("row")
                if earlier is not None:
                    report.refuse(r.row, None, f"与第 {earlier} 行内容相同（日期、反映问题、单位、处理情况等都一样），是重复行",
                                  "删除重复的行；如确是两人反映同一问题，请合并为一件并填写人数")
                    continue
                if source_row is not None:
                    report.already += 1
                    seen[short] = r.row
                    continue
                first[r.key] = r.row
                fresh.append(r)
            if fresh:
                _register(s, fresh, report, run_id)
            if dry_run:
                seen.update((int(k[:16], 16), row) for k, row in first.items())
        tick()
