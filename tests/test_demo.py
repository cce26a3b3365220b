"""The demo mine: deterministic, realistic, covering every topic and lifecycle state."""

import re

import sqlalchemy as sa

from xinfang import demo_text
from xinfang.storage import db
from xinfang.storage.models import Activity, Case, CaseEvent, OrgUnit, PiiVault, Submission

from .conftest import ANCHOR

PINYIN = re.compile(r"[\u4e00-\u9fff]\([a-zü]+\)")


def _texts(url):
    eng = db.make_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(sa.select(Case.text, Case.intake_mode, Case.status, Case.due_on, Case.id)
                            .order_by(Case.id)).all()
    eng.dispose()
    return rows


def test_demo_has_a_realistic_mine(demo_db):
    eng = db.make_engine(demo_db)
    with eng.connect() as conn:
        kinds = dict(conn.execute(sa.select(OrgUnit.kind, sa.func.count()).group_by(OrgUnit.kind)).all())
        acts = dict(conn.execute(sa.select(Activity.kind, sa.func.count()).group_by(Activity.kind)).all())
        n_sub = conn.scalar(sa.select(sa.func.count()).select_from(Submission))
        n_vault = conn.scalar(sa.select(sa.func.count()).select_from(PiiVault).where(PiiVault.case_id.is_not(None)))
        anon_in_vault = conn.scalar(sa.select(sa.func.count()).select_from(PiiVault).join(Case)
                                    .where(Case.intake_mode == "匿名"))
        late = conn.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.due_on < ANCHOR)
                           .where(Case.status.in_(["已受理", "办理中"])))
        kinds_of_events = {k for (k,) in conn.execute(sa.select(CaseEvent.kind).distinct())}
    eng.dispose()
    assert kinds["党支部"] == 5 and kinds["区队"] >= 9
    assert {"下访座谈", "牢骚会", "政策宣讲", "培训", "问卷发放"} <= set(acts)
    assert n_sub > 500
    assert n_vault > 500 and anon_in_vault == 0
    assert late > 0, "some cases must be overdue"
    assert {"登记", "受理", "不予受理", "告知", "交办", "答复", "回访", "办结"} <= kinds_of_events


def test_demo_texts_vary_and_cover_scripts(demo_db):
    rows = _texts(demo_db)
    texts = [r.text for r in rows]
    assert len(texts) == 1200
    assert len(set(texts)) > 900, "remarks should rarely repeat"
    import opencc

    t2s = opencc.OpenCC("t2s")
    traditional = [t for t in texts if t2s.convert(t) != t]
    assert 60 < len(traditional) < 300
    assert sum(bool(PINYIN.search(t)) for t in texts) >= 10
    assert {"实名", "保密", "匿名"} == {r.intake_mode for r in rows}


def test_every_topic_appears_in_demo_corpus_and_cases():
    corpus = demo_text.corpus()
    assert sorted(corpus["topics"]) == [f"C{i:02d}" for i in range(1, 15)]
    import random

    rng = random.Random(1)
    kinds = {demo_text.compose(rng, f"C{1 + i % 14:02d}", "更新队").kind for i in range(500)}
    assert kinds == set(demo_text.KIND_WEIGHTS)


def test_same_seed_same_data(tmp_path):
    from xinfang import demo

    outs = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        eng = db.make_engine(url)
        db.upgrade(eng)
        with db.session(eng) as s:
            demo.build_demo(s, cases=200, seed=11, anchor=ANCHOR)
        eng.dispose()
        outs.append([(r.text, r.status, r.due_on) for r in _texts(url)])
    assert outs[0] == outs[1]


def test_demo_case_histories_run_in_date_order(demo_db):
    """A case page lists the steps as entered; the demo entered 办结 before a 回访 dated after it (seen on
    XF2026-0000218: 答复 04-24, 回访 05-02, 办结 04-26) and granted extensions after the reply."""
    eng = db.make_engine(demo_db)
    with eng.connect() as conn:
        rows = conn.execute(sa.select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.happened_on)
                            .order_by(CaseEvent.case_id, CaseEvent.id)).all()
    eng.dispose()
    by_case: dict[int, list] = {}
    for case_id, kind, day in rows:
        by_case.setdefault(case_id, []).append((kind, day))
    unordered = [c for c, steps in by_case.items() if [d for _, d in steps] != sorted(d for _, d in steps)]
    assert unordered == []
    late_extensions = [c for c, steps in by_case.items()
                       if any(k == "延期" and any(k2 == "答复" and d2 < d for k2, d2 in steps) for k, d in steps)]
    assert late_extensions == []
    assert any(k == "延期" for steps in by_case.values() for k, _ in steps)
