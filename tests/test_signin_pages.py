"""Office pages for the signed-in user, without a browser: the kernel learns its user from the session the
office server hands over; pages follow the role; the audit log names the signed-in user."""

import datetime as dt

import ipywidgets as w
import pytest
import sqlalchemy as sa

from widgets import pages
from xinfang import accounts
from xinfang.cases import NewCase, register_case
from xinfang.errors import message
from xinfang.storage import db
from xinfang.storage.models import AuditLog, CaseEvent, OrgUnit


def _html(widget) -> str:
    parts = [widget.value] if isinstance(widget, w.HTML) else []
    return "\n".join(parts + [_html(c) for c in getattr(widget, "children", ())])


@pytest.fixture
def office(use_db):
    """Two branches, one case with a named petitioner, and a signed-in user of each role."""
    with db.session() as s:
        mine = OrgUnit(name="测试矿", kind="矿")
        s.add(mine)
        s.flush()
        for branch, unit in (("甲支部", "一队"), ("乙支部", "三队")):
            b = OrgUnit(name=branch, kind="党支部", parent_id=mine.id)
            s.add(b)
            s.flush()
            s.add(OrgUnit(name=unit, kind="区队", parent_id=mine.id, branch_id=b.id, headcount=80))
        s.flush()
        case_id = register_case(s, NewCase(text="精益奖金分配差距大", received_on=dt.date.today() - dt.timedelta(days=2),
                                           channel="来访", intake_mode="实名", unit="一队",
                                           identity={"name": "甄秘密", "phone": "13912345678"})).case_id
        sessions = {}
        for username, name, role, branch in (("ganbu1", "李干事", "信访干部", None), ("shuji1", "甲支部书记", "支部书记", "甲支部"),
                                             ("tianbao1", "孙填报员", "填报", None)):
            account = accounts.add_user(s, username, name, role, branch=branch, password="a-good-password")
            sessions[role] = (account, accounts.session_id(accounts.start_session(s, account)))
    return {"case": case_id, "sessions": sessions}


def _open(monkeypatch, sid, query=""):
    """Run the office notebook's one cell as Voila would: the request's session id and query in the env."""
    shown = []
    if sid:
        monkeypatch.setenv(accounts.KERNEL_ENV, sid)
    else:
        monkeypatch.delenv(accounts.KERNEL_ENV, raising=False)
    monkeypatch.setenv("QUERY_STRING", query)
    monkeypatch.setattr(pages, "display", shown.append)
    pages.office_home()
    return "\n".join(_html(x) for x in shown)


def test_home_menu_follows_the_role(office, monkeypatch):
    staff = _open(monkeypatch, office["sessions"]["信访干部"][1])
    assert 'data-testid="signed-in" data-role="信访干部"' in staff and 'data-testid="sign-out"' in staff
    assert 'data-testid="counts"' in staff and 'data-testid="menu-cases"' in staff
    secretary = _open(monkeypatch, office["sessions"]["支部书记"][1])
    assert set(_menu(secretary)) == {"meeting", "report"}
    assert 'data-testid="counts"' not in secretary and "本支部：甲支部" in secretary
    reporter = _open(monkeypatch, office["sessions"]["填报"][1])
    assert _menu(reporter) and all(not m.startswith(("cases", "dashboard", "meeting")) for m in _menu(reporter))


def _menu(text: str) -> list[str]:
    import re

    return re.findall(r'data-testid="menu-([^"]+)"', text)


@pytest.mark.parametrize("query", ["page=cases", "page=dashboard", "page=warnings", "page=case&id=1",
                                   "form=buwending_paicha"])
def test_branch_secretary_is_refused_office_pages(office, monkeypatch, query):
    text = _open(monkeypatch, office["sessions"]["支部书记"][1], query)
    assert message("auth.not_allowed", role="支部书记") in text
    assert "精益奖金" not in text


def test_page_without_a_live_session_shows_nothing(office, monkeypatch):
    for sid in (None, "0" * 64):
        text = _open(monkeypatch, sid, "page=cases")
        assert message("auth.session_ended") in text and 'data-testid="sign-in"' in text
        assert 'data-testid="counts"' not in text and "精益奖金" not in text
    account, sid = office["sessions"]["信访干部"]
    with db.session() as s:
        accounts.end_session(s, sid)
    assert message("auth.session_ended") in _open(monkeypatch, sid)


def test_audit_log_and_case_timeline_name_the_signed_in_user(office):
    from widgets.case_page import CasePage

    account, sid = office["sessions"]["信访干部"]
    page = CasePage(office["case"], actor=pages.SignedIn(sid).actor)
    assert account.display_name in page.actor.value
    page.docs.children[0].click()  # 生成告知书: addresses the petitioner by name, which reads the vault
    assert "甄秘密" in page.letter.value
    page.actions.children[0].click()  # 受理
    page.form.children[-1].children[0].click()
    with db.session() as s:
        audit = s.scalars(sa.select(AuditLog)).all()
        events = list(s.scalars(sa.select(CaseEvent.actor).where(CaseEvent.kind == "受理")))
    assert [(a.actor, a.action) for a in audit] == [(account.label, "查看身份")]
    assert events == [account.label]
    with db.session() as s:
        accounts.end_session(s, sid)  # signed out in another tab: this open page can do nothing more
    page.docs.children[0].click()
    assert message("auth.session_ended") in page.letter.value and "甄秘密" not in page.letter.value
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 1
