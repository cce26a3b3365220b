"""Submit a filled form: check the answers, then write the submission and its records, once.

``submit`` runs inside the caller's transaction (``db.session()``): the submission row and the
records the form declares (case, activity, visit, risk item) are written together or not at all.
The instanceID, created when the form was drawn, makes it idempotent: a resend of the same
instanceID — double click, retried request, reconnect, or a racing second request — writes nothing
and returns the first submission's receipt (its 查询码 cannot be shown again: only its hash is kept).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xinfang import vocab
from xinfang.cases import NewCase, register_cases
from xinfang.errors import FormAnswersError, FormDefinitionError, ValidationError, message
from xinfang.forms.engine import evaluate_form, is_empty
from xinfang.forms.expressions import to_string
from xinfang.forms.sources import with_choices
from xinfang.forms.spec import DEFAULT_LANGUAGE, Field, FormSpec
from xinfang.forms.targets import TARGETS, TRUE_VALUES
from xinfang.storage.models import (
    Activity,
    Case,
    CaseEvent,
    FollowUpPlan,
    FollowUpVisit,
    Form,
    FormVersion,
    OrgUnit,
    RiskItem,
    Submission,
)

_INSTANCE = re.compile(r"^[A-Za-z0-9:_\-]{8,64}$")


def new_instance_id() -> str:
    """An ODK-style instanceID, made when a form is drawn."""
    return f"uuid:{uuid.uuid4()}"


@dataclass(frozen=True)
class IssuedCase:
    case_no: str
    query_code: str | None  # None on a resend: the code is shown only once


@dataclass(frozen=True)
class Receipt:
    instance_id: str
    submission_id: int
    form_key: str
    version: str
    submitted_on: dt.date
    duplicate: bool = False
    cases: tuple[IssuedCase, ...] = ()
    activity_id: int | None = None
    visit_id: int | None = None
    risk_id: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The confirmation the person filling the form reads."""
        parts = []
        if self.duplicate:
            parts.append("这份表单已经提交过，没有重复保存。")
        else:
            parts.append("提交成功，感谢您的填写。")
        if self.activity_id is not None:
            parts.append(f"活动记录编号 {self.activity_id}。")
        if self.visit_id is not None:
            parts.append(f"回访记录编号 {self.visit_id}。")
        if self.risk_id is not None:
            parts.append(f"排查登记编号 {self.risk_id}。")
        if len(self.cases) == 1:
            c = self.cases[0]
            parts.append(f"事项编号 {c.case_no}。")
            if c.query_code:
                parts.append(f"查询码 {c.query_code}：请记下或截图保存，凭它查询办理进度；查询码只显示这一次。")
            else:
                parts.append("查询码已在首次提交时显示。")
        elif self.cases:
            parts.append(f"登记诉求 {len(self.cases)} 件：" + "、".join(c.case_no for c in self.cases) + "。")
        return "".join(parts)


def _one_row_insert(session: Session, table, values: dict, conflict: list[str]):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the database settles a race, no savepoint needed."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(table).values(**values).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    return session.execute(stmt).scalar()


def form_version(session: Session, spec: FormSpec) -> int:
    """The id of the FormVersion row for ``spec``, registered on first use."""
    form_id = session.scalar(select(Form.id).where(Form.form_key == spec.key))
    if form_id is None:
        form_id = _one_row_insert(session, Form.__table__, {"form_key": spec.key, "title": spec.title[:200],
                                                            "anonymous": spec.anonymous}, ["form_key"])
        form_id = form_id or session.scalar(select(Form.id).where(Form.form_key == spec.key))
    row = session.execute(select(FormVersion.id, FormVersion.definition)
                          .where(FormVersion.form_id == form_id, FormVersion.version == spec.version)).first()
    definition = json.loads(json.dumps(spec.definition, ensure_ascii=False))
    if row is None:
        vid = _one_row_insert(session, FormVersion.__table__, {
            "form_id": form_id, "version": spec.version, "definition": definition, "source_xlsx": spec.source,
            "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}, ["form_id", "version"])
        if vid is not None:
            return vid
        row = session.execute(select(FormVersion.id, FormVersion.definition)
                              .where(FormVersion.form_id == form_id, FormVersion.version == spec.version)).first()
    if row.definition != definition:
        raise FormDefinitionError("form.version_unchanged", file=spec.source_path.name, row=2, column="version",
                                  version=spec.version, suggest=_next_version(spec.version))
    return row.id


def _next_version(v: str) -> str:
    m = re.search(r"(\d+)$", v)
    return v[:m.start()] + str(int(m.group(1)) + 1) if m else v + ".1"


def existing_receipt(session: Session, instance_id: str) -> Receipt | None:
    sub = session.scalar(select(Submission).where(Submission.instance_id == instance_id))
    if sub is None:
        return None
    fv = session.get(FormVersion, sub.form_version_id)
    form = session.get(Form, fv.form_id)
    cases = session.execute(select(Case.case_no).where(Case.submission_id == sub.id).order_by(Case.id)).scalars()
    return Receipt(
        instance_id=instance_id, submission_id=sub.id, form_key=form.form_key, version=fv.version,
        submitted_on=sub.submitted_on, duplicate=True, cases=tuple(IssuedCase(n, None) for n in cases),
        activity_id=session.scalar(select(Activity.id).where(Activity.submission_id == sub.id)),
        visit_id=session.scalar(select(FollowUpVisit.id).where(FollowUpVisit.submission_id == sub.id)),
        risk_id=session.scalar(select(RiskItem.id).where(RiskItem.submission_id == sub.id)),
    )


class _Values:
    """Mapped answers of one scope (the form, or one repeat item over the form), typed per target."""

    def __init__(self, spec: FormSpec, values: Mapping[str, object], language: str,
                 units: Mapping[str, int], problems: list, item: tuple[Field, int] | None = None) -> None:
        self.spec, self.values, self.language, self.units, self.problems = spec, values, language, units, problems
        self.item = item
        self.by_target = spec.targets

    def field(self, target: str) -> Field | None:
        return self.by_target.get(target)

    def fail(self, f: Field, code: str, **params) -> None:
        lang = "zh" if self.language.startswith("zh") else "en"
        text = message(code, lang, label=f.label(self.language), **params)
        if self.item is not None:
            text = message("form.repeat_item", lang, repeat=self.item[0].label(self.language),
                           index=self.item[1] + 1, detail=text)
        entry = (f.name, self.item[1] if self.item else None, text)
        if entry not in self.problems:
            self.problems.append(entry)

    def get(self, target: str, default: object = None) -> object:
        f = self.field(target)
        if f is None or f.name not in self.values or is_empty(self.values[f.name]):
            return default
        v = self.values[f.name]
        t = TARGETS[target]
        try:
            if t.kind == "int":
                return int(v) if not isinstance(v, str) else int(v.strip())
            if t.kind == "date":
                return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
            if t.kind == "bool":
                return to_string(v).strip().lower() in TRUE_VALUES
            if t.kind == "list":
                return list(v) if isinstance(v, list) else [x for x in re.split(r"[\s,，、;；]+", str(v)) if x]
        except ValueError:
            self.fail(f, "form.record_invalid", detail=f"「{to_string(v)}」不能作为{t.label}")
            return default
        s = to_string(v).strip()
        if t.max_length and len(s) > t.max_length:
            self.fail(f, "form.too_long", n=len(s), limit=t.max_length)
            return default
        if t.kind == "choice" and s not in vocab.terms(t.vocab):
            self.fail(f, "form.record_invalid", detail=f"「{s}」不是有效的{t.label}")
            return default
        if t.kind == "unit":
            if s not in self.units:
                self.fail(f, "form.record_invalid", detail=f"找不到单位「{s}」，请从单位列表中选择")
                return default
            return self.units[s]
        return s


def submit(session: Session, spec: FormSpec, answers: Mapping[str, object], instance_id: str,
           today: dt.date | None = None, *, language: str = DEFAULT_LANGUAGE) -> Receipt:
    """Check ``answers`` and write them with their records, once per ``instance_id``.

    Raises FormAnswersError (a ValidationError naming each problem) and writes nothing when the
    answers are not acceptable."""
    today = today or dt.date.today()
    if not isinstance(instance_id, str) or not _INSTANCE.match(instance_id):
        raise ValidationError("form.bad_instance", value=str(instance_id)[:70])
    first = existing_receipt(session, instance_id)
    if first is not None:
        return first
    if not isinstance(answers, Mapping):
        raise FormAnswersError([("", None, message("form.bad_type", label="答卷", expected="题目与答案的对照表",
                                                   value=type(answers).__name__))])
    spec = with_choices(spec, session)  # a plan chosen from the ledger must be in it now
    ev = evaluate_form(spec, answers, today=today, language=language, strict=True)
    if ev.errors:
        raise FormAnswersError(ev.problems)

    units = dict(session.execute(select(OrgUnit.name, OrgUnit.id)).all())
    problems: list = []
    top = _Values(spec, ev.values, language, units, problems)
    plan = None
    if spec.record == "visit":
        plan_id = top.get("visit.plan")
        plan = session.get(FollowUpPlan, plan_id) if plan_id is not None else None
        if plan is None and plan_id is not None:
            top.fail(top.field("visit.plan"), "form.record_invalid", detail=f"一人一策编号 {plan_id} 不存在，请核对")
    prepared = _prepare(spec, ev.values, top, units, problems, language, today)
    for target, f in spec.targets.items():  # check every mapped value before anything is written
        if f.repeat is None:
            top.get(target)
    if problems:
        raise FormAnswersError(problems)

    # identity goes to the vault only (through register_cases), never into the stored answers
    stored = {k: v for k, v in ev.values.items() if not _is_identity(spec, k)}
    version_id = form_version(session, spec)
    sub_id = _one_row_insert(session, Submission.__table__, {
        "instance_id": instance_id, "form_version_id": version_id, "answers": stored, "submitted_on": today,
        "unit_id": top.get("submission.unit")}, ["instance_id"])
    if sub_id is None:  # a concurrent request with the same instanceID won the race
        return existing_receipt(session, instance_id)
    try:
        return _write(session, spec, prepared, top, plan, sub_id, instance_id, today)
    except ValidationError as exc:
        raise FormAnswersError([("", None, exc.zh)]) from exc


def _is_identity(spec: FormSpec, name: str) -> bool:
    try:
        f = spec[name]
    except KeyError:
        return False
    return bool(f.target and f.target.startswith("identity."))


def _case_rows(spec: FormSpec, values: Mapping[str, object], top: _Values, units, problems, language,
               today: dt.date):
    """One NewCase per demand: the form's, or one per item of the repeat holding case.text."""
    text_field = spec.targets["case.text"]
    if text_field.repeat is None:
        scopes = [top]
    else:
        rep = spec[text_field.repeat]
        scopes = [_Values(spec, {**values, **item}, language, units, problems, (rep, i))
                  for i, item in enumerate(values.get(rep.name) or [])]
    rows = []
    for v in scopes:
        identity = {k: v.get(f"identity.{k}") for k in ("name", "staff_no", "phone")}
        rows.append((NewCase(
            text=v.get("case.text", ""), received_on=v.get("case.received_on") or top.get("activity.held_on")
            or top.get("case.received_on") or today,
            channel=v.get("case.channel"), intake_mode=v.get("case.intake_mode"), unit=v.get("case.unit"),
            nature=v.get("case.nature", "申诉求决"), category=v.get("case.category"), people_count=v.get("case.people_count", 1),
            is_group=v.get("case.is_group", False), escalated=v.get("case.escalated", False),
            identity=identity if any(identity.values()) else None,
        ), v))
    return rows


def _prepare(spec, values, top, units, problems, language, today: dt.date):
    if spec.record in {"case", "activity+cases"}:
        return _case_rows(spec, values, top, units, problems, language, today)
    return []


def _write(session: Session, spec: FormSpec, cases, top: _Values, plan, sub_id: int, instance_id: str,
           today: dt.date) -> Receipt:
    receipt: dict = {}
    activity_id = None
    if spec.record in {"activity", "activity+cases"}:
        a = Activity(kind=top.get("activity.kind"), held_on=top.get("activity.held_on", today),
                     unit_id=top.get("activity.unit"), host=top.get("activity.host"),
                     title=top.get("activity.title"), topics=top.get("activity.topics", []),
                     participants=top.get("activity.participants", 0), sessions=top.get("activity.sessions", 1),
                     audience=top.get("activity.audience", "职工"), minutes=top.get("activity.minutes"),
                     submission_id=sub_id)
        session.add(a)
        session.flush()
        activity_id = receipt["activity_id"] = a.id
    if cases:
        for row, _ in cases:
            row.submission_id = sub_id
            row.source_activity_id = activity_id
        issued = register_cases(session, [row for row, _ in cases])
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for reg, (row, v) in zip(issued, cases, strict=True):
            if v.get("case.answered_on_spot"):
                session.add(CaseEvent(case_id=reg.case_id, kind="答复", happened_on=row.received_on,
                                      note=v.get("case.reply") or "现场答复", details={"on_spot": True},
                                      created_at=now))
            if v.get("case.followup_by"):
                session.add(CaseEvent(case_id=reg.case_id, kind="交办", happened_on=row.received_on,
                                      note=f"跟进责任人：{v.get('case.followup_by')}",
                                      details={"followup_by": v.get("case.followup_by")}, created_at=now))
        receipt["cases"] = tuple(IssuedCase(r.case_no, r.query_code) for r in issued)
    if spec.record == "visit":
        visit = FollowUpVisit(plan_id=plan.id, visited_on=top.get("visit.visited_on", today),
                              visitor=top.get("visit.visitor"), mood=top.get("visit.mood"),
                              notes=top.get("visit.notes"), next_on=top.get("visit.next_on"), submission_id=sub_id)
        session.add(visit)
        if top.get("plan.status"):
            plan.status = top.get("plan.status")
        session.flush()
        receipt["visit_id"] = visit.id
    if spec.record == "risk":
        risk = RiskItem(unit_id=top.get("risk.unit"), issue=top.get("risk.issue"),
                        people_count=top.get("risk.people_count", 1), level=top.get("risk.level", "一般"),
                        measures=top.get("risk.measures"), owner=top.get("risk.owner"),
                        deadline=top.get("risk.deadline"), status=top.get("risk.status", "在控"),
                        source=top.get("risk.source", "排查"), found_on=top.get("risk.found_on", today),
                        submission_id=sub_id)
        session.add(risk)
        session.flush()
        receipt["risk_id"] = risk.id
    if top.problems:
        raise FormAnswersError(top.problems)
    return Receipt(instance_id=instance_id, submission_id=sub_id, form_key=spec.key, version=spec.version,
                   submitted_on=today, **receipt)
