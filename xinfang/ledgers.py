"""The risk ledger (不稳定因素排查台账) and 一人一策 follow-up plans: lists and updates for the office.

New entries come from the forms (不稳定因素排查登记, 一人一策回访记录) or from early warnings; these
functions list them with their deadlines and record progress (a risk item's status, deadline and
measures change only through a progress entry that says what was done, by whom). Names of people in a plan stay
in the vault (xinfang.vault).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from xinfang import vocab
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import FollowUpPlan, FollowUpVisit, OrgUnit, RiskItem, RiskUpdate


def list_risks(*, status: str | None = None, today: dt.date | None = None) -> list[dict]:
    today = today or dt.date.today()
    last = (select(RiskUpdate.risk_id, func.max(RiskUpdate.at).label("last_update"),
                   func.count().label("updates")).group_by(RiskUpdate.risk_id).subquery())
    q = (select(RiskItem, OrgUnit.name, last.c.last_update, last.c.updates)
         .outerjoin(OrgUnit, OrgUnit.id == RiskItem.unit_id).outerjoin(last, last.c.risk_id == RiskItem.id)
         .order_by(RiskItem.status, RiskItem.deadline.is_(None), RiskItem.deadline, RiskItem.id))
    if status:
        q = q.where(RiskItem.status == status)
    with db.session() as s:
        return [{"id": r.id, "unit": unit, "issue": r.issue, "people_count": r.people_count, "level": r.level,
                 "measures": r.measures, "owner": r.owner, "deadline": r.deadline, "status": r.status,
                 "source": r.source, "found_on": r.found_on, "updates": int(n or 0),
                 "last_update": lu.date() if lu else None,
                 "overdue": bool(r.deadline and r.deadline < today and r.status == "在控")}
                for r, unit, lu, n in s.execute(q)]


def update_risk(risk_id: int | None, *, actor: str, note: str, status: str | None = None,
                deadline: dt.date | None = None, measures: str | None = None,
                today: dt.date | None = None) -> dict:
    """Record progress on a ledger item: ``note`` says what was done (required); ``status``,
    ``deadline`` (a new 化解期限, not before today nor the day it was found) and ``measures`` change the
    item where given and different. The entry keeps what changed, so the item's history is whole.
    Returns the changes made (field → new value)."""
    today = today or dt.date.today()
    if risk_id is None:
        raise ValidationError("ledger.choose_risk")
    note = (note or "").strip()
    if not note:
        raise ValidationError("ledger.note_required")
    if status is not None and status not in vocab.terms("risk_statuses"):
        raise ValidationError("case.bad_value", field="台账状态", value=status,
                              problem="应为 " + "、".join(vocab.terms("risk_statuses")) + " 之一",
                              problem_en="expected one of " + ", ".join(vocab.terms("risk_statuses")))
    measures = (measures or "").strip() or None
    with db.session() as s:
        item = s.get(RiskItem, risk_id)
        if item is None:
            raise ValidationError("ledger.risk_not_found", risk=risk_id)
        changed = {k: v for k, v in (("status", status), ("deadline", deadline), ("measures", measures))
                   if v is not None and v != getattr(item, k)}
        if "deadline" in changed:
            for what, ref in (("发现日期", item.found_on), ("今天", today)):
                if deadline < ref:
                    raise ValidationError("ledger.deadline_before", on=deadline.isoformat(), what=what,
                                          ref=ref.isoformat())
        s.add(RiskUpdate(risk_id=risk_id, actor=actor, note=note, **changed))
        for k, v in changed.items():
            setattr(item, k, v)
        return changed


def risk_history(risk_id: int) -> list[dict]:
    """The item's progress entries, oldest first."""
    with db.session() as s:
        return [{"at": u.at, "actor": u.actor, "note": u.note, "status": u.status, "deadline": u.deadline,
                 "measures": u.measures}
                for u in s.scalars(select(RiskUpdate).where(RiskUpdate.risk_id == risk_id)
                                   .order_by(RiskUpdate.at, RiskUpdate.id))]


def list_plans(*, today: dt.date | None = None) -> list[dict]:
    """一人一策 plans with their latest visit; the person is not named here."""
    today = today or dt.date.today()
    last = (select(FollowUpVisit.plan_id, func.max(FollowUpVisit.visited_on).label("last_visit"),
                   func.count().label("visits")).group_by(FollowUpVisit.plan_id).subquery())
    q = (select(FollowUpPlan, OrgUnit.name, last.c.last_visit, last.c.visits)
         .outerjoin(OrgUnit, OrgUnit.id == FollowUpPlan.unit_id)
         .outerjoin(last, last.c.plan_id == FollowUpPlan.id).order_by(FollowUpPlan.status, FollowUpPlan.id))
    with db.session() as s:
        return [{"id": p.id, "unit": unit, "concern": p.concern, "measures": p.measures, "owner": p.owner,
                 "started_on": p.started_on, "status": p.status, "last_visit": lv, "visits": int(n or 0),
                 "visit_due": p.status == "跟进中" and (lv or p.started_on) < today - dt.timedelta(days=30)}
                for p, unit, lv, n in s.execute(q)]


def add_visit(plan_id: int, *, visited_on: dt.date, visitor: str, mood: str, notes: str | None = None,
              next_on: dt.date | None = None) -> None:
    if mood not in vocab.terms("moods"):
        raise ValidationError("case.bad_value", field="情绪状态", value=mood,
                              problem="应为 " + "、".join(vocab.terms("moods")) + " 之一",
                              problem_en="expected one of " + ", ".join(vocab.terms("moods")))
    with db.session() as s:
        plan = s.get(FollowUpPlan, plan_id)
        if plan is None:
            raise ValidationError("ledger.plan_not_found", plan=plan_id)
        if visited_on < plan.started_on or visited_on > dt.date.today():
            raise ValidationError("case.date_before", action="回访", on=visited_on.isoformat(),
                                  what="一人一策开始日期", ref=plan.started_on.isoformat())
        s.add(FollowUpVisit(plan_id=plan_id, visited_on=visited_on, visitor=visitor, mood=mood, notes=notes,
                            next_on=next_on))
