"""诉求登记: a submission writes a case through register_cases, identity only to the vault."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from xinfang.cases import hash_query_code
from xinfang.errors import FormAnswersError
from xinfang.forms import new_instance_id, submit
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, Form, FormVersion, PiiVault, Submission

from .util import form

TODAY = dt.date(2026, 11, 20)
SURVEY = """
| survey |
|        | type            | name    | label    | required | relevant          | calculation | xf_field         |
|        | select_one mode | mode    | 反映方式 | yes      |                   |             | case.intake_mode |
|        | text            | name    | 姓名     | yes      | ${mode} != '匿名' |             | identity.name    |
|        | text            | phone   | 电话     |          | ${mode} != '匿名' |             | identity.phone   |
|        | select_one unit | unit    | 涉及单位 |          |                   |             | case.unit        |
|        | text            | content | 反映内容 | yes      |                   |             | case.text        |
|        | integer         | people  | 人数     |          |                   |             | case.people_count |
|        | calculate       | channel |          |          |                   | '网上'      | case.channel     |
"""
CHOICES = """
| choices |
|         | list_name | name     | label    |
|         | mode      | 实名     | 实名     |
|         | mode      | 保密     | 保密     |
|         | mode      | 匿名     | 匿名     |
|         | unit      | 更新队   | 更新队   |
|         | unit      | 机电队   | 机电队   |
"""
DEMAND = form(SURVEY, CHOICES, record="case", form_id="demand")


def count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def test_anonymous_demand_writes_a_case__ok(mine):
    iid = new_instance_id()
    text = "<b>矿靴</b>发放不及时😡'; DROP TABLE petition_case; --"
    with db.session(mine) as s:
        r = submit(s, DEMAND, {"mode": "匿名", "name": "不该保存", "unit": "更新队", "content": text, "people": 3},
                   iid, today=TODAY)
    assert not r.duplicate and len(r.cases) == 1 and r.cases[0].query_code
    assert r.cases[0].query_code in r.text and "只显示这一次" in r.text
    with db.session(mine) as s:
        case = s.scalar(select(Case))
        sub = s.scalar(select(Submission))
        assert case.text == text  # verbatim: escaping is the renderer's job
        assert case.intake_mode == "匿名" and case.channel == "网上" and case.people_count == 3 and case.is_group
        assert case.submission_id == sub.id and case.case_no == r.cases[0].case_no
        assert case.query_code_hash == hash_query_code(r.cases[0].query_code)
        assert sub.instance_id == iid and sub.submitted_on == TODAY
        assert sub.answers == {"mode": "匿名", "unit": "更新队", "content": text, "people": 3, "channel": "网上"}
        assert count(s, PiiVault) == 1  # only the fixture's plan person
        assert [e.kind for e in s.scalars(select(CaseEvent))] == ["登记"]
        form_row = s.scalar(select(Form))
        version = s.scalar(select(FormVersion))
        assert form_row.form_key == "demand" and version.version == "1" and version.definition["id_string"] == "demand"


def test_named_demand_puts_identity_in_the_vault_only__ok(mine):
    with db.session(mine) as s:
        submit(s, DEMAND, {"mode": "保密", "name": "李志强", "phone": "13900001111", "content": "夜班费少算"},
               new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        case = s.scalar(select(Case))
        vault = s.scalar(select(PiiVault).where(PiiVault.case_id == case.id))
        assert (vault.name, vault.phone) == ("李志强", "13900001111")
        answers = s.scalar(select(Submission.answers))
        assert "李志强" not in str(answers) and "13900001111" not in str(answers)
        assert answers == {"mode": "保密", "content": "夜班费少算", "channel": "网上"}


def test_form_version_is_registered_once__ok(mine):
    for _ in range(3):
        with db.session(mine) as s:
            submit(s, DEMAND, {"mode": "匿名", "content": "食堂饭菜偏咸"}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        assert count(s, Form) == 1 and count(s, FormVersion) == 1 and count(s, Submission) == 3
        assert count(s, Case) == 3


def test_a_new_version_keeps_old_submissions_on_theirs__ok(mine):
    with db.session(mine) as s:
        first = submit(s, DEMAND, {"mode": "匿名", "content": "甲"}, new_instance_id(), today=TODAY)
    newer = form(SURVEY, CHOICES, record="case", form_id="demand", version="2")
    with db.session(mine) as s:
        second = submit(s, newer, {"mode": "匿名", "content": "乙"}, new_instance_id(), today=TODAY)
    with db.session(mine) as s:
        versions = dict(s.execute(select(Submission.id, FormVersion.version)
                                  .join(FormVersion, Submission.form_version_id == FormVersion.id)).all())
        assert versions == {first.submission_id: "1", second.submission_id: "2"}


def test_answers_that_fail_write_nothing__ok(mine):
    with pytest.raises(FormAnswersError) as info:
        with db.session(mine) as s:
            submit(s, DEMAND, {"mode": "实名", "content": "", "people": "many"}, new_instance_id(), today=TODAY)
    names = {p[0] for p in info.value.problems}
    assert names == {"name", "content", "people"}
    assert str(info.value).startswith("提交未成功，请改正以下 3 处后再提交：")
    with db.session(mine) as s:
        assert count(s, Submission) == 0 and count(s, Case) == 0 and count(s, Form) == 0


def test_case_is_received_on_the_submission_day__ok(mine):
    """An answer submitted (or imported) for an earlier day registers its case on that day, not today."""
    day = dt.date(2025, 3, 4)
    with db.session() as s:
        receipt = submit(s, DEMAND, {"mode": "匿名", "content": "澡堂热水不够", "unit": "更新队"}, new_instance_id(),
                         today=day)
        case = s.scalar(select(Case).where(Case.case_no == receipt.cases[0].case_no))
        assert case.received_on == day
