"""Widgets without a browser: set values, click, read what the user would see."""

import datetime as dt

from widgets.progress_lookup import ProgressLookup
from xinfang.cases import NewCase, register_case
from xinfang.storage import db


def test_progress_lookup_shows_status_and_escapes(use_db):
    with db.session() as s:
        register_case(s, NewCase(text="x", received_on=dt.date(2026, 9, 1), channel="来访", intake_mode="匿名",
                                 query_code="ABCD-EFGH-JKMN"))
    view = ProgressLookup()
    view.code.value = "abcd-efgh-jkmn"
    view.button.click()
    assert 'data-testid="progress-status">登记<' in view.result.value
    view.code.value = "<script>alert(1)</script>"
    view.button.click()
    assert "查询码应为 12 位" in view.result.value and "<script>" not in view.result.value
    view.code.value = "ZZZZ-ZZZZ-ZZZZ"
    view.button.click()
    assert "没有找到" in view.result.value


def _case(text="劳保<b>用品</b>发放不及时", mode="匿名"):
    from xinfang.storage.models import OrgUnit, User

    with db.session() as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.add(User(username="ganbu1", display_name="李干事", role="信访干部"))
        s.flush()
        return register_case(s, NewCase(text=text, received_on=dt.date.today() - dt.timedelta(days=3),
                                        channel="来访", intake_mode=mode, unit="更新队")).case_id


def test_case_page_applies_actions_and_drafts_letters(use_db):
    from widgets.case_page import CasePage

    page = CasePage(_case())
    assert "劳保&lt;b&gt;用品&lt;/b&gt;" in page.info.value
    assert [b.description for b in page.actions.children] == ["受理", "不予受理", "告知", "转送"]
    page.actions.children[0].click()  # 受理
    page.form.children[-1].children[0].click()  # 确定
    assert 'data-testid="case-status">已受理<' in page.info.value
    reply = next(b for b in page.actions.children if b.description == "答复")
    reply.click()
    form = {type(c).__name__ + ":" + getattr(c, "description", ""): c for c in page.form.children}
    form["Dropdown:处理结果"].value = "解释说明"
    form["Textarea:处理意见"].value = "已向职工说明发放周期"
    page.form.children[-1].children[0].click()
    assert 'data-testid="case-status">已答复<' in page.info.value
    page.docs.children[1].click()  # 生成处理意见书
    assert 'data-testid="download"' in page.letter.value and "解释说明。已向职工说明发放周期" in page.letter.value


def test_case_page_shows_refusal_message(use_db):
    from widgets.case_page import CasePage

    page = CasePage(_case())
    page.actions.children[1].click()  # 不予受理, reason left empty
    page.form.children[-1].children[0].click()
    assert "「不予受理」需要填写理由" in page.message.value
    assert 'data-testid="case-status">登记<' in page.info.value


def test_case_page_of_no_case_says_so_and_offers_nothing(use_db):
    from widgets.case_page import CasePage

    page = CasePage(_case() + 1000)
    assert "找不到信访事项" in page.info.value
    assert page.children == (page.actor, page.info)  # no actions, no 生成告知书 / 生成处理意见书


def test_case_list_filters(use_db):
    from widgets.case_list import CaseList

    _case()
    view = CaseList()
    assert "共 1 件" in view.table.value
    view.status.value = "办结"
    assert "共 0 件" in view.table.value
    view.status.value = "全部"
    view.search.value = "劳保"
    assert "共 1 件" in view.table.value and "&lt;b&gt;" in view.table.value


def test_ledger_views_on_demo(demo_db, monkeypatch, tmp_path):
    import shutil

    from widgets.ledger_views import PlanList, RiskLedger
    from xinfang import config, ledgers

    copy = tmp_path / "demo.db"  # the test changes a status: work on a copy of the shared demo
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{copy}")
    config.reset()
    db.reset()
    ledger = RiskLedger()
    in_control = ledger.table.value.count('data-testid="risk-row"')
    ledger.status.value = "全部"
    assert ledger.table.value.count('data-testid="risk-row"') == 24 > in_control > 0
    ledger.update.click()  # nothing chosen yet: told what to do, nothing changed
    assert ledger.item.value is None and "请先在「台账编号」里选择要更新的一项" in ledger.message.value
    chosen = ledger.item.options[0][1]
    ledger.item.value = chosen
    item = next(r for r in ledgers.list_risks() if r["id"] == chosen)
    assert (ledger.new_status.value, ledger.deadline.value) == (item["status"], item["deadline"])
    assert "这一项还没有记录过进展" in ledger.history.value
    ledger.new_status.value = "已化解"
    ledger.update.click()  # no progress written: refused, nothing changed
    assert "请填写「进展情况」" in ledger.message.value and ledgers.risk_history(chosen) == []
    ledger.note.value = "区队长逐人谈话，<b>职工</b>签字认可"
    ledger.update.click()
    assert "已记录进展：状态改为「已化解」" in ledger.message.value and ledger.note.value == ""
    assert ledger.item.value == chosen  # still chosen, its history shown, the user's text escaped
    assert ledger.history.value.count('data-testid="risk-update"') == 1
    assert "&lt;b&gt;职工&lt;/b&gt;签字认可</span>（状态改为「已化解」）" in ledger.history.value
    assert "（1 次）" in ledger.table.value
    [entry] = ledgers.risk_history(chosen)
    assert (entry["actor"], entry["status"]) == (ledger.staff.value, "已化解")
    ledger.status.value = "已化解"
    assert ledger.item.options and chosen in [v for _, v in ledger.item.options]
    plans = PlanList().table.value
    assert plans.count('data-testid="plan-row"') == 30 and "记录回访" not in plans
    linked = PlanList(visit_link="?form=yirenyice_huifang&plan=").table.value
    ids = [p["id"] for p in ledgers.list_plans() if p["status"] != "已结束"]
    assert linked.count('data-testid="plan-visit"') == len(ids) > 0
    assert f'href="?form=yirenyice_huifang&amp;plan={ids[0]}"' in linked
    import sqlalchemy as sa

    from xinfang.storage.models import PiiVault
    with db.session() as s:
        names = list(s.scalars(sa.select(PiiVault.name)))
    assert not any(n in plans for n in names)


def test_warning_list_on_demo_enters_flags_once(demo_db, monkeypatch, tmp_path):
    import shutil

    from widgets.warning_list import WarningList
    from xinfang import config

    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{copy}")
    config.reset()
    db.reset()
    view = WarningList(today=dt.date(2026, 11, 20))
    assert view.flags, "the demo mine has units to flag"
    assert view.table.value.count('data-testid="flag-row"') == len(view.flags)
    view.button.click()
    assert f"已登记 {len(view.flags)} 条" in view.message.value
    view.button.click()
    assert "已登记 0 条" in view.message.value


def test_export_panel_writes_files_and_refuses_identity_without_reason(demo_db, monkeypatch, tmp_path):
    import shutil

    from openpyxl import load_workbook

    from widgets.export_panel import ExportPanel
    from xinfang import config

    copy = tmp_path / "demo.db"  # identity exports write audit entries: work on a copy of the shared demo
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("XINFANG_RUN_DIR", str(tmp_path))
    config.reset()
    db.reset()
    panel = ExportPanel()
    panel.forms.value = ("sixiang_dongtai",)
    panel.go.click()
    assert 'data-testid="export-result"' in panel.result.value and panel.progress.value == 1.0
    wb = load_workbook(tmp_path / "exports" / "答卷.xlsx", read_only=True)
    assert wb.sheetnames == ["员工思想动态问卷", "说明"]

    staff = ExportPanel(user="ganbu1", role="信访干部")
    staff.what.value = "cases"
    assert staff.identity.layout.display == ""
    staff.identity.value = True
    staff.go.click()
    assert "须写明导出人和理由" in staff.result.value
    staff.reason.value = "<b>核对</b>"
    staff.fmt.value = "csv"
    staff.go.click()
    assert "件事项的身份信息" in staff.result.value and "<b>核对" not in staff.result.value
    assert ExportPanel().identity.layout.display == "none"  # no signed-in user: no identity offered
