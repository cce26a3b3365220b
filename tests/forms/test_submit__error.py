"""Refusals at submit: each names the question; nothing is written."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from xinfang.errors import FormAnswersError, FormDefinitionError, ValidationError, message
from xinfang.forms import new_instance_id, submit
from xinfang.forms.engine import MAX_TEXT
from xinfang.storage import db
from xinfang.storage.models import Activity, Case, FollowUpVisit, Submission

from .test_submit_case__ok import CHOICES, DEMAND, SURVEY
from .util import form

TODAY = dt.date(2026, 11, 20)

ACTIVITY = form("""
| survey |
|        | type            | name | label  | calculation | xf_field         |
|        | date            | day  | 日期   |             | activity.held_on |
|        | select_one unit | team | 队组   |             | activity.unit    |
|        | text            | host | 主持人 |             | activity.host    |
|        | calculate       | kind |        | '下访座谈'  | activity.kind    |
""", """
| choices |
|         | list_name | name     | label    |
|         | unit      | 更新队   | 更新队   |
|         | unit      | 七号井   | 七号井   |
""", record="activity", form_id="talk")


def nothing_written(eng):
    with db.session(eng) as s:
        return all(s.scalar(select(func.count()).select_from(m)) == 0 for m in (Submission, Case, Activity,
                                                                               FollowUpVisit))


def refused(eng, spec, answers):
    with pytest.raises(FormAnswersError) as info:
        with db.session(eng) as s:
            submit(s, spec, answers, new_instance_id(), today=TODAY)
    assert nothing_written(eng)
    return info.value


def test_unit_missing_from_the_database__error(mine):
    exc = refused(mine, ACTIVITY, {"day": "2026-11-01", "team": "七号井"})
    assert exc.problems == [("team", None, message("form.record_invalid", label="队组",
                                                   detail="找不到单位「七号井」，请从单位列表中选择"))]


def test_text_too_long_for_its_column__error(mine):
    exc = refused(mine, ACTIVITY, {"day": "2026-11-01", "host": "主" * 61})
    assert exc.problems == [("host", None, message("form.too_long", label="主持人", n=61, limit=60))]


def test_ten_thousand_characters__error(mine):
    exc = refused(mine, DEMAND, {"mode": "匿名", "content": "长" * 10_000})
    assert exc.problems == [("content", None, message("form.too_long", label="反映内容", n=10_000,
                                                      limit=MAX_TEXT))]


def test_future_date_refused_by_register_cases__error(mine):
    future = dt.date.today() + dt.timedelta(days=3)
    spec = form(SURVEY.replace("|        | calculate       | channel |", "|        | date            | when    | 日期     |          |                   |             | case.received_on |\n|        | calculate       | channel |"), CHOICES, record="case")
    exc = refused(mine, spec, {"mode": "匿名", "content": "内容", "when": future.isoformat()})
    assert "登记日期" in str(exc) and "不能晚于今天" in str(exc)


def test_unknown_plan__error(mine):
    visit = form("""
    | survey |
    |        | type    | name | label        | xf_field   |
    |        | integer | plan | 一人一策编号 | visit.plan |
    """, record="visit")
    exc = refused(mine, visit, {"plan": 9999})
    assert exc.problems == [("plan", None, message("form.record_invalid", label="一人一策编号",
                                                   detail="一人一策编号 9999 不存在，请核对"))]


def test_changed_form_with_the_same_version__error(mine):
    with db.session(mine) as s:
        submit(s, DEMAND, {"mode": "匿名", "content": "甲"}, new_instance_id(), today=TODAY)
    changed = form(SURVEY.replace("反映内容", "您的诉求"), CHOICES, record="case", form_id="demand")
    with pytest.raises(FormDefinitionError) as info:
        with db.session(mine) as s:
            submit(s, changed, {"mode": "匿名", "content": "乙"}, new_instance_id(), today=TODAY)
    assert str(info.value) == message("form.version_unchanged", file="test.md", row=2, column="version",
                                      version="1", suggest="2")


@pytest.mark.parametrize("iid", ["", "short", "uuid:" + "x" * 100, "uuid:1234567890'; --", None])
def test_bad_instance_id__error(mine, iid):
    with pytest.raises(ValidationError) as info:
        with db.session(mine) as s:
            submit(s, DEMAND, {"mode": "匿名", "content": "甲"}, iid, today=TODAY)
    assert info.value.code == "form.bad_instance"
