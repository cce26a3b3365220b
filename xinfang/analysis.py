"""Stored text-analysis results per case (DESIGN.md §3, §7).

``refresh`` analyses every case that has no stored result, or whose result was made with an older
taxonomy or lexicon version, and upserts ``case_analysis``. A topic set by staff (``Case.category``)
wins over the automatic one. Forms do not call this (their kernel stays free of pandas): the demo,
the office pages, the dashboards and ``xinfang analyse`` do, and it costs one query when nothing is
stale. Dashboards read the stored results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from xinfang.storage.frames import read_frame
from xinfang.storage.models import Case, CaseAnalysis

BATCH = 20_000


def stale_case_ids(session: Session) -> list[int]:
    from xinfang import text

    versions = text.vocabulary_versions()
    q = (select(Case.id).outerjoin(CaseAnalysis, CaseAnalysis.case_id == Case.id)
         .where(or_(CaseAnalysis.case_id.is_(None),
                    CaseAnalysis.taxonomy_version != versions["taxonomy_version"],
                    CaseAnalysis.lexicon_version != versions["lexicon_version"]))
         .order_by(Case.id))
    return list(session.scalars(q))


def refresh(session: Session, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Analyse cases without a current result; returns how many were (re)analysed."""
    ids = stale_case_ids(session)
    if not ids:
        return 0
    import pandas as pd

    from xinfang import text

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    done = 0
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        rows = session.execute(select(Case.id, Case.text, Case.category).where(Case.id.in_(part))).all()
        frame = pd.DataFrame(rows, columns=["id", "text", "staff_topics"]).set_index("id")
        result = text.analyze(frame, text_column="text")
        params = result.attrs.get("model_params", {})
        session.execute(delete(CaseAnalysis).where(CaseAnalysis.case_id.in_(part)))
        session.connection().execute(insert(CaseAnalysis.__table__), [
            {"case_id": int(cid), "label": r.label, "score": float(r.score), "cues": list(r.cues),
             "topics": list(r.topics), "topic_words": dict(r.topic_words), "keywords": list(r.keywords),
             "decided_by": r.decided_by, "taxonomy_version": r.taxonomy_version, "lexicon_version": r.lexicon_version,
             "model_params": params, "analysed_at": now}
            for cid, r in result.iterrows()])
        done += len(part)
        if progress:
            progress(done, len(ids))
    return done


def analysed_frame(session: Session, *, text: bool = True):
    """Stored results joined with case facts, one row per case (pandas). ``text=False`` leaves out
    the remarks themselves (a dashboard fetches only those it shows: dashboard.cases_behind).

    ``topics`` and ``cues`` are lists. They are read as JSON text and each distinct text decoded once
    (a hundred thousand rows hold a few hundred distinct topic lists): decoding row by row was most
    of the time a dashboard took to load."""
    import json

    import pandas as pd
    from sqlalchemy import Text, cast

    from xinfang.storage.models import OrgUnit

    columns = {"id": Case.id, "received_on": Case.received_on, "text": Case.text, "channel": Case.channel,
               "unit": OrgUnit.name, "branch_id": OrgUnit.branch_id, "label": CaseAnalysis.label,
               "score": CaseAnalysis.score, "topics": cast(CaseAnalysis.topics, Text),
               "cues": cast(CaseAnalysis.cues, Text), "decided_by": CaseAnalysis.decided_by}
    if not text:
        del columns["text"]
    q = (select(*(c.label(name) for name, c in columns.items()))
         .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
         .outerjoin(OrgUnit, OrgUnit.id == Case.unit_id))
    decoded: dict[str, list] = {}  # across parts: each distinct list is one object

    def prepare(frame):
        for col in ("topics", "cues"):
            for raw in frame[col].unique():
                if raw not in decoded:
                    decoded[raw] = json.loads(raw) if raw else []
            frame[col] = frame[col].map(decoded)
        frame["received_on"] = pd.to_datetime(frame["received_on"])
        frame["month"] = frame["received_on"].dt.strftime("%Y-%m")
        for col in ("channel", "unit", "label", "decided_by", "month"):  # one object per distinct value
            frame[col] = frame[col].astype("category").astype(frame[col].dtype)
        return frame

    return read_frame(session, q, prepare=prepare)
