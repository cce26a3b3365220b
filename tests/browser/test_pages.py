"""Both served pages show the demo counts, stay on this machine, and the office page needs its token."""

import re

import pytest
from playwright.sync_api import expect

from xinfang import metrics
from xinfang.storage import db

from .conftest import screenshot

pytestmark = pytest.mark.browser


def expected_counts(demo_db):
    eng = db.make_engine(demo_db)
    with db.session(eng) as s:
        counts = metrics.headline_counts(s)
    eng.dispose()
    return {k: str(v) for k, v in counts.items()}


def shown_counts(page):
    cards = page.locator("[data-testid=count]")
    expect(cards.first).to_be_visible(timeout=60_000)
    return {c.get_attribute("data-label"): c.locator("[data-testid=count-value]").inner_text()
            for c in cards.all()}


@pytest.mark.parametrize("which", ["forms", "office"])
def test_page_shows_the_demo_counts_and_fetches_nothing_external(servers, page, demo_db, which):
    url = servers[which] + (f"?token={servers['token']}" if which == "office" else "")
    page.goto(url)
    assert shown_counts(page) == expected_counts(demo_db)
    expect(page.locator("[data-testid=page-title]")).to_contain_text("信访工作簿")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"foundation-{which}")
    assert page.request_log.urls, "the request log recorded nothing"
    assert page.request_log.external() == []


def test_office_page_needs_the_token(servers, page):
    page.goto(servers["office"])
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=count]").count() == 0
    assert page.request_log.external() == []


def test_forms_page_at_phone_width(servers, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    pg = context.new_page()
    pg.goto(servers["forms"])
    cards = pg.locator("[data-testid=count]")
    expect(cards.first).to_be_visible(timeout=60_000)
    assert pg.evaluate("document.documentElement.scrollWidth") <= 380
    screenshot(pg, "foundation-forms-phone")
    context.close()


def test_server_logs_hold_no_client_address(servers, page):
    page.goto(servers["forms"])
    expect(page.locator("[data-testid=count]").first).to_be_visible(timeout=60_000)
    log = (servers["run_dir"] / "forms.log").read_text(encoding="utf-8", errors="replace")
    assert "GET /" in log  # requests are logged …
    # … without the client's address: the only address left is the server's own banner URL.
    log = log.replace(servers["forms"].rstrip("/"), "<server>")
    assert re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", log) == []
