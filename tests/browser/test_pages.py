"""The served pages in Chromium: counts, the 查询码 page, a case from 登记 to 办结 with its 处理意见书;
nothing fetched from outside the machine; the office needs sign-in; logs hold no client address."""

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from docx import Document
from playwright.sync_api import expect

from xinfang import metrics
from xinfang.cases import NewCase, register_case
from xinfang.storage import db

from .conftest import new_page, screenshot

pytestmark = pytest.mark.browser


def _session(demo_db):
    return db.session(db.make_engine(demo_db))


@pytest.fixture(scope="module")
def fresh_case(demo_db):
    with _session(demo_db) as s:
        reg = register_case(s, NewCase(text="我觉得队里的精益奖金分配差距比较大，<script>alert('x')</script>",
                                       received_on=dt.date.today() - dt.timedelta(days=2), channel="下访收集",
                                       intake_mode="实名", unit="更新队", identity={"name": "赵铁柱"}))
    return reg


def test_office_overview_shows_the_library_counts(servers, office_page, demo_db):
    page = office_page
    page.goto(servers["office"])
    cards = page.locator("[data-testid=count]")
    expect(cards.first).to_be_visible(timeout=60_000)
    with _session(demo_db) as s:
        expected = {k: str(v) for k, v in metrics.headline_counts(s).items()}
    shown = {c.get_attribute("data-label"): c.locator("[data-testid=count-value]").inner_text() for c in cards.all()}
    assert shown == expected
    expect(page.locator("[data-testid=menu-cases]")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "office-overview")
    assert page.request_log.urls and page.request_log.external() == []


def test_office_needs_sign_in(servers, page):
    page.goto(servers["office"])
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=count]").count() == 0
    assert page.request_log.external() == []


def test_case_from_registration_to_closure_with_decision_letter(servers, office_page, fresh_case, tmp_path, demo_db,
                                                                 office_accounts):
    page = office_page
    page.goto(f"{servers['office']}?page=case&id={fresh_case.case_id}")
    status = page.locator("[data-testid=case-status]")
    expect(status).to_have_text("登记", timeout=60_000)
    expect(page.locator("[data-testid=case-text]")).to_contain_text("<script>alert('x')</script>")

    def act(action, expected_status, fill=None):
        page.locator("button.xf-action", has_text=re.compile(f"^{action}$")).click()
        if fill:
            fill()
        page.locator("button.xf-confirm").click()
        expect(page.locator("[data-testid=done]")).to_have_text(f"已办理：{action}")
        expect(status).to_have_text(expected_status)

    act("受理", "已受理")
    act("告知", "已受理")
    act("交办", "办理中", lambda: page.locator(".xf-detail-to_whom input").fill("更新队"))

    def reply():
        page.locator(".xf-detail-outcome select").select_option("支持")
        page.locator(".xf-detail-facts textarea").fill("二次分配方案未经职工代表讨论")
        page.locator(".xf-note textarea").fill("责成更新队重新公示二次分配方案")

    act("答复", "已答复", reply)
    act("回访", "已答复", lambda: page.locator(".xf-detail-satisfaction select").select_option("满意"))
    act("办结", "办结")
    assert page.locator("[data-testid=event]").count() == 7
    page.locator("button.xf-doc-decision").click()
    link = page.locator("[data-testid=download]")
    expect(link).to_be_visible()
    expect(page.locator("[data-testid=letter]")).to_contain_text("赵铁柱同志")
    # The look at the petitioner's name is on record under the signed-in user, as is each step.
    from xinfang import accounts
    from xinfang.storage.models import AuditLog, Case, CaseEvent

    with _session(demo_db) as s:
        signed_in = accounts._account(s, accounts.find_user(s, office_accounts["信访干部"][0])).label
        case_no = s.get(Case, fresh_case.case_id).case_no
        looks = [(a.actor, a.action) for a in s.scalars(sa.select(AuditLog).where(AuditLog.target == case_no))]
        steps = {e.actor for e in s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == fresh_case.case_id,
                                                                      CaseEvent.kind != "登记"))}
    assert looks == [(signed_in, "查看身份")] and steps == {signed_in}
    screenshot(page, "office-case-closed")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "letter.docx"
    info.value.save_as(path)
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "信访事项处理意见书" in text and "责成更新队重新公示二次分配方案" in text and "复查" in text
    assert page.request_log.external() == []


def test_refused_action_shows_the_rule(servers, office_page, demo_db):
    page = office_page
    with _session(demo_db) as s:
        reg = register_case(s, NewCase(text="食堂饭菜太咸", received_on=dt.date.today(), channel="意见箱",
                                       intake_mode="匿名"))
    page.goto(f"{servers['office']}?page=case&id={reg.case_id}")
    page.locator("button.xf-action", has_text="不予受理").click()
    page.locator("button.xf-confirm").click()
    expect(page.locator("[data-testid=error]")).to_have_text("「不予受理」需要填写理由。")
    expect(page.locator("[data-testid=case-status]")).to_have_text("登记")


def test_lookup_page_at_phone_width(servers, browser, demo_db):
    with _session(demo_db) as s:
        register_case(s, NewCase(text="宿舍热水不稳定", received_on=dt.date.today(), channel="意见箱",
                                 intake_mode="匿名", query_code="QRST-UVWX-YZ23"))
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    pg = context.new_page()
    requests = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(servers["forms"])
    pg.locator("[data-testid=menu-lookup]").click()
    pg.locator(".xf-lookup-code input").fill("qrst-uvwx-yz23")
    pg.locator("button.xf-lookup-button").click()
    expect(pg.locator("[data-testid=progress-status]")).to_have_text("登记", timeout=60_000)
    assert pg.evaluate("document.documentElement.scrollWidth") <= 380
    screenshot(pg, "forms-lookup-phone")
    assert requests and all(re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)", u) for u in requests)
    context.close()


def test_server_logs_hold_no_client_address(servers, page):
    page.goto(servers["forms"])
    expect(page.locator("[data-testid=menu-lookup]")).to_be_visible(timeout=60_000)
    log = (servers["run_dir"] / "forms.log").read_text(encoding="utf-8", errors="replace")
    assert "GET /" in log  # requests are logged …
    # … without the client's address: the only address left is the server's own banner URL.
    log = log.replace(servers["forms"].rstrip("/"), "<server>")
    assert re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", log) == []


def test_page_extensions_are_fetched_once(servers, office_context):
    """plotly.js and the widget controls (Voila's page extensions) come with a year's immutable cache
    when their file name holds their content's hash, so opening the next page takes them from the
    browser's cache, not the network; other extension files keep Voila's no-cache."""
    from urllib.parse import urlparse

    from .conftest import new_page

    context = office_context("主任")
    page = new_page(context)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: list[tuple[str, str, bool]] = []  # (path, Cache-Control, served from the browser's cache)
    from_cache: set[str] = set()  # request ids the memory cache answered (Chromium reports them apart)

    def received(event):
        response = event["response"]
        path = urlparse(response["url"]).path
        if "/voila/labextensions/" in path:
            control = next((v for k, v in response["headers"].items() if k.lower() == "cache-control"), "")
            cached = bool(response.get("fromDiskCache")) or event["requestId"] in from_cache
            seen.append((path, control, cached))

    cdp.on("Network.requestServedFromCache", lambda event: from_cache.add(event["requestId"]))
    cdp.on("Network.responseReceived", received)
    chunk = re.compile(r"\.[0-9a-f]{16,}\.js$")
    page.goto(f"{servers['office']}?page=dashboard")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=90_000)
    first = list(seen)
    plotly = [p for p, _, _ in first if "/jupyterlab-plotly/" in p and chunk.search(p)]
    assert len(plotly) >= 2, first  # its remote entry and plotly.js itself
    for path, control, _ in first:
        expected = "public, max-age=31536000, immutable" if chunk.search(path) else "no-cache"
        assert control == expected, (path, control)

    seen.clear()
    page.goto(f"{servers['office']}?page=cases")  # another page of the office, same browser
    expect(page.locator("[data-testid=page-title]")).to_be_visible(timeout=90_000)
    again = {path: cached for path, _, cached in seen if chunk.search(path)}
    assert again, seen  # the extensions were asked for again…
    assert all(again.values()), [p for p, c in again.items() if not c]  # … and none left the browser


# Visible widget buttons whose text is wider than the button (ipywidgets makes every button 148 px wide
# and cuts what does not fit with 「…」).
_CUT_BUTTONS = """() => Array.from(document.querySelectorAll('button.jupyter-button'))
    .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
    .map(b => `${b.innerText.trim()} (${b.scrollWidth} > ${b.clientWidth} px)`)"""


def test_no_button_text_is_cut(servers, office_context, demo_db):
    """Every button of the office pages shows its whole text, in both scripts: 「生成下载文件（HTML / Word）」
    showed as 「生成下载文件（HT…」 and 「登记到不稳定因素台账」 lost its last character."""
    with _session(demo_db) as s:  # a case just registered: its page offers every first step
        open_case = register_case(s, NewCase(text="班车时间能否调整", received_on=dt.date.today(),
                                             channel="下访收集", intake_mode="匿名", unit="更新队")).case_id
    page = new_page(office_context("主任"))
    visits = [("report", "button:has-text('HTML / Word')"), ("warnings", ".xf-flags-to-ledger"),
              (f"case&id={open_case}", "button.xf-action"), ("dashboard", "button:has-text('查看事项')"),
              ("meeting", "button:has-text('下一屏')"), ("risks", ".xf-risk-update"),
              ("cases", ".widget-toggle-button")]
    cut = {}
    for lang in ("", "&lang=zh-Hant"):
        for query, ready in visits if not lang else visits[:2]:
            page.goto(f"{servers['office']}?page={query}{lang}")
            expect(page.locator(ready).first).to_be_visible(timeout=60_000)
            cut[query + lang] = page.evaluate(_CUT_BUTTONS)
    assert all(not texts for texts in cut.values()), cut
    assert page.request_log.external() == []
