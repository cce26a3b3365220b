"""KPI formulas (DESIGN.md §5): each figure is defined here once, with its numerator and denominator.

So far: the headline counts shown on both servers' start pages. Later issues add the rates.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinfang import vocab
from xinfang.storage.models import Activity, Case, OrgUnit, Submission

VISIT_KINDS = ("下访座谈", "牢骚会", "定期走访", "重点摸排")


def headline_counts(session: Session, today: dt.date | None = None) -> dict[str, int]:
    """Counts over the whole database: units, visits and person-times, cases, open and overdue cases,
    questionnaire responses. Keys are the Chinese labels users read."""
    today = today or dt.date.today()
    open_statuses = vocab.terms("open_statuses")
    visits, people = session.execute(
        select(func.count(), func.coalesce(func.sum(Activity.participants), 0)).where(Activity.kind.in_(VISIT_KINDS))
    ).one()
    return {
        "基层单位": session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.kind != "党支部")
                               .where(OrgUnit.kind != "矿")) or 0,
        "下访次数": int(visits),
        "参与人次": int(people),
        "诉求数": session.scalar(select(func.count()).select_from(Case)) or 0,
        "在办": session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(open_statuses))) or 0,
        "逾期未办结": session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(open_statuses))
                                .where(Case.due_on < today)) or 0,
        "问卷答卷": session.scalar(select(func.count()).select_from(Submission)) or 0,
    }
