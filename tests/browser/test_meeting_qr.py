"""LAN serving: ``xinfang serve --host 0.0.0.0`` prints and shows the machine's LAN address; the
meeting view carries the questionnaire's URL as a QR code (inline SVG, nothing fetched) and as text;
that URL, opened as a phone would, serves the questionnaire."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from xinfang import lan

from .conftest import new_page, screenshot, sign_in, xinfang_serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lan_servers(demo_db, tmp_path_factory, vault_key_file):
    """Both servers listening on every address, as on the mine LAN."""
    address = lan.primary_address()
    if address is None:
        pytest.skip("this machine has no LAN interface up")
    run_dir = tmp_path_factory.mktemp("run-lan")
    with xinfang_serve(demo_db, vault_key_file, run_dir, "--host", "0.0.0.0", wait=120,
                       forms_pool_size="1") as (ports, text):
        yield {"address": address, "ports": ports, "stdout": text,
               "office": f"http://127.0.0.1:{ports['office']}/",
               "questionnaire": f"http://{address}:{ports['forms']}/?form=sixiang_dongtai"}


def test_meeting_view_shows_the_questionnaire_qr_code(lan_servers, browser, office_accounts):
    assert not lan_servers["address"].startswith("127.")
    assert f"表单服务器：http://{lan_servers['address']}:{lan_servers['ports']['forms']}/" in lan_servers["stdout"]
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        sign_in(context, lan_servers["office"], *office_accounts["信访干部"])
        page = new_page(context)
        page.goto(f"{lan_servers['office']}?page=meeting", wait_until="commit")  # Voila streams it
        expect(page.locator("[data-testid=qr-url]")).to_have_text(lan_servers["questionnaire"], timeout=90_000)
        expect(page.locator("[data-testid=meeting-screen]").first).to_be_visible(timeout=90_000)
        assert page.locator("[data-testid=qr-note]").count() == 0  # reachable from the LAN: no warning
        # the symbol drawn is segno's for exactly that URL
        drawn = page.locator("[data-testid=qr-code] svg path").evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
        assert drawn == re.findall(r' d="([^"]+)"', lan.qr_svg(lan_servers["questionnaire"]))
        box = page.locator("[data-testid=qr-code] svg").bounding_box()
        assert box["width"] >= 200 and box["height"] >= 200  # big enough to scan off a projector
        page.wait_for_load_state("networkidle")
        screenshot(page, "meeting-qr-projector")
        assert page.request_log.external() == []  # the code is drawn in the page, not fetched
        page.get_by_role("button", name="隐藏二维码").click()
        expect(page.locator("[data-testid=questionnaire-qr]")).to_be_hidden()
    finally:
        context.close()


def test_the_url_in_the_qr_code_opens_the_questionnaire(lan_servers, browser):
    """What a phone does after scanning: open the URL (the LAN address, not 127.0.0.1)."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(lan_servers["questionnaire"], wait_until="commit")
        expect(page.locator("button.xf-submit")).to_be_visible(timeout=90_000)
        expect(page.get_by_text("员工思想动态问卷").first).to_be_visible()
        screenshot(page, "meeting-qr-phone")
    finally:
        phone.close()
