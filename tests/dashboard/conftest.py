"""A tiny mine whose figures are worked out by hand in the tests (see ``small_mine``).

Branch 甲支部 covers 一队 and 二队, 乙支部 covers 三队. As of TODAY (2026-11-20), quarter 2026Q4:
- 一队: 6 cases (topic C01 set by staff) received 2026-10-03, channel 来访 (4) and 电话 (2), all accepted
  2026-10-05; 4 closed 2026-10-20 with 支持 and 满意 (due 2026-12-04); 2 still 办理中, due 2026-11-10
  (overdue). Their text contains the marker "一队原文".
- 二队: 3 cases (C07) received 2026-11-02, 登记 only.
- 三队: 2 cases (C01) received 2026-08-10 (Q3).
- Activities in Q4: 一队 下访座谈 (40 people), 二队 牢骚会 (30), mine-level 培训 for 支部书记 (2 sessions,
  50 people); in Q3: 三队 下访座谈 (20).
- Questionnaire in Q4, all six Likert items equal per respondent: 一队 6 respondents [5,4,3,5,4,3],
  二队 3 respondents [1,2,3], 三队 5 respondents [2]*5. Concerns: 一队 r1 收入分配+安全生产, r2–r4 收入分配,
  r5 收入分配+食堂伙食, r6 none; 二队 each 安全生产; 三队 each 收入分配.
"""

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 20)
MARKER = "一队原文"
LIKERT = ("pay", "safety", "canteen", "shift", "management", "ppe")


def _answers(unit, v, concerns):
    return {"unit": unit, **{k: v for k in LIKERT}, "concerns": concerns, "remark": f"{unit}的意见<b>粗</b>"}


@pytest.fixture
def small_mine(use_db):
    from sqlalchemy import update

    from xinfang.cases import NewCase, register_case
    from xinfang.storage import db
    from xinfang.storage.models import Activity, Case, Form, FormVersion, OrgUnit, Submission

    with db.session() as s:
        mine = OrgUnit(name="测试矿", kind="矿", headcount=300)
        s.add(mine)
        s.flush()
        ids = {}
        for branch, units in (("甲支部", ("一队", "二队")), ("乙支部", ("三队",))):
            b = OrgUnit(name=branch, kind="党支部", parent_id=mine.id)
            s.add(b)
            s.flush()
            ids[branch] = b.id
            for u in units:
                o = OrgUnit(name=u, kind="区队", parent_id=mine.id, branch_id=b.id, headcount=80)
                s.add(o)
                s.flush()
                ids[u] = o.id
        made = {"一队": [], "二队": [], "三队": []}
        for i in range(6):
            made["一队"].append(register_case(s, NewCase(
                text=f"{MARKER}{i}：精益奖金分配差距太大，要求公开", received_on=dt.date(2026, 10, 3),
                channel="来访" if i < 4 else "电话", intake_mode="匿名", unit="一队", category="C01")).case_id)
        for i in range(3):
            made["二队"].append(register_case(s, NewCase(
                text=f"二队原文{i}：劳保用品发放不及时", received_on=dt.date(2026, 11, 2), channel="来访",
                intake_mode="匿名", unit="二队", category="C07")).case_id)
        for i in range(2):
            made["三队"].append(register_case(s, NewCase(
                text=f"三队原文{i}：工资拖欠", received_on=dt.date(2026, 8, 10), channel="来信",
                intake_mode="匿名", unit="三队", category="C01")).case_id)
        closed, open_ = made["一队"][:4], made["一队"][4:]
        s.execute(update(Case).where(Case.id.in_(closed)).values(
            status="办结", accepted_on=dt.date(2026, 10, 5), due_on=dt.date(2026, 12, 4),
            closed_on=dt.date(2026, 10, 20), outcome="支持", satisfaction="满意"))
        s.execute(update(Case).where(Case.id.in_(open_)).values(
            status="办理中", accepted_on=dt.date(2026, 10, 5), due_on=dt.date(2026, 11, 10)))
        s.add_all([
            Activity(kind="下访座谈", held_on=dt.date(2026, 10, 10), unit_id=ids["一队"], participants=40),
            Activity(kind="牢骚会", held_on=dt.date(2026, 11, 1), unit_id=ids["二队"], participants=30),
            Activity(kind="培训", held_on=dt.date(2026, 10, 15), unit_id=mine.id, participants=50, sessions=2,
                     audience="支部书记"),
            Activity(kind="下访座谈", held_on=dt.date(2026, 8, 1), unit_id=ids["三队"], participants=20),
        ])
        form = Form(form_key="sixiang_dongtai", title="员工思想动态问卷", anonymous=True)
        s.add(form)
        s.flush()
        version = FormVersion(form_id=form.id, version="t", definition={})
        s.add(version)
        s.flush()
        answers = [_answers("一队", v, c) for v, c in zip(
            [5, 4, 3, 5, 4, 3], [["收入分配", "安全生产"], ["收入分配"], ["收入分配"], ["收入分配"],
                                 ["收入分配", "食堂伙食"], []], strict=True)]
        answers += [_answers("二队", v, ["安全生产"]) for v in (1, 2, 3)]
        answers += [_answers("三队", 2, ["收入分配"]) for _ in range(5)]
        for n, a in enumerate(answers):
            s.add(Submission(instance_id=f"uuid:t-{n}", form_version_id=version.id, unit_id=ids[a["unit"]],
                             answers=a, submitted_on=dt.date(2026, 10, 12)))
    return {"ids": ids, "cases": made}


@pytest.fixture
def no_browser(monkeypatch):
    """fig.show() outside a notebook would open a browser: render to JSON text instead."""
    import plotly.io as pio

    monkeypatch.setattr(pio.renderers, "default", "json")
