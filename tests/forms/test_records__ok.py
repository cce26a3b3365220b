"""Which question feeds which field is declared in the form; each record kind writes its rows."""

import datetime as dt

from sqlalchemy import func, select

from xinfang.forms import new_instance_id, submit
from xinfang.storage import db
from xinfang.storage.models import (
    Activity,
    Case,
    CaseEvent,
    FollowUpPlan,
    FollowUpVisit,
    RiskItem,
    Submission,
)

from .util import form

TODAY = dt.date(2026, 11, 20)

MEETING = form("""
| survey |
|        | type             | name     | label        | relevant        | calculation  | xf_field              |
|        | date             | day      | 日期         |                 |              | activity.held_on      |
|        | select_one unit  | team     | 队组         |                 |              | activity.unit         |
|        | integer          | people   | 参加人数     |                 |              | activity.participants |
|        | calculate        | kind     |              |                 | '牢骚会'     | activity.kind         |
|        | calculate        | channel  |              |                 | '下访收集'   | case.channel          |
|        | calculate        | mode     |              |                 | '匿名'       | case.intake_mode      |
|        | begin_repeat     | demands  | 诉求         |                 |              |                       |
|        | text             | text     | 诉求内容     |                 |              | case.text             |
|        | select_one yn    | on_spot  | 是否现场答复 |                 |              | case.answered_on_spot |
|        | text             | follower | 跟进人       | ${on_spot} = 'no' |            | case.followup_by      |
|        | end_repeat       |          |              |                 |              |                       |
""", """
| choices |
|         | list_name | name   | label  |
|         | unit      | 更新队 | 更新队 |
|         | yn        | yes    | 是     |
|         | yn        | no     | 否     |
""", record="activity+cases", form_id="meeting")


def test_meeting_writes_an_activity_and_a_case_per_demand__ok(mine):
    answers = {"day": "2026-11-18", "team": "更新队", "people": 64, "demands": [
        {"text": "精益奖金分配差距大", "on_spot": "no", "follower": "李干事"},
        {"text": "劳保用品发放不及时", "on_spot": "yes", "follower": "被跳过的"},
    ]}
    with db.session(mine) as s:
        r = submit(s, MEETING, answers, new_instance_id(), today=TODAY)
    assert len(r.cases) == 2 and r.activity_id is not None and "登记诉求 2 件" in r.text
    with db.session(mine) as s:
        a = s.get(Activity, r.activity_id)
        assert (a.kind, a.held_on, a.participants) == ("牢骚会", dt.date(2026, 11, 18), 64)
        assert a.unit_id is not None and a.submission_id == r.submission_id
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert [c.text for c in cases] == ["精益奖金分配差距大", "劳保用品发放不及时"]
        assert {(c.channel, c.intake_mode, c.source_activity_id, c.received_on) for c in cases} == {
            ("下访收集", "匿名", a.id, dt.date(2026, 11, 18))}
        events = {(e.case_id, e.kind, e.note) for e in s.scalars(select(CaseEvent)) if e.kind != "登记"}
        assert events == {(cases[0].id, "交办", "跟进责任人：李干事"), (cases[1].id, "答复", "现场答复")}


def test_lecture_writes_an_activity_with_sessions__ok(mine):
    lecture = form("""
    | survey |
    |        | type              | name     | label    | xf_field              |
    |        | select_one kind   | kind     | 类型     | activity.kind         |
    |        | date              | day      | 日期     | activity.held_on      |
    |        | text              | title    | 主题     | activity.title        |
    |        | integer           | sessions | 场次     | activity.sessions     |
    |        | integer           | people   | 人次     | activity.participants |
    |        | select_one aud    | audience | 对象     | activity.audience     |
    """, """
    | choices |
    |         | list_name | name     | label    |
    |         | kind      | 政策宣讲 | 政策宣讲 |
    |         | kind      | 培训     | 培训     |
    |         | aud       | 职工     | 职工     |
    |         | aud       | 调解员   | 调解员   |
    """, record="activity", form_id="lecture")
    with db.session(mine) as s:
        r = submit(s, lecture, {"kind": "培训", "day": "2026-11-02", "title": "调解员矛盾化解培训",
                                "sessions": 2, "people": 46, "audience": "调解员"}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        a = s.get(Activity, r.activity_id)
        assert (a.kind, a.title, a.sessions, a.participants, a.audience) == ("培训", "调解员矛盾化解培训", 2, 46,
                                                                             "调解员")


def test_followup_writes_a_visit_and_updates_the_plan__ok(mine):
    visit = form("""
    | survey |
    |        | type          | name  | label        | xf_field        |
    |        | integer       | plan  | 一人一策编号 | visit.plan      |
    |        | date          | day   | 回访日期     | visit.visited_on |
    |        | select_one md | mood  | 思想情绪     | visit.mood      |
    |        | text          | notes | 回访情况     | visit.notes     |
    |        | select_one ps | state | 状态         | plan.status     |
    """, """
    | choices |
    |         | list_name | name   | label  |
    |         | md        | 稳定   | 稳定   |
    |         | md        | 好转   | 好转   |
    |         | ps        | 跟进中 | 跟进中 |
    |         | ps        | 已稳定 | 已稳定 |
    """, record="visit", form_id="visit")
    with db.session(mine) as s:
        r = submit(s, visit, {"plan": mine.plan_id, "day": "2026-11-19", "mood": "好转", "notes": "待遇已落实",
                              "state": "已稳定"}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        v = s.get(FollowUpVisit, r.visit_id)
        assert (v.plan_id, v.visited_on, v.mood, v.notes) == (mine.plan_id, dt.date(2026, 11, 19), "好转", "待遇已落实")
        assert s.get(FollowUpPlan, mine.plan_id).status == "已稳定"


def test_risk_item_with_defaults__ok(mine):
    risk = form("""
    | survey |
    |        | type           | name   | label    | xf_field          |
    |        | select_one u   | unit   | 单位     | risk.unit         |
    |        | text           | issue  | 不稳定因素 | risk.issue      |
    |        | select_one lvl | level  | 等级     | risk.level        |
    |        | integer        | people | 涉及人数 | risk.people_count |
    """, """
    | choices |
    |         | list_name | name     | label    |
    |         | u         | 综采一队 | 综采一队 |
    |         | lvl       | 一般     | 一般     |
    |         | lvl       | 较大     | 较大     |
    """, record="risk", form_id="risk")
    with db.session(mine) as s:
        r = submit(s, risk, {"unit": "综采一队", "issue": "工作面接续紧张，班组加班多", "level": "较大", "people": 12},
                   new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        item = s.get(RiskItem, r.risk_id)
        assert (item.issue, item.level, item.people_count, item.status, item.found_on, item.source) == (
            "工作面接续紧张，班组加班多", "较大", 12, "在控", TODAY, "排查")


def test_questionnaire_writes_the_submission_only__ok(mine):
    quiz = form("""
    | survey |
    |        | type          | name | label | xf_field        |
    |        | select_one u  | unit | 单位  | submission.unit |
    |        | select_one l5 | pay  | 工资  |                 |
    """, """
    | choices |
    |         | list_name | name   | label  |
    |         | u         | 机电队 | 机电队 |
    |         | l5        | 1      | 很不满意 |
    |         | l5        | 5      | 很满意 |
    """, settings_extra={"xf_anonymous": "yes"}, form_id="quiz")
    with db.session(mine) as s:
        submit(s, quiz, {"unit": "机电队", "pay": "5"}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        sub = s.scalar(select(Submission))
        assert sub.answers == {"unit": "机电队", "pay": 5}  # a numeric scale is stored as a number
        assert sub.unit_id is not None and sub.submitted_on == TODAY
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(Activity)) == 0


def test_calculations_are_recomputed_not_taken_from_the_client__ok(mine):
    answers = {"day": "2026-11-18", "kind": "政策宣讲", "channel": "来访",
               "demands": [{"text": "班车时间不合适", "on_spot": "yes"}]}
    with db.session(mine) as s:
        r = submit(s, MEETING, answers, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        assert s.get(Activity, r.activity_id).kind == "牢骚会"
        assert s.scalar(select(Case.channel)) == "下访收集"
