"""Choice lists the workbook fills from its own database: XLSForm's ``select_one_from_file``.

In ODK and KoboToolbox ``select_one_from_file plans.csv`` takes its choices from a CSV attached to
the form. Here the file name names a list the workbook keeps (the 一人一策 ledger), read when a form
is drawn and again when it is submitted, so a plan opened this morning is a choice this afternoon
and a number that is not in the ledger is refused like any other wrong choice. pyxform records only
the name (``itemset``); nothing in it or in ODK's tools reads a live database, hence this module.

Labels carry no one's name or words: a plan reads 「12号｜综采一队｜跟进中｜责任人：王干事｜上次回访：2026-10-02」
(number, unit, status, officer in charge, last visit), never the person or the concern, because the
form's 填报 users see every choice. No spaces in them: a select shows a space as a no-break space.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from xinfang.forms.spec import Choice, Field, FormSpec


@dataclass(frozen=True)
class Source:
    file: str  # the name written after select_one_from_file
    what: str  # what the list holds, as the form's author reads it in an error or a codebook
    numeric: bool  # choice names are numbers (a form may write them to an integer field)
    columns: tuple[str, ...]  # columns a choice_filter may use besides ``name``
    rows: Callable[[object], list[Choice]]  # session → the choices, in the order shown


STATUS_ORDER = {"跟进中": 0, "已稳定": 1, "已结束": 2}


def _plans(session) -> list[Choice]:
    from sqlalchemy import func, select

    from xinfang.script import TRADITIONAL, to_script
    from xinfang.storage.models import FollowUpPlan, FollowUpVisit, OrgUnit

    last = (select(FollowUpVisit.plan_id, func.max(FollowUpVisit.visited_on).label("last_visit"))
            .group_by(FollowUpVisit.plan_id).subquery())
    q = (select(FollowUpPlan.id, FollowUpPlan.status, FollowUpPlan.owner, OrgUnit.name, last.c.last_visit)
         .outerjoin(OrgUnit, OrgUnit.id == FollowUpPlan.unit_id)
         .outerjoin(last, last.c.plan_id == FollowUpPlan.id))
    rows = sorted(session.execute(q).all(), key=lambda r: (STATUS_ORDER.get(r.status, 9), r.id))
    out = []
    for r in rows:
        unit = r.name or "未定单位"
        zh = [f"{r.id}号", unit, r.status]
        en = [f"No. {r.id}", unit, r.status]
        if r.owner:
            zh.append(f"责任人：{r.owner}")
            en.append(f"officer {r.owner}")
        zh.append(f"上次回访：{r.last_visit.isoformat()}" if r.last_visit else "尚未回访")
        en.append(f"last visit {r.last_visit.isoformat()}" if r.last_visit else "not visited yet")
        simplified = "｜".join(zh)
        out.append(Choice(str(r.id), {"zh-Hans": simplified, "zh-Hant": to_script(simplified, TRADITIONAL),
                                      "en": " | ".join(en)}, 0, {"unit": unit, "status": r.status}))
    return out


SOURCES: dict[str, Source] = {s.file: s for s in (
    Source("yirenyice.csv", "一人一策台账", True, ("unit", "status"), _plans),
)}


def with_choices(spec: FormSpec, session=None) -> FormSpec:
    """``spec`` with the choices of its ``select_*_from_file`` questions read now; ``spec`` itself when it
    has none. Without ``session`` one is opened on the configured database."""
    if not any(f.source for f in spec.walk()):
        return spec
    if session is None:
        from xinfang.storage import db

        with db.session() as s:
            return with_choices(spec, s)
    lists: dict[str, tuple[Choice, ...]] = {}

    def fill(f: Field) -> Field:
        children = tuple(fill(c) for c in f.children)
        if f.source:
            if f.source not in lists:
                lists[f.source] = tuple(SOURCES[f.source].rows(session))
            return dataclasses.replace(f, choices=lists[f.source], children=children)
        return dataclasses.replace(f, children=children) if children != f.children else f

    return dataclasses.replace(spec, fields=tuple(fill(f) for f in spec.fields))
