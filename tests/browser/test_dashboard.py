"""Dashboards in Chromium: the library's KPI values, charts drawn, filters that change them, small
groups suppressed, no case text in the meeting view, nothing fetched from outside, sign-in required."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from widgets.dashboard_filters import DashboardFilters
from xinfang import dashboard
from xinfang.storage import db
from xinfang.storage.models import Case

from .conftest import screenshot

pytestmark = pytest.mark.browser


def expected_cards(demo_db, **choose):
    with db.session(db.make_engine(demo_db)) as s:
        sources = dashboard.load(s)
        filters = DashboardFilters(dashboard.options(sources))
        for name, value in choose.items():
            getattr(filters, name).value = value
        data = dashboard.dashboard_data(filters.value, "office", sources, s)
    return {k: str(v) for k, v in data["cards"].items()}


def shown_cards(page):
    cards = page.locator("[data-testid=count]")
    expect(cards.first).to_be_visible(timeout=90_000)
    return {c.get_attribute("data-label"): c.locator("[data-testid=count-value]").inner_text() for c in cards.all()}


def wait_for_cards(page, expected, timeout=60):
    """The cards redraw after a filter change: poll until they show ``expected`` (or fail with both)."""
    import time

    deadline = time.monotonic() + timeout
    shown = None
    while time.monotonic() < deadline:
        shown = shown_cards(page)
        if shown == expected:
            return
        page.wait_for_timeout(300)
    assert shown == expected


def test_office_dashboard_values_filters_and_suppression(servers, office_page, demo_db):
    page = office_page
    page.set_viewport_size({"width": 1440, "height": 900})
    # plotly.js draws a copy of a chart off the page (left: -5000px) to make a PNG of it: counted here
    page.add_init_script("""window.__xfImageCopies = 0;
        new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
            if (n.style && n.style.left === '-5000px') { window.__xfImageCopies++; } })))
          .observe(document, {childList: true, subtree: true});""")
    page.goto(f"{servers['office']}?page=dashboard")
    assert shown_cards(page) == expected_cards(demo_db)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=90_000)
    assert page.locator(".js-plotly-plot").count() >= 4
    page.wait_for_load_state("networkidle")
    screenshot(page, "dashboard-office")
    # each chart drawn in one pass: the room xinfang.charts reserved held every label (plotly.js draws a
    # chart again when it has to widen a margin)
    widened = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
        const m = gd._fullLayout.margin, s = gd._fullLayout._size;
        return [Math.round(s.l) - m.l, Math.round(s.r) - m.r, Math.round(s.t) - m.t, Math.round(s.b) - m.b]; })""")
    assert len(widened) >= 4 and all(max(w) <= 0 for w in widened), widened
    # and each legend row above its plot, not over the first row of bars
    overlap = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
        const legend = gd.querySelector('g.legend');
        return legend ? legend.getBoundingClientRect().bottom - gd.getBoundingClientRect().top - gd._fullLayout._size.t
                      : null; }).filter(x => x !== null)""")
    assert len(overlap) >= 3 and max(overlap) <= 0, overlap
    # the renderer's second drawing is skipped (widgets/chart_script.py); charts follow the window's width
    assert page.evaluate("window.__xfQuietPlotly") == "patched"
    # … and no PNG copy of a chart is drawn (the renderer keeps one for a saved notebook; a page has none)
    assert page.evaluate("[window.__xfQuietImages, window.__xfImageCopies]") == ["patched", 0]
    wide = page.evaluate("document.querySelector('.js-plotly-plot')._fullLayout.width")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.wait_for_function("w => document.querySelector('.js-plotly-plot')._fullLayout.width < w - 300", arg=wide,
                           timeout=30_000)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_function("w => document.querySelector('.js-plotly-plot')._fullLayout.width === w", arg=wide,
                           timeout=30_000)
    before = shown_cards(page)
    page.locator(".xf-filter-branch select").select_option(label="综采党支部")
    after = expected_cards(demo_db, branch="综采党支部")
    assert after != before
    wait_for_cards(page, after)
    # 测量组 has four people: its figures are suppressed
    page.locator(".xf-filter-branch select").select_option(label="通风安全党支部")
    page.locator(".xf-filter-unit select").select_option(label="测量组")
    small = expected_cards(demo_db, branch="通风安全党支部", unit="测量组")
    assert "<5" in small.values()
    wait_for_cards(page, small)
    screenshot(page, "dashboard-office-small-unit")
    assert page.evaluate("window.__xfImageCopies") == 0
    assert_longest_choices_fit(page)
    assert page.request_log.external() == []


def test_meeting_view_shows_no_case_text(servers, office_page, demo_db):
    page = office_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{servers['office']}?page=meeting")
    expect(page.locator("[data-testid=meeting-screen]").first).to_be_visible(timeout=90_000)
    page.wait_for_load_state("networkidle")
    screenshot(page, "dashboard-meeting-projector")
    with db.session(db.make_engine(demo_db)) as s:
        texts = list(s.scalars(sa.select(Case.text)))
    body = page.inner_text("body")
    for _ in range(8):  # every screen of the meeting
        nxt = page.locator("button", has_text="下一屏")
        if not nxt.count() or nxt.is_disabled():
            break
        nxt.click()
        page.wait_for_timeout(400)
        body += page.inner_text("body")
    assert not re.search(r"XF20\d\d-\d{7}", body), "no case numbers in a meeting view"
    leaked = [t for t in texts if len(t) >= 8 and t[:12] in body]
    assert leaked == []
    assert_longest_choices_fit(page)
    assert page.request_log.external() == []


# The text a <select> shows, measured in its own font, plus room for its padding and arrow; and the
# select's box inside its widget's row (the projector's taller selects were cut at the bottom).
CLIPPED_SELECTS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return Array.from(document.querySelectorAll('.widget-dropdown select')).flatMap(sel => {
    ctx.font = getComputedStyle(sel).font;
    const text = sel.options[sel.selectedIndex].text;
    const need = Math.ceil(ctx.measureText(text).width + 28);
    const box = sel.getBoundingClientRect(), row = sel.parentElement.getBoundingClientRect();
    return [...(need > sel.clientWidth ? [[text, need, sel.clientWidth]] : []),
            ...(box.bottom > row.bottom + 0.5 ? [[text, 'cut at the bottom', box.bottom - row.bottom]] : [])];
  });
}"""


def assert_longest_choices_fit(page):
    """Every filter shows its longest choice (a unit's, a topic's, a branch's full name) unclipped."""
    for name in ("period", "branch", "unit", "topic", "channel"):
        select = page.locator(f".xf-filter-{name} select")
        choices = select.locator("option").all_inner_texts()
        if select.is_enabled():
            select.select_option(label=max(choices, key=len))
            page.wait_for_timeout(300)
    clipped = page.evaluate(CLIPPED_SELECTS)
    assert clipped == [], f"filters too narrow for their text (text, px needed, px shown): {clipped}"


def test_dashboards_need_sign_in(servers, page):
    for which in ("dashboard", "meeting", "report"):
        page.goto(f"{servers['office']}?page={which}")
        expect(page.locator("[data-testid=login-form]")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=count], [data-testid=meeting-screen]").count() == 0


def test_generated_report_opens_in_the_browser(demo_db, browser, tmp_path):
    import subprocess
    import sys

    from ..conftest import REPO

    out = subprocess.run([sys.executable, "-m", "xinfang.cli", "report", "--period", "2026Q3", "--branch", "综采党支部",
                          "--out", str(tmp_path)], capture_output=True, text=True, cwd=REPO,
                         env={**__import__("os").environ, "XINFANG_DB_URL": demo_db})
    assert out.returncode == 0, out.stderr
    html_file = next(tmp_path.glob("*.html"))
    assert next(tmp_path.glob("*.docx")).stat().st_size > 10_000
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html_file.as_uri())
    body = page.inner_text("body")
    for section in ("一、总体情况", "二、主要表现", "不稳定因素", "思想情绪", "典型案例", "原因分析", "上季度措施落实"):
        assert section in body, section
    assert "综采党支部2026年第三季度" in body
    screenshot(page, "report-html")
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.close()
