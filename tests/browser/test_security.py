"""Hostile text in Chromium: remarks with <script>, <img onerror>, javascript: links and plotly label HTML
are shown as typed — in forms, the office's case list and case page, dashboard charts (axis, hover,
drill-down), the meeting view, the quarterly report and the 查询码 page: no dialog fires, no element is
injected, the text appears literally, and no page fetches anything from beyond the machine.

The forms server (public on the mine LAN) serves no notebook source, file tree, terminal or kernel
list; a kernel answers only the page that opened it and runs no code sent by a browser; its log holds
no client address."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from xinfang import lifecycle, report
from xinfang.cases import NewCase, register_cases
from xinfang.storage import db
from xinfang.storage.models import Case, OrgUnit

from ..conftest import REPO
from .conftest import Form, new_page, screenshot

pytestmark = pytest.mark.browser

# Each short enough to show whole in the case list's 40-character summary.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "javascript:alert(1)",
    "<b>粗体</b><br>换行<i>斜</i>",
    "<svg onload=alert(1)>",
    '"><img src=x onerror=alert(1)>',
]
MARK = "甲乙"  # every hostile case text starts with it (the case list's search finds them)
UNIT = "<img src=x onerror=alert(1)>队"  # a unit whose name reaches chart axes and hover labels
REPLY = '<img src=x onerror=alert(1)><a href="javascript:alert(1)">答复</a>'
SECTION = '原因：<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">见附件</a>'

INJECTED = r"""() => {
  const found = [];
  const runnable = (s) => !s.type || /javascript|ecmascript|module/i.test(s.type);
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      const value = el.getAttribute(name) || '';
      if (/^on/i.test(name) && /alert/i.test(value)) found.push(`${el.tagName} ${name}=${value}`);
      if (/(^|:)(href|src|action|formaction|data)$/i.test(name) && /^\s*javascript:/i.test(value))
        found.push(`${el.tagName} ${name}=${value}`);
    }
    if (el.tagName === 'SCRIPT' && runnable(el) && /alert\(1\)/.test(el.textContent)) found.push('SCRIPT alert(1)');
    if (el.tagName.toLowerCase() === 'img' && el.getAttribute('src') === 'x') found.push('IMG src=x');
  }
  return found;
}"""


class Watch:
    """Dialogs a page opens (alert, confirm …) are recorded and dismissed."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, *literal: str, where="body") -> str:
        """No dialog, nothing injected, nothing fetched from outside; ``literal`` texts shown as typed
        (in the text of ``where``, a selector or a locator)."""
        self.page.wait_for_load_state("networkidle")
        at = self.page.locator(where).first if isinstance(where, str) else where
        text = at.evaluate("e => e.textContent")
        for t in literal:
            assert t in text, f"{t!r} not shown literally in {where}"
        assert self.page.evaluate(INJECTED) == []
        assert self.dialogs == []
        assert self.page.request_log.external() == []
        return text


@pytest.fixture(scope="module")
def hostile(demo_db):
    """Hostile remarks registered through the library in the browser tests' copy of the demo mine: a
    unit named with markup (in 综采党支部) with enough complaints to show on every chart, one case per
    payload, a reply with markup on the first, and 综采党支部's quarterly report with a hostile section."""
    today = dt.date.today()
    eng = db.make_engine(demo_db)
    with db.session(eng) as s:
        branch = s.scalar(sa.select(OrgUnit).where(OrgUnit.kind == "党支部", OrgUnit.name == "综采党支部"))
        s.add(OrgUnit(name=UNIT, kind="区队", parent_id=branch.parent_id, branch_id=branch.id, headcount=40))
        s.flush()
        rows = [NewCase(text=f"{MARK}{i} {p}", received_on=today - dt.timedelta(days=1), channel="意见箱",
                        intake_mode="匿名", unit=UNIT) for i, p in enumerate(PAYLOADS)]
        rows += [NewCase(text=f"工资拖欠太久了，很不满意 {PAYLOADS[i % len(PAYLOADS)]}", received_on=today - dt.timedelta(days=2),
                         channel="意见箱", intake_mode="匿名", unit=UNIT) for i in range(12)]
        cases = register_cases(s, rows)
        first = cases[0]
        lifecycle.apply(s, first.case_id, "受理", on=today, today=today)
        lifecycle.apply(s, first.case_id, "答复", on=today, note=REPLY, today=today, outcome="支持")
        year, quarter = today.year, (today.month - 1) // 3 + 1
        drafted = report.draft(s, "综采党支部", year, quarter, today=today)
        report.edit(s, drafted["id"], {"causes": SECTION, "measures": PAYLOADS[2]})
        stored = report.get(s, drafted["id"])
    eng.dispose()
    return {"cases": cases, "first": first, "report": stored, "period": f"{year}Q{quarter}"}


# -- office pages (signed in) -----------------------------------------------------------------------

def test_case_list_and_case_pages_show_remarks_as_typed(servers, office_page, hostile):
    watch = Watch(office_page)
    office_page.goto(f"{servers['office']}?page=cases")
    search = office_page.locator("input[placeholder='按内容或编号搜索']")
    expect(search).to_be_visible(timeout=90_000)
    search.fill(MARK)
    search.press("Enter")
    expect(office_page.locator("[data-testid=case-row]")).to_have_count(len(PAYLOADS), timeout=30_000)
    watch.check(*PAYLOADS)
    screenshot(office_page, "security-case-list")
    for reg, payload in zip(hostile["cases"], PAYLOADS, strict=False):
        office_page.goto(f"{servers['office']}?page=case&id={reg.case_id}")
        expect(office_page.locator("[data-testid=case-text]")).to_contain_text(payload, timeout=60_000)
        watch.check(payload)
    office_page.goto(f"{servers['office']}?page=case&id={hostile['first'].case_id}")
    expect(office_page.locator("[data-testid=case-text]")).to_contain_text(PAYLOADS[0], timeout=60_000)
    watch.check(REPLY)  # the reply's note on the timeline
    screenshot(office_page, "security-case-page")


def test_dashboard_charts_hover_and_drill_show_names_and_remarks_as_typed(servers, office_page, hostile):
    watch = Watch(office_page)
    office_page.set_viewport_size({"width": 1440, "height": 900})
    office_page.goto(f"{servers['office']}?page=dashboard")
    expect(office_page.locator(".js-plotly-plot").first).to_be_visible(timeout=120_000)
    # the topic × unit heat map and the sentiment bars name the unit on an axis (plotly's SVG text)
    heat = office_page.locator(".js-plotly-plot", has=office_page.locator(".heatmaplayer"), has_text=UNIT)
    expect(heat).to_have_count(1, timeout=60_000)
    watch.check(UNIT, where=heat)
    plot = office_page.locator(".js-plotly-plot", has=office_page.locator(".barlayer .point"), has_text=UNIT).first
    expect(plot).to_be_visible(timeout=60_000)
    watch.check(UNIT, where=plot)
    bar = plot.locator(".barlayer .point path").first
    bar.scroll_into_view_if_needed()
    bar.hover(force=True)
    expect(plot.locator(".hoverlayer")).to_contain_text(UNIT, timeout=30_000)
    screenshot(office_page, "security-dashboard-hover")
    watch.check(UNIT)
    # the cases behind the chart, with their text
    drill_unit = office_page.locator("select", has=office_page.locator("option", has_text=UNIT)).last
    drill_unit.select_option(label=UNIT)
    office_page.locator("button", has_text="查看事项").click()
    expect(office_page.locator("[data-testid=drill-cases]")).to_be_visible(timeout=60_000)
    watch.check(*PAYLOADS, where="[data-testid=drill-cases]")
    screenshot(office_page, "security-dashboard-drill")


def test_meeting_view_shows_unit_names_as_typed(servers, office_page, hostile):
    watch = Watch(office_page)
    office_page.set_viewport_size({"width": 1920, "height": 1080})
    office_page.goto(f"{servers['office']}?page=meeting")
    expect(office_page.locator("[data-testid=meeting-screen]").first).to_be_visible(timeout=120_000)
    text = watch.check()
    assert MARK not in text and "工资拖欠太久了" not in text  # the meeting view shows no case text at all
    screenshot(office_page, "security-meeting")


def test_quarterly_report_shows_written_sections_as_typed(servers, office_page, hostile, browser, tmp_path):
    watch = Watch(office_page)
    office_page.goto(f"{servers['office']}?page=report")
    status = office_page.locator("[data-testid=report-status]")
    expect(status).to_be_visible(timeout=90_000)
    office_page.locator("select", has=office_page.locator("option", has_text="综采党支部")).first.select_option(
        label="综采党支部")
    expect(status).to_have_text(report.DRAFT, timeout=30_000)
    areas = office_page.locator("textarea")
    values = [areas.nth(i).input_value() for i in range(areas.count())]
    assert SECTION in values and PAYLOADS[2] in values
    watch.check()
    screenshot(office_page, "security-report-editor")
    # the HTML file the report is downloaded as, opened on its own
    path = tmp_path / "report.html"
    path.write_text(report.to_html(hostile["report"]), encoding="utf-8")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    file_watch = Watch(page)
    page.request_log = type("Log", (), {"external": lambda self: [u for u in requests if not u.startswith(("file:", "data:"))]})()
    page.goto(path.as_uri())
    file_watch.check(SECTION, PAYLOADS[2], UNIT)
    screenshot(page, "security-report-html")
    page.close()


# -- forms server (public) ----------------------------------------------------------------------------

def test_form_answers_and_error_messages_show_hostile_text_as_typed(servers, page, demo_db):
    watch = Watch(page)
    page.goto(f"{servers['forms']}?form=suqiu_dengji")
    expect(page.locator("button.xf-submit")).to_be_visible(timeout=90_000)

    form = Form(page)
    choose, text = form.choose, form.text
    remark = "食堂问题 " + " ".join(PAYLOADS)
    choose("intake_mode", "实名")
    text("name", PAYLOADS[0][:20])
    choose("unit", "抽采队")
    text("content", remark)
    choose("is_group", "是")
    text("people_count", PAYLOADS[1])  # an integer question given markup: its error quotes the answer
    error = page.locator(".xf-field-people_count [data-testid=field-error]")
    expect(error).to_contain_text(PAYLOADS[1], timeout=30_000)
    watch.check(PAYLOADS[1])
    page.locator("button.xf-submit").click()
    expect(page.locator("[data-testid=form-error]")).to_contain_text(PAYLOADS[1])
    watch.check(PAYLOADS[1])
    error.scroll_into_view_if_needed()
    screenshot(page, "security-form-error")
    text("people_count", "3")
    page.locator("button.xf-submit").click()
    expect(page.locator("[data-testid=receipt]")).to_contain_text("查询码", timeout=30_000)
    watch.check()
    page.locator("[data-testid=receipt]").scroll_into_view_if_needed()
    screenshot(page, "security-form-receipt")
    with db.session(db.make_engine(demo_db)) as s:
        stored = s.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    assert stored.text == remark  # stored as typed: escaping is the page's job, not the database's


def test_lookup_page_shows_a_hostile_reply_as_typed(servers, page, demo_db):
    today = dt.date.today()
    with db.session(db.make_engine(demo_db)) as s:
        reg = register_cases(s, [NewCase(text="宿舍热水不稳定", received_on=today, channel="意见箱", intake_mode="匿名")])[0]
        lifecycle.apply(s, reg.case_id, "受理", on=today, today=today)
        lifecycle.apply(s, reg.case_id, "答复", on=today, note=REPLY, today=today, outcome="支持")
    watch = Watch(page)
    page.goto(f"{servers['forms']}?page=lookup")
    page.locator(".xf-lookup-code input").fill(reg.query_code)
    page.locator("button.xf-lookup-button").click()
    expect(page.locator("[data-testid=progress-status]")).to_have_text("已答复", timeout=60_000)
    watch.check(REPLY)
    screenshot(page, "security-lookup-reply")


# -- what the forms server serves -----------------------------------------------------------------

PROBES = ["/tree", "/tree/", "/lab", "/lab/tree/forms.ipynb", "/notebooks/forms.ipynb", "/notebooks/forms/forms.ipynb",
          "/api/contents", "/api/contents/", "/api/contents/forms.ipynb", "/api/contents/notebooks/forms/forms.ipynb",
          "/api/terminals", "/terminals/websocket/1", "/api/kernels", "/api/kernels/", "/api/sessions",
          "/api/kernelspecs", "/api/config/notebook", "/api/me", "/api/status",
          "/voila/files/forms.ipynb", "/voila/files/notebooks/forms/forms.ipynb", "/voila/files/../office/office.ipynb",
          "/voila/files/xinfang/config.py", "/files/forms.ipynb", "/files/notebooks/forms/forms.ipynb",
          "/voila/render/forms.ipynb", "/voila/render/office.ipynb", "/voila/render/../office/office.ipynb",
          "/voila/render/notebooks/director/00_概况.ipynb", "/voila/tree", "/voila/api/contents",
          "/voila/static/../forms.ipynb", "/voila/static/../../xinfang/config.py", "/voila/static/forms.ipynb",
          "/voila/templates/xinfang/index.html.j2", "/voila/templates/xinfang/static/../conf.json",
          "/voila/templates/lab/static/../../../../xinfang/config.py", "/voila/labextensions/../../xinfang/config.py",
          "/voila/api/themes/../../xinfang/config.py", "/static/forms.ipynb", "/static/../xinfang/config.py",
          "/forms.ipynb", "/widgets/pages.py", "/data/xinfang.db", "/data/secrets/vault.key"]


def _get(url: str, headers: dict | None = None, follow: bool = True) -> tuple[int, str, str]:
    """(status, content type, body); a redirect is followed once, to see what it leads to."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=120) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location")
        if follow and exc.code in (301, 302, 303, 307, 308) and location:
            return _get(urllib.parse.urljoin(url, urllib.parse.quote(location, safe="/%:?=&")), headers, follow=False)
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8", "replace")


def test_forms_server_serves_no_source_file_tree_terminal_or_kernel_list(servers):
    base = servers["forms"].rstrip("/")
    sources = [json.loads((REPO / "notebooks" / n).read_text(encoding="utf-8"))["cells"][0]["source"][0].strip()
               for n in ("forms/forms.ipynb", "office/office.ipynb", "director/00_概况.ipynb")]
    assert all(sources)
    served_secrets = ['"nbformat"', '"cell_type"', "PROJECT_ROOT", "def configure(", '"type": "directory"',
                      '"execution_state"', '"last_activity"', "SQLite format 3", *sources]
    for path in PROBES:
        status, ctype, body = _get(base + urllib.parse.quote(path), {"X-Forwarded-For": "10.9.8.7",
                                                                    "X-Real-IP": "10.9.8.6"})
        for secret in served_secrets:
            assert secret not in body, f"{path} ({status}) serves {secret!r}"
        assert not (status == 200 and "json" in ctype), f"{path} answers JSON: {body[:200]}"
        assert status != 200 or "jupyter-config-data" in body, f"{path} serves something other than the forms page"
        assert "Traceback" not in body and 'File "/' not in body, f"{path} shows a traceback"
    # the forms page itself carries no notebook source either
    assert sources[0] not in _get(base + "/")[2]
    # the server log holds no client address (nor the forwarded ones)
    log = (servers["run_dir"] / "forms.log").read_text(encoding="utf-8", errors="replace")
    log = log.replace(servers["forms"].rstrip("/"), "<server>")
    assert "GET /api/contents" in log  # the probes were logged …
    assert "10.9.8." not in log  # … without any address
    assert re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", log) == []


def _message(msg_type: str, content: dict) -> str:
    return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "x",
                                  "session": uuid.uuid4().hex, "date": dt.datetime.now(dt.UTC).isoformat(),
                                  "version": "5.3"},
                       "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []})


def test_a_page_kernel_answers_only_its_page_and_runs_no_code_from_a_browser(servers, browser, tmp_path):
    """Page A's kernel id (in A's HTML only) opens nothing for another browser; A's own page can send
    no code to run (Voila passes widget messages only)."""
    import websocket

    context = browser.new_context()
    page = new_page(context)
    page.goto(servers["forms"])
    expect(page.locator("[data-testid=menu-lookup]")).to_be_visible(timeout=90_000)
    kernel = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page.content())[1]
    ws_base = servers["forms"].replace("http://", "ws://")
    url = f"{ws_base}api/kernels/{kernel}/channels?session_id={uuid.uuid4()}"
    # another browser (no cookie of A's): refused, before any message
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, timeout=30)
    assert refused.value.status_code == 403
    status, _, _ = _get(f"{servers['forms'].rstrip('/')}/api/kernels/{kernel}")
    assert status == 403  # nor its model, nor (DELETE) its life
    # A's own cookie: the kernel answers, but an execute_request is dropped (Voila's allowed types)
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    ws = websocket.create_connection(url, timeout=30, cookie=cookie)
    marker = tmp_path / "ran.txt"
    ws.send(_message("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                                         "store_history": False, "user_expressions": {}, "allow_stdin": False,
                                         "stop_on_error": True}))
    ws.send(_message("kernel_info_request", {}))  # answered after the execute_request, were it run
    seen = []
    while "kernel_info_reply" not in seen:
        seen.append(json.loads(ws.recv())["header"]["msg_type"])
    ws.close()
    assert "execute_reply" not in seen and not marker.exists()
    assert page.request_log.external() == []
    context.close()
