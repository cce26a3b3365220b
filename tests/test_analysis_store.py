"""Analysis results stored per case, recomputed when a vocabulary version changes; staff topics win."""

import datetime as dt

import sqlalchemy as sa

from xinfang import analysis, text
from xinfang.cases import NewCase, register_cases
from xinfang.storage import db
from xinfang.storage.models import CaseAnalysis


def _cases():
    with db.session() as s:
        return [r.case_id for r in register_cases(s, [
            NewCase(text="我觉得队里的精益奖金分配差距比较大", received_on=dt.date(2026, 9, 1), channel="来访", intake_mode="匿名"),
            NewCase(text="信访办的同志态度好，没架子", received_on=dt.date(2026, 9, 1), channel="来访", intake_mode="匿名"),
            NewCase(text="劳保用品发放不及时", received_on=dt.date(2026, 9, 1), channel="来访", intake_mode="匿名",
                    category="C12"),
        ])]


def test_results_are_stored_and_refreshed_only_when_stale(use_db, monkeypatch):
    ids = _cases()
    with db.session() as s:
        assert analysis.refresh(s) == 3
    with db.session() as s:
        rows = {r.case_id: r for r in s.scalars(sa.select(CaseAnalysis))}
        assert analysis.refresh(s) == 0  # nothing stale: nothing redone
    assert (rows[ids[0]].label, rows[ids[0]].topics) == ("负面", ["C01"])
    assert rows[ids[1]].label == "正面"
    assert rows[ids[2]].topics == ["C12"]  # the staff-set topic wins over the automatic C07
    assert rows[ids[0]].cues and rows[ids[0]].taxonomy_version == text.vocabulary_versions()["taxonomy_version"]
    versions = {**text.vocabulary_versions(), "lexicon_version": "next-version"}
    monkeypatch.setattr(text, "vocabulary_versions", lambda: versions)
    with db.session() as s:
        assert analysis.stale_case_ids(s) == sorted(ids)


def test_demo_cases_are_analysed(demo_db):
    eng = db.make_engine(demo_db)
    with db.session(eng) as s:
        assert analysis.stale_case_ids(s) == []
        frame = analysis.analysed_frame(s)
    eng.dispose()
    assert len(frame) >= 1200
    labels = frame["label"].value_counts()
    assert labels["负面"] > labels["正面"] > 0 and labels["中性"] > 0
    topics = {t for ts in frame["topics"] for t in ts}
    assert {f"C{i:02d}" for i in range(1, 15)} <= topics
