"""Risk ledger and 一人一策: status changes and visits refused on bad input, on both databases."""

import datetime as dt

import pytest

from xinfang import ledgers
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import FollowUpPlan, OrgUnit, RiskItem

D = dt.date


@pytest.fixture
def items(use_db):
    with db.session() as s:
        u = OrgUnit(name="抽采队", kind="区队", headcount=71)
        s.add(u)
        s.flush()
        r = RiskItem(unit_id=u.id, issue="井下津贴标准争议", people_count=12, level="较大", found_on=D(2026, 9, 1),
                     deadline=D(2026, 10, 1), status="在控")
        p = FollowUpPlan(unit_id=u.id, concern="工伤后情绪低落", started_on=D(2026, 8, 1), status="跟进中")
        s.add_all([r, p])
        s.flush()
        return r.id, p.id


def test_risk_status_and_overdue(items):
    rid, _ = items
    [risk] = ledgers.list_risks(today=D(2026, 11, 1))
    assert risk["overdue"] and risk["unit"] == "抽采队"
    ledgers.set_risk_status(rid, "已化解")
    assert ledgers.list_risks(status="在控") == []
    with pytest.raises(ValidationError):
        ledgers.set_risk_status(rid, "不管了")
    with pytest.raises(ValidationError, match="请先在「台账编号」里选择"):
        ledgers.set_risk_status(None, "已化解")
    with pytest.raises(ValidationError, match=f"不稳定因素排查台账里没有编号 {rid + 100}"):
        ledgers.set_risk_status(rid + 100, "已化解")


def test_plan_visits(items):
    _, pid = items
    assert ledgers.list_plans(today=D(2026, 11, 1))[0]["visit_due"]
    ledgers.add_visit(pid, visited_on=D(2026, 10, 20), visitor="李干事", mood="好转", notes="已协调工伤待遇")
    [plan] = ledgers.list_plans(today=D(2026, 11, 1))
    assert (plan["visits"], plan["last_visit"], plan["visit_due"]) == (1, D(2026, 10, 20), False)
    with pytest.raises(ValidationError):
        ledgers.add_visit(pid, visited_on=D(2026, 7, 1), visitor="李干事", mood="稳定")
    with pytest.raises(ValidationError):
        ledgers.add_visit(pid, visited_on=D(2026, 10, 21), visitor="李干事", mood="开心")
    with pytest.raises(ValidationError, match=f"一人一策里没有编号 {pid + 100}"):
        ledgers.add_visit(pid + 100, visited_on=D(2026, 10, 21), visitor="李干事", mood="稳定")
