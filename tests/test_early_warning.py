"""Early warnings: each rule fires on a unit heating up above its own baseline, states its numbers,
keeps them out of meeting views for small groups, and feeds the risk ledger once."""

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from xinfang import early_warning
from xinfang.storage import db
from xinfang.storage.models import OrgUnit, RiskItem

TODAY = dt.date(2026, 11, 20)


def _analysed():
    rows = []
    for unit in ("A队", "B队"):
        for i in range(60):  # baseline: 180 days before the window, 20 % negative, one C07 a month
            day = TODAY - dt.timedelta(days=40 + i * 2)
            rows.append((unit, day, "负面" if i % 5 == 0 else "中性", ["C07"] if i % 10 == 0 else ["C09"]))
    for i in range(10):  # window: A 80 % negative and eight C07; B unchanged
        day = TODAY - dt.timedelta(days=1 + i)
        rows.append(("A队", day, "负面" if i < 8 else "正面", ["C07"] if i < 8 else ["C09"]))
        rows.append(("B队", day, "负面" if i < 2 else "中性", ["C09"]))
    frame = pd.DataFrame(rows, columns=["unit", "received_on", "label", "topics"])
    frame["received_on"] = pd.to_datetime(frame["received_on"])
    return frame


def _cases():
    rows = [  # unit, received days ago, group, people, repeat, status, due days ago
        ("A队", 3, True, 12, None, "办理中", None),
        ("B队", 3, True, 3, None, "办理中", None),
        ("B队", 5, False, 1, 7, "办理中", None),
        ("B队", 6, False, 1, 8, "办理中", None),
        *[("A队", 80 + k, False, 1, None, "办理中", 5 + k) for k in range(3)],
    ]
    frame = pd.DataFrame([{
        "unit": u, "received_on": pd.Timestamp(TODAY - dt.timedelta(days=d)), "is_group": g, "people_count": p,
        "repeat_of_id": r, "status": s, "due_on": pd.Timestamp(TODAY - dt.timedelta(days=due)) if due else pd.NaT,
        "case_no": f"X{i}"} for i, (u, d, g, p, r, s, due) in enumerate(rows)])
    return frame


def test_each_rule_fires_where_it_should():
    flags = early_warning.evaluate(_cases(), _analysed(), TODAY)
    got = {(f.unit, f.rule) for f in flags}
    assert got == {("A队", "negative_share"), ("A队", "topic_surge"), ("A队", "group_complaint"),
                   ("A队", "overdue_pileup"), ("B队", "repeated_demand")}
    neg = next(f for f in flags if f.rule == "negative_share")
    assert neg.reason == "近 30 天负面 8/10 件（80%），以往 20%" and neg.people == 10
    surge = next(f for f in flags if f.rule == "topic_surge")
    assert surge.title.endswith("：劳动保护用品") and surge.reason.startswith("近 30 天 8 件")
    assert flags[0].level == "重大"  # the group complaint comes first


def test_meeting_text_hides_numbers_of_small_groups():
    flag = early_warning.Flag("B队", "repeated_demand", "同一诉求反复反映", "近 30 天重复反映 2 件", 2, "较大")
    assert flag.meeting_text(5) == "B队：同一诉求反复反映（人数较少，不显示具体数字）"
    big = early_warning.Flag("A队", "group_complaint", "集体反映", "1 起，共 12 人", 12, "重大")
    assert big.meeting_text(5) == "A队：集体反映（1 起，共 12 人）"


def test_flags_feed_the_risk_ledger_once(use_db):
    with db.session() as s:
        s.add_all([OrgUnit(name="A队", kind="区队", headcount=60), OrgUnit(name="B队", kind="区队", headcount=40)])
    flags = early_warning.evaluate(_cases(), _analysed(), TODAY)
    with db.session() as s:
        assert early_warning.to_risk_ledger(s, flags, TODAY) == 5
    with db.session() as s:
        assert early_warning.to_risk_ledger(s, flags, TODAY) == 0
        sources = sorted(s.scalars(sa.select(RiskItem.source)))
    assert sources[0] == "预警:group_complaint" and len(sources) == 5
