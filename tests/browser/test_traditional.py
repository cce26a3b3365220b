"""简 / 繁 in Chromium: the questionnaire and the office dashboard opened with ``lang=zh-Hant`` show
Traditional characters (no Simplified-only character of the UI left in the checked region), what
someone wrote is shown as written, and the 简 / 繁 switch reloads the same page in the other script."""

import re

import pytest
from playwright.sync_api import expect

from xinfang.script import TRADITIONAL, to_script

from .conftest import new_page, screenshot

pytestmark = pytest.mark.browser

# The text a region shows, leaving out what is never converted: what someone wrote and the switch
# (translate="no"), style sheets, and the questionnaire's own language buttons (each name in its script).
REGION_TEXT = """(selector) => {
  const root = document.querySelector(selector).cloneNode(true);
  root.querySelectorAll('[translate=no], style, .xf-form > .widget-toggle-buttons').forEach(e => e.remove());
  return root.textContent;
}"""


def simplified_only(text: str) -> list[str]:
    """What OpenCC would still convert in ``text`` (read in context: 伙食 stays, 伙 alone would not),
    each with a few characters around it."""
    converted = to_script(text, TRADITIONAL)
    if len(converted) != len(text):
        return [converted]
    return [text[max(0, i - 4):i + 5] for i, (a, b) in enumerate(zip(text, converted, strict=True)) if a != b]


def test_questionnaire_in_traditional_and_back(servers, page):
    page.set_viewport_size({"width": 412, "height": 915})
    page.goto(f"{servers['forms']}?form=sixiang_dongtai&lang=zh-Hant")
    expect(page.locator("button.xf-submit")).to_be_visible(timeout=60_000)
    expect(page.locator("button.xf-submit")).to_have_text("提交")
    expect(page.locator("[data-testid=form-title]")).to_have_text("員工思想動態問卷")
    expect(page.locator(".xf-field-satisfaction, .xf-group-title").first).to_be_visible()
    assert "您對以下方面的滿意程度" in page.locator(".xf-form").inner_text()
    expect(page.locator("[data-testid=script-current]")).to_have_text("繁")
    text = page.evaluate(REGION_TEXT, "body")
    assert "綜採一隊" in text or "滿意" in text
    assert simplified_only(text) == []
    screenshot(page, "traditional-questionnaire")
    page.locator("[data-testid=script-switch]").click()
    expect(page.locator("[data-testid=form-title]")).to_have_text("员工思想动态问卷", timeout=60_000)
    assert re.search(r"[?&]form=sixiang_dongtai(&|$)", page.url) and "lang=zh-Hans" in page.url
    assert "您对以下方面的满意程度" in page.locator(".xf-form").inner_text()
    expect(page.locator("[data-testid=script-current]")).to_have_text("简")
    screenshot(page, "traditional-questionnaire-back")
    assert page.request_log.external() == []


def test_office_dashboard_in_traditional_and_back(servers, office_context):
    page = new_page(office_context("信访干部"))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{servers['office']}?page=dashboard&lang=zh-Hant")
    rate = page.locator('[data-testid=count][data-label="满意率"] .xf-label')  # the hook stays as it was
    expect(rate).to_have_text("滿意率", timeout=90_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=90_000)
    expect(page.locator(".xf-filter-branch label")).to_have_text("黨支部")
    expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("話題 × 單位")
    page.wait_for_load_state("networkidle")
    # options: labels in Traditional, values as stored; choosing a branch redraws the unit list
    page.locator(".xf-filter-branch select").select_option(label="綜採黨支部")
    expect(page.locator(".xf-filter-unit select option", has_text="綜採一隊")).to_have_count(1, timeout=30_000)
    expect(page.locator(".xf-filter-unit select option", has_text="掘進一隊")).to_have_count(0, timeout=30_000)
    expect(page.locator('[data-testid=dashboard-title]')).to_contain_text("綜採黨支部", timeout=30_000)
    page.wait_for_load_state("networkidle")
    text = page.evaluate(REGION_TEXT, "body")
    charts = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
    assert "滿意率" in text and "黨支部" in text and "信訪工作看板" in text
    assert simplified_only(text) == [] and simplified_only(charts) == []
    screenshot(page, "traditional-dashboard")
    page.locator("[data-testid=script-switch]").click()
    expect(rate).to_have_text("满意率", timeout=90_000)
    expect(page.locator(".xf-filter-branch label")).to_have_text("党支部")
    assert "page=dashboard" in page.url and "lang=zh-Hans" in page.url
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=90_000)
    page.wait_for_load_state("networkidle")
    screenshot(page, "traditional-dashboard-back")
    assert page.request_log.external() == []
