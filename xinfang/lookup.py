"""查询码 lookups: a petitioner, even an anonymous one, checks the progress of their own case.

The view shows status, dates and the reply — never identity, internal notes or other cases. Codes are
~59 bits of randomness (xinfang.cases), so guessing fails; on top of that failed lookups are counted
per minute for the whole server (no address, no code stored) and, past a limit, every lookup waits
until the minute is over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinfang.cases import hash_query_code, normalize_query_code
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, LookupThrottle

MAX_FAILURES_PER_MINUTE = 30
# What a petitioner sees of the timeline; other steps (交办, 调查 …) are internal.
PUBLIC_STEPS = {"登记": "已登记", "受理": "已受理", "不予受理": "不予受理", "告知": "已书面告知", "转送": "已转送有权处理单位",
                "延期": "办理期限延长", "答复": "已出具处理意见", "回访": "已回访", "办结": "已办结",
                "复查": "复查中", "复核": "复核中", "重开": "重新办理"}
PUBLIC_DETAILS = {"不予受理": "reason", "延期": "reason", "答复": "outcome", "转送": "to_whom"}


@dataclass(frozen=True)
class Step:
    day: dt.date
    label: str
    detail: str | None


@dataclass(frozen=True)
class Progress:
    case_no: str
    received_on: dt.date
    status: str
    due_on: dt.date | None
    outcome: str | None
    reply: str | None
    steps: tuple[Step, ...]


def _minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0, tzinfo=None)


def throttled(session: Session, now: dt.datetime) -> bool:
    failures = session.scalar(select(LookupThrottle.failures).where(LookupThrottle.minute == _minute(now)))
    return (failures or 0) >= MAX_FAILURES_PER_MINUTE


def _count_failure(session: Session, now: dt.datetime) -> None:
    minute = _minute(now)
    done = session.execute(update(LookupThrottle).where(LookupThrottle.minute == minute)
                           .values(failures=LookupThrottle.failures + 1)).rowcount
    if not done:
        try:
            with session.begin_nested():
                session.add(LookupThrottle(minute=minute, failures=1))
        except IntegrityError:  # another lookup created the row meanwhile
            session.execute(update(LookupThrottle).where(LookupThrottle.minute == minute)
                            .values(failures=LookupThrottle.failures + 1))
    # keep the table small: older minutes are of no use
    session.execute(LookupThrottle.__table__.delete().where(LookupThrottle.minute < minute - dt.timedelta(hours=1)))


def check_progress(code: str | None, now: dt.datetime | None = None, eng: Engine | None = None) -> Progress:
    """The public progress of the case with this 查询码, or a ValidationError (malformed or unknown
    code, too many attempts). Runs its own transaction so that a failure is counted even though the
    lookup is refused."""
    now = now or dt.datetime.now()
    cleaned = normalize_query_code(code or "")
    if len(cleaned) != 12:
        raise ValidationError("lookup.bad_code")
    with db.session(eng) as session:
        if throttled(session, now):
            raise ValidationError("lookup.throttled")
        case = session.scalar(select(Case).where(Case.query_code_hash == hash_query_code(cleaned)))
        if case is not None:
            return _progress(session, case)
        _count_failure(session, now)
    raise ValidationError("lookup.not_found")


def _progress(session: Session, case: Case) -> Progress:
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    steps = []
    reply = None
    for e in events:
        if e.kind not in PUBLIC_STEPS:
            continue
        key = PUBLIC_DETAILS.get(e.kind)
        detail = (e.details or {}).get(key) if key else None
        if e.kind == "答复":
            reply = e.note
        steps.append(Step(e.happened_on, PUBLIC_STEPS[e.kind], str(detail) if detail else None))
    return Progress(case.case_no, case.received_on, case.status, case.due_on, case.outcome, reply, tuple(steps))


def failures_this_minute(session: Session, now: dt.datetime) -> int:
    return session.scalar(select(func.coalesce(func.sum(LookupThrottle.failures), 0))
                          .where(LookupThrottle.minute == _minute(now))) or 0
