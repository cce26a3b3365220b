"""Case handling for office staff: plain functions the office pages and the CLI call.

Each function opens one transaction (xinfang.storage.db.session); a refused action writes nothing.
Lists and details are plain dicts, ready to show; the office pages add no SQL of their own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from xinfang import documents, lifecycle, vocab
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, OrgUnit

LIST_LIMIT = 200


def units() -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(OrgUnit.name).where(OrgUnit.kind.not_in(["党支部", "矿"])).order_by(OrgUnit.id)))


def staff_names() -> list[str]:
    """Names of office staff who handle cases (经办人)."""
    from xinfang.storage.models import User

    with db.session() as s:
        return list(s.scalars(select(User.display_name).where(User.role.in_(["信访干部", "主任"]), User.active)
                              .order_by(User.id)))


def list_cases(*, status: str | None = None, unit: str | None = None, due: str | None = None,
               search: str | None = None, today: dt.date | None = None, limit: int = LIST_LIMIT) -> tuple[list[dict], int]:
    """Cases matching the filters, and how many match in all: the open cases first, the nearest deadline
    first (办理期限, or the 告知 deadline while the 告知 is not given), then the closed cases, latest first.
    ``due``: 'overdue' (open and past the deadline), 'soon' (open, deadline within 7 days) or 'notice'
    (open and not yet given its written 告知). An open case without its 告知 carries ``notice_due``
    (the last day for it, holidays counted) and ``notice_left`` (days until then; negative when late)."""
    today = today or dt.date.today()
    open_statuses = vocab.terms("open_statuses")
    q = select(Case.id, Case.case_no, Case.received_on, Case.status, Case.due_on, Case.channel, Case.intake_mode,
               Case.text, OrgUnit.name.label("unit")).outerjoin(OrgUnit, OrgUnit.id == Case.unit_id)
    if status:
        q = q.where(Case.status == status)
    if unit:
        q = q.where(OrgUnit.name == unit)
    if due == "overdue":
        q = q.where(Case.status.in_(open_statuses), Case.due_on < today)
    elif due == "soon":
        q = q.where(Case.status.in_(open_statuses), Case.due_on >= today, Case.due_on <= today + dt.timedelta(days=7))
    notified = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.kind == "告知").exists()
    if due == "notice":
        q = q.where(Case.status.in_(open_statuses), ~notified)
    if search:
        q = q.where(Case.text.contains(search) | (Case.case_no == search.strip()))
    is_open = Case.status.in_(open_statuses)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        # the open cases are the office's work in hand (a few thousand at most): ordered here, because the
        # 告知 deadline counts holidays (xinfang.deadlines), which SQL cannot
        rows = [dict(r) for r in s.execute(q.add_columns(notified.label("notified")).where(is_open)).mappings()]
        rows.sort(key=lambda r: (_first_deadline(r), -r["id"]))
        rows = rows[:limit]
        if len(rows) < limit:
            closed = q.where(~is_open).order_by(Case.received_on.desc(), Case.id.desc()).limit(limit - len(rows))
            rows += [dict(r) for r in s.execute(closed).mappings()]
    for item in rows:
        still_open = item["status"] in open_statuses
        item["days_left"] = (item["due_on"] - today).days if item["due_on"] and still_open else None
        pending = still_open and not item.pop("notified", True)
        item["notice_due"] = lifecycle.notice_due_on(item["received_on"]) if pending else None
        item["notice_left"] = (item["notice_due"] - today).days if pending else None
    return rows, int(total or 0)


def _first_deadline(row: dict) -> dt.date:
    """The deadline an open case meets next: its 办理期限, or the 告知 deadline when that comes first and the
    告知 is not given; a case not yet accepted has no 办理期限, and its 告知 deadline stands for it."""
    notice = lifecycle.notice_due_on(row["received_on"])
    if row["due_on"] is None:
        return notice
    return row["due_on"] if row["notified"] else min(row["due_on"], notice)


def case_detail(case_id: int, today: dt.date | None = None) -> dict:
    """A case with its timeline and the actions allowed next (no identity: see vault.read_identity)."""
    today = today or dt.date.today()
    with db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise ValidationError("case.not_found", case=case_id)
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
        unit = s.get(OrgUnit, case.unit_id).name if case.unit_id else None
        notified = any(e.kind == "告知" for e in events)
        return {
            "id": case.id, "case_no": case.case_no, "received_on": case.received_on, "channel": case.channel,
            "intake_mode": case.intake_mode, "unit": unit, "nature": case.nature, "text": case.text,
            "category": case.category, "status": case.status, "accepted_on": case.accepted_on, "due_on": case.due_on,
            "closed_on": case.closed_on, "outcome": case.outcome, "satisfaction": case.satisfaction,
            "is_group": case.is_group, "people_count": case.people_count,
            "notice_due": None if notified else lifecycle.notice_due(case),
            "group_visit": lifecycle.group_visit_rule(case),
            "overdue": bool(case.due_on and case.due_on < today and case.status in vocab.terms("open_statuses")),
            "events": [{"kind": e.kind, "happened_on": e.happened_on, "actor": e.actor, "note": e.note,
                        "details": dict(e.details or {})} for e in events],
            "allowed": lifecycle.allowed_actions(case, events),
            "reject_reason": next((e.details.get("reason") for e in events if e.kind == "不予受理"), None),
        }


def act(case_id: int, action: str, *, on: dt.date, actor: str, note: str | None = None, **details) -> dict:
    """Apply one lifecycle action and return the case as it is now."""
    with db.session() as s:
        lifecycle.apply(s, case_id, action, on=on, actor=actor, note=note, **details)
    return case_detail(case_id)


def action_needs(action: str) -> list[str]:
    """The details an action requires (keys of lifecycle.DETAIL_LABELS)."""
    return list(lifecycle.rules()["actions"][action].get("needs", []))


def action_choices(action: str, detail: str) -> list[str] | None:
    rule = lifecycle.rules()["actions"][action]
    if detail == "outcome":
        return list(rule.get("outcomes", []))
    if detail == "satisfaction":
        return vocab.terms("satisfaction")
    return None


def letter(case_id: int, kind: str, *, actor: str, today: dt.date | None = None) -> documents.Letter:
    """Draft the 告知书 ('notice') or the latest 处理意见书 ('decision'). Addressing a named petitioner
    reads the vault, which is audit-logged."""
    from xinfang import vault

    today = today or dt.date.today()
    case = case_detail(case_id, today)
    name = None
    if case["intake_mode"] != "匿名":
        with db.session() as s:
            ident = vault.read_identity(s, case_id, actor=actor, reason=f"起草{'告知书' if kind == 'notice' else '处理意见书'}")
            name = ident.name if ident else None
    if kind == "notice":
        return documents.notice_letter(case, name, today)
    replies = [e for e in case["events"] if e["kind"] == "答复"]
    if not replies:
        raise ValidationError("case.no_reply_yet", case_no=case["case_no"])
    return documents.decision_letter(case, replies[-1], name)
