"""The lifecycle of the 信访工作条例, on SQLite and PostgreSQL: allowed steps, refusals, windows."""

import datetime as dt

import pytest
import sqlalchemy as sa

from xinfang import deadlines, lifecycle
from xinfang.cases import NewCase, register_case
from xinfang.errors import ValidationError, message
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, OrgUnit

D = dt.date
TODAY = D(2026, 11, 20)


@pytest.fixture
def case_id(use_db):
    with db.session(use_db) as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.flush()
        return register_case(s, NewCase(text="劳保用品发放不及时", received_on=D(2026, 3, 2), channel="来访",
                                        intake_mode="匿名", unit="更新队")).case_id


def act(case_id, action, on, **details):
    with db.session() as s:
        lifecycle.apply(s, case_id, action, on=on, actor="李干事", today=TODAY, **details)
    with db.session() as s:
        return s.get(Case, case_id)


def refused(case_id, action, on, **details):
    with db.session() as s:
        before = (s.get(Case, case_id).status, s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)))
    with pytest.raises(ValidationError) as info:
        act(case_id, action, on, **details)
    with db.session() as s:
        after = (s.get(Case, case_id).status, s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)))
    assert after == before, "a refused action must write nothing"
    return info.value


def test_registration_to_closure__ok(case_id):
    case = act(case_id, "受理", D(2026, 3, 3))
    assert (case.status, case.accepted_on, case.due_on) == ("已受理", D(2026, 3, 3), deadlines.add_period(D(2026, 3, 3), 60))
    act(case_id, "告知", D(2026, 3, 5))
    assert act(case_id, "交办", D(2026, 3, 6), to_whom="更新队").status == "办理中"
    case = act(case_id, "答复", D(2026, 4, 10), outcome="支持")
    assert (case.status, case.outcome) == ("已答复", "支持")
    assert act(case_id, "回访", D(2026, 4, 15), satisfaction="满意").satisfaction == "满意"
    case = act(case_id, "办结", D(2026, 4, 16))
    assert (case.status, case.closed_on) == ("办结", D(2026, 4, 16))
    with db.session() as s:
        kinds = [e.kind for e in s.scalars(sa.select(CaseEvent).order_by(CaseEvent.id))]
    assert kinds == ["登记", "受理", "告知", "交办", "答复", "回访", "办结"]


def test_reply_before_acceptance_is_refused_naming_what_is_allowed__error(case_id):
    err = refused(case_id, "答复", D(2026, 3, 4), outcome="支持")
    with db.session() as s:
        case_no = s.get(Case, case_id).case_no
    assert str(err) == message("case.action_not_allowed", case_no=case_no, status="登记", action="答复",
                               allowed="受理、不予受理、告知、转送")


def test_dates_before_receipt_or_in_future__error(case_id):
    assert refused(case_id, "受理", D(2026, 3, 1)).code == "case.date_before"
    assert refused(case_id, "受理", D(2026, 12, 1)).code == "case.bad_value"


def test_extension_at_most_30_days_once_with_approval__error(case_id):
    act(case_id, "受理", D(2026, 3, 3))
    assert refused(case_id, "延期", D(2026, 4, 20), days=31, approved_by="主任", reason="复杂").code == \
        "case.extension_too_long"
    assert refused(case_id, "延期", D(2026, 4, 20), days=20, reason="复杂").code == "case.missing_detail"
    case = act(case_id, "延期", D(2026, 4, 20), days=30, approved_by="主任", reason="需要多部门核实")
    assert case.due_on == deadlines.add_period(D(2026, 3, 3), 90)
    assert refused(case_id, "延期", D(2026, 4, 25), days=5, approved_by="主任", reason="再延").code == \
        "case.action_not_allowed"


def test_review_window_and_recheck_is_final(case_id):
    act(case_id, "受理", D(2026, 3, 3))
    act(case_id, "答复", D(2026, 9, 1), outcome="不予支持")
    # 30 days after 09-01 is 10-01, inside the National Day holiday: the window ends 10-08
    assert refused(case_id, "复核", D(2026, 9, 5)).code == "case.action_not_allowed"  # 复查 comes first
    assert refused(case_id, "复查", D(2026, 10, 9)).code == "case.window_passed"
    case = act(case_id, "复查", D(2026, 10, 8))
    assert (case.status, case.due_on) == ("复查中", deadlines.add_period(D(2026, 10, 8), 30))
    act(case_id, "答复", D(2026, 10, 20), outcome="不予支持")
    assert refused(case_id, "复查", D(2026, 10, 22)).code == "case.action_not_allowed"  # only one 复查
    assert act(case_id, "复核", D(2026, 10, 25)).status == "复核中"
    act(case_id, "答复", D(2026, 11, 10), outcome="不予支持")
    act(case_id, "办结", D(2026, 11, 11))
    # after 复核 the same facts are not accepted again
    assert refused(case_id, "重开", D(2026, 11, 12), reason="再次反映").code == "case.action_not_allowed"
    with db.session() as s:
        stages = [e.details.get("stage") for e in s.scalars(sa.select(CaseEvent).where(CaseEvent.kind == "答复")
                                                             .order_by(CaseEvent.id))]
    assert stages == ["初次", "复查", "复核"]


def test_reject_and_reopen(case_id):
    assert refused(case_id, "不予受理", D(2026, 3, 4)).code == "case.missing_detail"
    case = act(case_id, "不予受理", D(2026, 3, 4), reason="不属于受理范围")
    assert (case.status, case.closed_on) == ("不予受理", D(2026, 3, 4))
    case = act(case_id, "重开", D(2026, 3, 20), reason="补充了新材料")
    assert (case.status, case.closed_on) == ("办理中", None)


def test_unknown_action_and_bad_outcome__error(case_id):
    assert refused(case_id, "催办", D(2026, 3, 4)).code == "case.action_not_allowed"
    act(case_id, "受理", D(2026, 3, 3))
    assert refused(case_id, "答复", D(2026, 3, 9), outcome="已阅").code == "case.bad_value"
