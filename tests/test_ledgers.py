"""Risk ledger and 一人一策: progress entries and visits, refused on bad input, on both databases."""

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


def test_risk_progress_changes_the_item_and_keeps_its_history(items):
    rid, _ = items
    today = D(2026, 11, 1)
    [risk] = ledgers.list_risks(today=today)
    assert risk["overdue"] and risk["unit"] == "抽采队" and (risk["updates"], risk["last_update"]) == (0, None)
    # progress alone: the item keeps its values, the entry is its history
    assert ledgers.update_risk(rid, actor="李干事", note="与区队长座谈，津贴测算表下周公示", status="在控",
                               today=today) == {}
    changed = ledgers.update_risk(rid, actor="王干事", note="测算表已公示，职工无异议", deadline=D(2026, 12, 1),
                                  measures="公示津贴测算表，区队长逐人解释", today=today)
    assert changed == {"deadline": D(2026, 12, 1), "measures": "公示津贴测算表，区队长逐人解释"}
    [risk] = ledgers.list_risks(today=today)
    assert (risk["overdue"], risk["deadline"], risk["measures"], risk["updates"]) == (
        False, D(2026, 12, 1), "公示津贴测算表，区队长逐人解释", 2)
    ledgers.update_risk(rid, actor="王干事", note="职工签字认可，化解", status="已化解", today=today)
    assert ledgers.list_risks(status="在控") == []
    history = ledgers.risk_history(rid)
    assert [(h["actor"], h["status"], h["deadline"], h["measures"]) for h in history] == [
        ("李干事", None, None, None),
        ("王干事", None, D(2026, 12, 1), "公示津贴测算表，区队长逐人解释"),
        ("王干事", "已化解", None, None)]
    assert history[0]["note"] == "与区队长座谈，津贴测算表下周公示"


def test_risk_progress_refused_on_bad_input(items):
    rid, _ = items
    today = D(2026, 11, 1)
    with pytest.raises(ValidationError, match="请填写「进展情况」"):
        ledgers.update_risk(rid, actor="李干事", note="  ", status="已化解", today=today)
    with pytest.raises(ValidationError, match="应为 在控、已化解、已上报 之一"):
        ledgers.update_risk(rid, actor="李干事", note="已处理", status="不管了", today=today)
    with pytest.raises(ValidationError, match="新的化解期限 2026-10-15 早于今天（2026-11-01）"):
        ledgers.update_risk(rid, actor="李干事", note="延期", deadline=D(2026, 10, 15), today=today)
    with pytest.raises(ValidationError, match="新的化解期限 2026-08-15 早于发现日期（2026-09-01）"):
        ledgers.update_risk(rid, actor="李干事", note="延期", deadline=D(2026, 8, 15), today=today)
    with pytest.raises(ValidationError, match="请先在「台账编号」里选择"):
        ledgers.update_risk(None, actor="李干事", note="已处理", status="已化解")
    with pytest.raises(ValidationError, match=f"不稳定因素排查台账里没有编号 {rid + 100}"):
        ledgers.update_risk(rid + 100, actor="李干事", note="已处理", status="已化解")
    # nothing refused was written
    assert ledgers.risk_history(rid) == [] and ledgers.list_risks()[0]["status"] == "在控"


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
