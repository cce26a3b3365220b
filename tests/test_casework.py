"""Office case handling: lists with deadlines, the case page's data, letters, audited identity."""

import datetime as dt
import io

import pytest
from docx import Document

from xinfang import casework, vault
from xinfang.cases import NewCase, register_case
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import OrgUnit

D = dt.date


@pytest.fixture
def named_case(use_db):
    with db.session() as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.flush()
        return register_case(s, NewCase(text="我觉得队里的精益奖金分配差距比较大", received_on=D(2026, 9, 1),
                                        channel="下访收集", intake_mode="实名", unit="更新队",
                                        identity={"name": "赵铁柱", "staff_no": "DS10001"})).case_id


def _text(letter_bytes: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(letter_bytes)).paragraphs)


def test_case_through_office_functions_and_decision_letter(named_case):
    detail = casework.case_detail(named_case, today=D(2026, 9, 2))
    assert detail["allowed"] == ["受理", "不予受理", "告知", "转送"]
    assert detail["notice_due"] == D(2026, 9, 16)
    assert "赵铁柱" not in repr(detail)
    casework.act(named_case, "受理", on=D(2026, 9, 2), actor="李干事")
    casework.act(named_case, "告知", on=D(2026, 9, 3), actor="李干事")
    casework.act(named_case, "答复", on=D(2026, 9, 25), actor="李干事", note="按新办法重新核算",
                 outcome="支持", facts="二次分配未公示", basis="《精益奖金分配办法》第五条")
    letter = casework.letter(named_case, "decision", actor="李干事")
    text = _text(letter.to_docx())
    for part in ("信访事项处理意见书", "赵铁柱同志", "精益奖金分配差距比较大", "二次分配未公示", "支持。按新办法重新核算",
                 "2026年10月26日", "第三十五条"):  # 09-25 + 30 = 10-25, a Sunday → 10-26
        assert part in text, part
    with db.session() as s:
        log = vault.audit_entries(s)
    assert [(e.actor, e.action, e.reason) for e in log] == [("李干事", "查看身份", "起草处理意见书")]


def test_notice_letter_for_anonymous_case_reads_no_identity(use_db):
    with db.session() as s:
        cid = register_case(s, NewCase(text="<b>排班</b>不均衡", received_on=D(2026, 9, 1), channel="意见箱",
                                       intake_mode="匿名")).case_id
    casework.act(cid, "受理", on=D(2026, 9, 2), actor="王干事")
    letter = casework.letter(cid, "notice", actor="王干事", today=D(2026, 9, 3))
    assert "信访人（凭查询码查阅）" in _text(letter.to_docx())
    assert "60 日内办结" in letter.to_html()
    with db.session() as s:
        assert [e.reason for e in vault.audit_entries(s)] == []


def test_decision_letter_before_reply__error(named_case):
    with pytest.raises(ValidationError) as info:
        casework.letter(named_case, "decision", actor="李干事")
    assert info.value.code == "case.no_reply_yet"


def test_reading_identity_needs_a_reason__error(named_case):
    with pytest.raises(ValidationError) as info, db.session() as s:
        vault.read_identity(s, named_case, actor="李干事", reason=" ")
    assert info.value.code == "vault.reason_required"
    with db.session() as s:
        assert vault.audit_entries(s) == []


def test_list_cases_filters_and_deadlines(named_case):
    casework.act(named_case, "受理", on=D(2026, 9, 2), actor="李干事")
    rows, total = casework.list_cases(due="overdue", today=D(2026, 11, 20))
    assert total == 1 and rows[0]["days_left"] < 0  # due 2026-11-02
    assert casework.list_cases(due="overdue", today=D(2026, 10, 1))[1] == 0
    assert casework.list_cases(due="soon", today=D(2026, 10, 28))[1] == 1
    assert casework.list_cases(unit="更新队", search="精益")[1] == 1
    assert casework.list_cases(status="办结")[1] == 0


def test_list_cases_puts_the_open_cases_first(named_case):
    """The office's case list shows the work still to do first (open cases, the nearest deadline first; a
    case not yet accepted by its 告知 deadline), then the closed cases, latest first. It showed 200 cases
    closed a year ago, ordered by their old deadlines, before any open one; and a new registration after
    every accepted case."""
    def new(text: str, on: dt.date) -> int:
        with db.session() as s:
            return register_case(s, NewCase(text=text, received_on=on, channel="来访", intake_mode="匿名",
                                            unit="更新队")).case_id

    casework.act(named_case, "受理", on=D(2026, 9, 2), actor="李干事")  # open, due 2026-11-02
    closed_old, closed_new = new("班车太挤", D(2026, 7, 1)), new("澡堂热水不够", D(2026, 8, 1))
    for case_id, on in ((closed_old, D(2026, 7, 2)), (closed_new, D(2026, 8, 2))):  # due before the open ones
        casework.act(case_id, "受理", on=on, actor="李干事")
        casework.act(case_id, "答复", on=on + dt.timedelta(days=20), actor="李干事", outcome="解释说明")
        casework.act(case_id, "办结", on=on + dt.timedelta(days=30), actor="李干事")
    later = new("食堂饭菜价格高", D(2026, 10, 1))
    casework.act(later, "受理", on=D(2026, 10, 1), actor="李干事")  # due 2026-11-30
    casework.act(later, "告知", on=D(2026, 10, 2), actor="李干事")  # (a 告知 still owed would come first)
    waiting = new("宿舍漏雨", D(2026, 11, 10))  # registered, not yet accepted: 告知 by 2026-11-25

    rows, total = casework.list_cases(today=D(2026, 11, 20))
    assert total == 5
    assert [r["id"] for r in rows] == [named_case, waiting, later, closed_new, closed_old], [
        (r["case_no"], r["status"], r["due_on"]) for r in rows]
    assert [r["status"] for r in rows][-2:] == ["办结", "办结"]
    assert [r["days_left"] for r in rows] == [-18, None, 10, None, None]
    for limit in (2, 4):  # the first rows of the same order, and the count of all
        shown, total = casework.list_cases(today=D(2026, 11, 20), limit=limit)
        assert [r["id"] for r in shown] == [r["id"] for r in rows][:limit] and total == 5


def test_list_cases_says_which_cases_still_wait_for_their_notice(named_case):
    """A case without its written 告知 (条例第二十三条) says how long is left for it, or how late it is,
    and 待告知 lists those cases; once 告知 is given the case no longer shows it. The list's 期限 cell
    was empty for a new registration, so a case about to miss its 告知 looked like one with no deadline."""
    from widgets.case_list import render

    def new(text: str, on: dt.date) -> int:
        with db.session() as s:
            return register_case(s, NewCase(text=text, received_on=on, channel="来访", intake_mode="匿名",
                                            unit="更新队")).case_id

    late = new("宿舍漏雨", D(2026, 11, 2))  # 告知 due 2026-11-17
    waiting = new("班车太挤", D(2026, 11, 10))  # 告知 due 2026-11-25
    casework.act(named_case, "受理", on=D(2026, 9, 2), actor="李干事")  # accepted, 告知 not yet given
    told = new("澡堂热水不够", D(2026, 11, 12))
    casework.act(told, "告知", on=D(2026, 11, 13), actor="李干事")
    mid = new("食堂排队太久", D(2026, 10, 10))  # told, not accepted: its 告知 deadline 10-26 orders it
    casework.act(mid, "告知", on=D(2026, 10, 12), actor="李干事")

    rows, total = casework.list_cases(today=D(2026, 11, 20))
    by_id = {r["id"]: r for r in rows}
    assert (by_id[late]["notice_due"], by_id[late]["notice_left"]) == (D(2026, 11, 17), -3)
    assert (by_id[waiting]["notice_due"], by_id[waiting]["notice_left"]) == (D(2026, 11, 25), 5)
    assert by_id[named_case]["notice_left"] == -65 and by_id[named_case]["days_left"] == -18
    assert by_id[told]["notice_due"] is None and by_id[told]["notice_left"] is None
    # the nearest deadline first: the accepted case's 告知 (09-16), owed before its 办理期限 (11-02)
    assert [r["id"] for r in rows] == [named_case, mid, late, waiting, told]

    pending, n = casework.list_cases(due="notice", today=D(2026, 11, 20))
    assert n == 3 and {r["id"] for r in pending} == {late, waiting, named_case}

    html = render(rows, total, "?page=case")
    assert "告知逾期 3 天" in html and "待告知，剩 5 天" in html and 'title="告知期限 2026-11-25"' in html
    assert "逾期 18 天</span><br><span" in html  # both deadlines of the accepted case
    assert html.count('data-testid="notice-') == 3
    assert "待告知，今天到期" in render(casework.list_cases(today=D(2026, 11, 25))[0], total, "?page=case")


def test_a_crowd_at_the_office_is_reminded_of_the_representatives_rule(use_db):
    """信访工作条例第二十条 (data/rules/xinfang_2022.yaml): many people who come together choose at most
    5 representatives. The rule was data no page used; the case page of such a visit now says it."""
    from widgets.case_page import render_case

    def case(channel: str, people: int) -> dict:
        with db.session() as s:
            cid = register_case(s, NewCase(text="井下津贴标准调整", received_on=D(2026, 11, 2), channel=channel,
                                           intake_mode="匿名", is_group=people > 1, people_count=people)).case_id
        return casework.case_detail(cid, today=D(2026, 11, 3))

    crowd = case("来访", 12)
    assert crowd["group_visit"] == {"value": 5, "article": "第二十条"}
    assert "12 人共同来访：应推选代表，不超过 5 人（信访工作条例第二十条）" in render_case(crowd)
    for channel, people in (("来访", 5), ("来信", 12), ("网上", 40)):
        detail = case(channel, people)
        assert detail["group_visit"] is None and "flag-group-visit" not in render_case(detail)
