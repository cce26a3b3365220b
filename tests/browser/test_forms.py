"""Every shipped form filled in Chromium through Voila, its records found in the database; skip logic,
a constraint message, a demand's 查询码 used on the lookup page, a double click stored once."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from xinfang.forms.sources import SOURCES
from xinfang.storage import db
from xinfang.storage.models import Activity, Case, FollowUpPlan, FollowUpVisit, PiiVault, RiskItem, Submission

from .conftest import Form, screenshot

pytestmark = pytest.mark.browser


def _count(demo_db, model, *where):
    with db.session(db.make_engine(demo_db)) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _open(page, url):
    page.goto(url)
    expect(page.locator("button.xf-submit")).to_be_visible(timeout=60_000)


def test_questionnaire_at_phone_width_and_double_click_stores_once(servers, browser, demo_db):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(servers["forms"])
    page.locator("[data-testid=menu-sixiang_dongtai]").click()
    expect(page.locator("button.xf-submit")).to_be_visible(timeout=60_000)
    before = _count(demo_db, Submission)
    f = Form(page)
    f.choose("unit", "更新队")
    for item, label in [("pay", "不太满意"), ("safety", "比较满意"), ("canteen", "一般"), ("shift", "很不满意"),
                        ("management", "比较满意"), ("ppe", "不太满意")]:
        f.choose(item, label)
    f.check("concerns", "收入分配")
    f.check("concerns", "排班休息")
    f.text("remark", "<b>夜班</b>太多了 😓")
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    screenshot(page, "form-questionnaire-phone")
    page.locator("button.xf-submit").dblclick()
    expect(page.locator("[data-testid=receipt]")).to_be_visible()
    page.wait_for_timeout(1500)  # let a second click's message reach the kernel, if it was sent
    assert _count(demo_db, Submission) == before + 1
    with db.session(db.make_engine(demo_db)) as s:
        sub = s.scalars(sa.select(Submission).order_by(Submission.id.desc())).first()
    assert sub.answers["unit"] == "更新队" and sub.answers["pay"] in (2, "2")
    assert sorted(sub.answers["concerns"]) == ["排班休息", "收入分配"]
    assert sub.answers["remark"] == "<b>夜班</b>太多了 😓"
    assert all(re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)", u) for u in requests)
    context.close()


def test_demand_registration_skip_logic_constraint_and_query_code(servers, page, demo_db):
    _open(page, f"{servers['forms']}?form=suqiu_dengji")
    f = Form(page)
    name_box = page.locator(".xf-field-name")
    f.choose("intake_mode", "匿名")
    expect(name_box).to_be_hidden()
    f.choose("intake_mode", "实名")
    expect(name_box).to_be_visible()
    f.text("name", "赵铁柱")
    f.text("phone", "12345")
    expect(page.locator(".xf-field-phone [data-testid=field-error]")).to_have_text(
        "「联系电话」：请填写 11 位手机号或带区号的固定电话")
    f.text("phone", "13912345678")
    expect(page.locator(".xf-field-phone [data-testid=field-error]")).to_have_count(0)
    f.choose("unit", "抽采队")
    f.text("content", "井下津贴这个月又晚发了半个月，<script>alert(1)</script>")
    before = _count(demo_db, Case)
    receipt = f.submit()
    receipt.to_contain_text("查询码")
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page.locator("[data-testid=receipt]").inner_text())[0]
    page.locator("[data-testid=receipt]").scroll_into_view_if_needed()
    screenshot(page, "form-demand-receipt")
    assert _count(demo_db, Case) == before + 1
    with db.session(db.make_engine(demo_db)) as s:
        case = s.scalars(sa.select(Case).order_by(Case.id.desc())).first()
        vault = s.scalar(sa.select(PiiVault).where(PiiVault.case_id == case.id))
    assert case.intake_mode == "实名" and case.text.endswith("<script>alert(1)</script>")
    assert "赵铁柱" not in case.text and vault.name == "赵铁柱" and vault.phone == "13912345678"
    page.goto(f"{servers['forms']}?page=lookup")
    page.locator(".xf-lookup-code input").fill(code)
    page.locator("button.xf-lookup-button").click()
    expect(page.locator("[data-testid=progress-status]")).to_have_text("登记", timeout=30_000)


def test_refused_submit_names_each_problem(servers, page):
    _open(page, f"{servers['forms']}?form=suqiu_dengji")
    page.locator("button.xf-submit").click()
    error = page.locator("[data-testid=form-error]")
    expect(error).to_be_visible()
    assert "反映方式" in error.inner_text() or "必填" in error.inner_text() or "请" in error.inner_text()
    assert page.locator("[data-testid=receipt]").count() == 0


def test_meeting_record_with_demands_on_the_office_server(servers, office_page, demo_db):
    page = office_page
    _open(page, f"{servers['office']}?form=xiafang_zuotan")
    f = Form(page)
    f.choose("kind", "牢骚会")
    f.choose("unit", "更新队")
    f.text("title", "精益奖金分配听取意见座谈会")
    f.text("host", "郜主任")
    f.text("participants", "65")
    for i, (demand, spot) in enumerate([("精益奖金分配差距比较大", "否"), ("劳保用品发放不及时", "是")]):
        page.locator("button.xf-add-demands").click()
        item = page.locator(".xf-item").nth(i)
        g = Form(page, item)
        g.text("demand_text", demand)
        g.text("people", "12")
        g.choose("on_spot", spot)
        if spot == "是":
            g.text("reply", "本周内补发")
            expect(item.locator(".xf-field-follow_up_by")).to_be_hidden()  # only asked when not answered
        else:
            g.text("follow_up_by", "更新队队长")
    acts, cases = _count(demo_db, Activity), _count(demo_db, Case)
    f.submit().to_be_visible()
    screenshot(page, "form-meeting-record")
    assert _count(demo_db, Activity) == acts + 1
    assert _count(demo_db, Case) == cases + 2
    with db.session(db.make_engine(demo_db)) as s:
        act = s.scalars(sa.select(Activity).order_by(Activity.id.desc())).first()
        texts = list(s.scalars(sa.select(Case.text).where(Case.source_activity_id == act.id)))
    assert (act.kind, act.participants) == ("牢骚会", 65)
    assert sorted(texts) == sorted(["精益奖金分配差距比较大", "劳保用品发放不及时"])


def test_training_followup_and_risk_forms(servers, office_page, demo_db):
    page = office_page
    _open(page, f"{servers['office']}?form=xuanjiang_peixun")
    f = Form(page)
    f.choose("kind", "培训")
    f.date("held_on", dt.date.today().isoformat())
    f.text("title", "支部书记信访业务培训")
    f.choose("audience", "支部书记")
    f.text("sessions", "2")
    f.text("participants", "36")
    before = _count(demo_db, Activity, Activity.audience == "支部书记")
    f.submit().to_be_visible()
    assert _count(demo_db, Activity, Activity.audience == "支部书记") == before + 1

    # the plan is chosen from the ledger's list, which names no one and says nothing of the concern
    with db.session(db.make_engine(demo_db)) as s:
        plan_id = s.scalar(sa.select(FollowUpPlan.id).where(FollowUpPlan.status == "跟进中").order_by(FollowUpPlan.id))
        label = next(c.label() for c in SOURCES["yirenyice.csv"].rows(s) if c.name == str(plan_id))
        concerns = set(s.scalars(sa.select(FollowUpPlan.concern)))
    page.goto(f"{servers['office']}?page=plans")  # 记录回访 on the plan's row opens the form with it chosen
    row = page.locator("[data-testid=plan-row]", has=page.locator("td:first-child", has_text=re.compile(f"^{plan_id}$")))
    row.locator("[data-testid=plan-visit]").click()
    expect(page.locator("button.xf-submit")).to_be_visible(timeout=60_000)
    options = page.locator(".xf-input-plan select option").all_inner_texts()
    assert label in options and len(options) == _count(demo_db, FollowUpPlan)
    assert not [o for o in options if any(c in o for c in concerns)]
    assert page.locator(".xf-input-plan select").evaluate("s => s.options[s.selectedIndex].text") == label
    f = Form(page)
    f.choose("way", "谈心谈话")
    f.text("visitor", "李干事")
    f.choose("mood", "好转")
    f.text("notes", "工伤待遇已落实，情绪好转")
    screenshot(page, "form-visit-plan-chosen")
    before = _count(demo_db, FollowUpVisit, FollowUpVisit.plan_id == plan_id)
    f.submit().to_be_visible()
    assert _count(demo_db, FollowUpVisit, FollowUpVisit.plan_id == plan_id) == before + 1
    mine = page.locator(".xf-input-plan select option", has_text=re.compile(f"^{plan_id}号｜"))
    expect(mine).to_contain_text(f"上次回访：{dt.date.today().isoformat()}")  # the list read again

    _open(page, f"{servers['office']}?form=buwending_paicha")
    f = Form(page)
    f.choose("unit", "抽采队")
    f.choose("source", "重点摸排")
    f.text("issue", "井下津贴标准调整后职工意见较大")
    f.text("people_count", "15")
    f.choose("level", "较大")
    f.text("measures", "召开专题座谈会，公开测算依据")
    f.text("owner", "王干事")
    before = _count(demo_db, RiskItem)
    f.submit().to_be_visible()
    assert _count(demo_db, RiskItem) == before + 1
    with db.session(db.make_engine(demo_db)) as s:
        item = s.scalars(sa.select(RiskItem).order_by(RiskItem.id.desc())).first()
    assert (item.issue, item.people_count, item.level) == ("井下津贴标准调整后职工意见较大", 15, "较大")


def test_forms_server_does_not_offer_office_forms(servers, page):
    page.goto(f"{servers['forms']}?form=buwending_paicha")
    expect(page.locator("[data-testid=error]")).to_have_text("这里没有这张表单。请从首页选择。", timeout=60_000)


_CUT_INPUTS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
    .filter(e => e.offsetParent !== null)
    .map(e => {
        let box = e.parentElement;  // the nearest box that clips what overflows it
        while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
        if (!box || box === document.body) return null;
        const r = e.getBoundingClientRect(), left = box.getBoundingClientRect().left + box.clientLeft;
        const field = e.closest('.xf-field');
        const name = field ? field.className.match(/xf-field-(\\S+)/)[1] : e.className || e.tagName;
        return r.left < left - 0.5 || r.right > left + box.clientWidth + 0.5
            ? `${name} [${Math.round(r.left)}, ${Math.round(r.right)}] in [${Math.round(left)}, ${Math.round(left + box.clientWidth)}]`
            : null; })
    .filter(Boolean)"""


_OTHER_FONT = """() => Array.from(document.querySelectorAll('input[type=text], textarea, select'))
    .filter(e => e.offsetParent !== null)
    .map(e => getComputedStyle(e).fontFamily).filter(f => f !== getComputedStyle(document.body).fontFamily)"""


def test_inputs_whole_and_in_the_page_font(servers, browser, office_page):
    """Every text box, select and text area shows its whole border, on a phone and in the office: with
    width 100% and ipywidgets' 2 px margin each one overflowed its box, which cut off its right edge. And
    what is typed shows in the page's font: text boxes and areas were monospace, like code."""
    from xinfang.forms import served_on

    phone = browser.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN", is_mobile=True).new_page()
    visits = [(phone, f"{servers['forms']}?form={key}", "button.xf-submit") for key in served_on("forms")]
    visits.append((phone, f"{servers['forms']}?page=lookup", ".xf-lookup-code input"))
    visits += [(office_page, f"{servers['office']}?form={key}", "button.xf-submit") for key in served_on("office")]
    cut, fonts = {}, {}
    for page, url, ready in visits:
        page.goto(url)
        expect(page.locator(ready).first).to_be_visible(timeout=60_000)
        cut[url] = page.evaluate(_CUT_INPUTS)
        fonts[url] = page.evaluate(_OTHER_FONT)
    assert len(cut) == len(visits) >= 8
    assert all(not inputs for inputs in cut.values()), {url: inputs for url, inputs in cut.items() if inputs}
    assert all(not other for other in fonts.values()), {url: other for url, other in fonts.items() if other}
    phone.context.close()
