"""Sign-in on the office server, over HTTP and in Chromium: every page and kernel route refuses a
visitor who has not signed in; a kernel answers only the session that started it; sign-out and an
expired session end access; a 支部书记 sees only their own branch."""

import asyncio
import datetime as dt
import re
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from xinfang import accounts, config, dashboard, roles
from xinfang.errors import message
from xinfang.storage import db
from xinfang.storage.models import User, UserSession

from .conftest import new_page, screenshot

pytestmark = pytest.mark.browser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _fetch(url: str, method: str = "GET", cookie: str = "") -> tuple[int, str, str]:
    """(status, Location, body) without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, method=method, data=b"" if method in ("POST", "DELETE") else None)
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with opener.open(req, timeout=60) as reply:
            return reply.status, reply.headers.get("Location", ""), reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", ""), exc.read().decode("utf-8", "replace")


def _kernels_started(servers) -> int:
    """Kernels the office server has started, once its preheated pool has been refilled (a used pooled
    kernel is replaced a moment later: that start is the pool's, not a visitor's)."""
    import time

    def count() -> int:
        log = (servers["run_dir"] / "office.log").read_text(encoding="utf-8", errors="replace")
        return log.count("Kernel started") - log.count("Using pre-heated kernel")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count() < 0:
        time.sleep(0.5)
    log = (servers["run_dir"] / "office.log").read_text(encoding="utf-8", errors="replace")
    return log.count("Kernel started")


def _cookie_header(context) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def _kernel_id(context, servers) -> str:
    """Open the office page over HTTP in ``context`` (its session starts the kernel); its kernel id."""
    html = context.request.get(servers["office"], timeout=120_000).text()
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
    assert found, html[:500]
    return found[1]


def _ws_status(servers, kernel_id: str, cookie: str) -> int:
    """101 when the kernel websocket opens for this cookie, else the refusal's HTTP status."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import WebSocketClientConnection, websocket_connect

    url = servers["office"].replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels"
    origin = servers["office"].rstrip("/")

    async def attempt() -> int:
        request = HTTPRequest(url, headers={"Cookie": cookie, "Origin": origin} if cookie else {"Origin": origin},
                              request_timeout=60)
        try:
            conn: WebSocketClientConnection = await websocket_connect(request)
        except HTTPClientError as exc:
            return exc.code
        conn.close()
        return 101

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        return pool.submit(lambda: asyncio.run(attempt())).result()


REFUSED_ROUTES = [
    ("GET", ""), ("GET", "?page=cases"), ("GET", "?page=case&id=1"), ("GET", "?page=meeting"),
    ("GET", "?form=buwending_paicha"), ("GET", "office.ipynb"), ("GET", "voila/render/office.ipynb"),
    ("GET", "voila/tree"), ("GET", "voila/api/contents"), ("GET", "voila/files/office.ipynb"),
    ("GET", "voila/files/notebooks/office/office.ipynb"), ("GET", "api/kernels"),
    ("GET", "api/kernels/{kid}"), ("DELETE", "api/kernels/{kid}"), ("GET", "api/kernels/{kid}/channels"),
    ("POST", "voila/api/shutdown/{kid}"), ("GET", "voila/query/{kid}"), ("GET", "api/sessions"),
    ("GET", "api/contents"), ("GET", "lab"), ("GET", "tree"), ("GET", "terminals/1"),
]


def test_every_office_route_refuses_without_sign_in(servers, office_context):
    owner = office_context("信访干部")
    real = _kernel_id(owner, servers)  # a kernel that exists, to be sure it is the sign-in that stops us
    before = _kernels_started(servers)
    for kid in (real, str(uuid.uuid4())):
        for method, route in REFUSED_ROUTES:
            status, location, body = _fetch(servers["office"] + route.format(kid=kid), method)
            where = f"{method} /{route}"
            assert status in (302, 403, 404, 405), f"{where} answered {status}"
            if status == 302:
                assert location.startswith("/login?next="), f"{where} → {location}"
            assert "kernelId" not in body and "信访事项" not in body, where
    assert _kernels_started(servers) == before  # nobody's visit started a kernel
    assert _fetch(servers["office"] + f"api/kernels/{real}", cookie=_cookie_header(owner))[0] == 200  # still there


def test_kernel_answers_only_the_session_that_started_it(servers, office_context):
    owner, other = office_context("信访干部"), office_context("支部书记")
    kid = _kernel_id(owner, servers)
    assert _ws_status(servers, kid, "") == 403
    assert _ws_status(servers, kid, _cookie_header(other)) == 403  # signed in, but not this kernel's session
    assert _fetch(servers["office"] + f"api/kernels/{kid}", cookie=_cookie_header(other))[0] == 403
    assert _fetch(servers["office"] + f"api/kernels/{kid}", "DELETE", cookie=_cookie_header(other))[0] == 403
    assert _ws_status(servers, kid, _cookie_header(owner)) == 101


def test_preheated_kernel_learns_its_request_only_over_the_keyed_channel(servers, office_context):
    """The office server preheats kernels (office_pool_size): a pooled kernel learns its request, the
    sign-in session included, over Voila's request-info websocket. That socket answers only this
    server's kernels (the key they inherit), not a browser, signed in or not; the pooled kernel then
    answers only the session it was handed to."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    from widgets.servers.common import KERNEL_KEY_HEADER

    owner, other = office_context("信访干部"), office_context("支部书记")
    kid = _kernel_id(owner, servers)
    log = (servers["run_dir"] / "office.log").read_text(encoding="utf-8", errors="replace")
    assert f"Using pre-heated kernel: {kid}" in log  # the page got a pooled kernel

    def query_status(cookie: str, key: str | None) -> int:
        url = servers["office"].replace("http://", "ws://") + f"voila/query/{kid}"
        headers = {"Cookie": cookie} if cookie else {}
        if key is not None:
            headers[KERNEL_KEY_HEADER] = key

        async def attempt() -> int:
            try:
                conn = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=30))
            except HTTPClientError as exc:
                return exc.code
            conn.close()
            return 101

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(lambda: asyncio.run(attempt())).result()

    assert query_status("", None) == 403
    assert query_status(_cookie_header(owner), None) == 403  # signed in is not enough: kernels only
    assert query_status(_cookie_header(other), "guess") == 403
    assert _ws_status(servers, kid, _cookie_header(other)) == 403
    assert _ws_status(servers, kid, _cookie_header(owner)) == 101


def test_sign_in_page_in_the_characters_of_the_page_asked_for(servers):
    """A visitor sent to sign in from a 繁體 page gets the sign-in page in 繁體, with the 简 / 繁 switch;
    a Simplified visit is unchanged. What the page carries on (next, lang) keeps the choice."""
    office = servers["office"]
    status, location, _ = _fetch(f"{office}?page=cases&lang=zh-Hant")
    assert status == 302 and location.startswith("/login?next=")
    status, _, body = _fetch(f"{office.rstrip('/')}{location}")
    assert status == 200
    assert '<html lang="zh-Hant">' in body
    for text in ("登錄 · 信訪工作簿辦公服務", "信訪工作簿 · 辦公服務", "用戶名", "密碼", "請用信訪辦爲您建立的賬號登錄。"):
        assert text in body, text
    assert "办公服务" not in body and "用户名" not in body
    assert 'name="next" value="/?page=cases&amp;lang=zh-Hant"' in body
    assert 'name="lang" value="zh-Hant"' in body
    assert re.search(r'<b data-testid="script-current" lang="zh-Hant">繁</b>', body)
    switch = re.search(r'<a data-testid="script-switch" lang="zh-Hans" href="([^"]+)">简</a>', body)
    assert switch, body
    assert switch[1] == "/login?next=%2F%3Fpage%3Dcases%26lang%3Dzh-Hans&amp;lang=zh-Hans"
    status, _, body = _fetch(f"{office}login?next=%2F%3Fpage%3Dcases")
    assert status == 200 and '<html lang="zh-Hans">' in body and "信访工作簿 · 办公服务" in body
    assert 'name="next" value="/?page=cases"' in body
    # its own lang (the switch, sign-out from a 繁體 page) wins, and the next page follows it
    _, _, body = _fetch(f"{office}login?lang=zh-Hant")
    assert "信訪工作簿 · 辦公服務" in body and 'name="next" value="/?lang=zh-Hant"' in body


def test_sign_in_and_out_in_traditional(servers, browser, office_accounts):
    from xinfang.script import TRADITIONAL, to_script

    username, password = office_accounts["信访干部"]
    context = browser.new_context(viewport={"width": 1000, "height": 720}, locale="zh-TW")
    page = new_page(context)
    page.goto(f"{servers['office']}?page=cases&lang=zh-Hant")
    expect(page.locator("h1")).to_have_text("信訪工作簿 · 辦公服務")
    expect(page.locator("label[for=username]")).to_have_text("用戶名")
    page.fill("#username", username)
    page.fill("#password", password + "x")
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=login-error]")).to_have_text(
        to_script(message("auth.bad_credentials"), TRADITIONAL))
    expect(page.locator("h1")).to_have_text("信訪工作簿 · 辦公服務")
    screenshot(page, "office-login-traditional")
    page.fill("#password", password)
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=case-total]")).to_be_visible(timeout=90_000)
    assert page.url.endswith("?page=cases&lang=zh-Hant")
    expect(page.get_by_text("案件辦理", exact=True)).to_be_visible()
    page.click("[data-testid=sign-out]")
    expect(page.locator("[data-testid=login-info]")).to_have_text("您已退出登錄。")
    page.click("[data-testid=script-switch]")
    expect(page.locator("h1")).to_have_text("信访工作簿 · 办公服务")
    context.close()


def test_sign_in_page_wrong_password_sign_out(servers, browser, office_accounts):
    username, password = office_accounts["信访干部"]
    context = browser.new_context(viewport={"width": 1000, "height": 720}, locale="zh-CN")
    page = new_page(context)
    page.goto(f"{servers['office']}?page=cases")
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", password + "x")
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=login-error]")).to_have_text(message("auth.bad_credentials"))
    screenshot(page, "office-login-error")
    page.fill("#password", password)
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=case-total]")).to_be_visible(timeout=90_000)  # back where we were going
    assert page.url.endswith("?page=cases")
    expect(page.locator("[data-testid=signed-in]")).to_have_attribute("data-role", "信访干部")
    signed_in_cookies = context.cookies()
    page.click("[data-testid=sign-out]")
    expect(page.locator("[data-testid=login-info]")).to_have_text("您已退出登录。")
    screenshot(page, "office-signed-out")
    page.goto(servers["office"])
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    # The old cookie, kept by someone, opens nothing: the session ended on the server.
    replay = browser.new_context()
    replay.add_cookies(signed_in_cookies)
    assert _fetch(servers["office"], cookie=_cookie_header(replay))[0] == 302
    replay.close()
    assert page.request_log.external() == []
    context.close()


def _session_of(context) -> str:
    """The session id behind a context's login cookie (Tornado's signed value: …|len:base64(token)|sig)."""
    import base64

    (cookie,) = [c for c in context.cookies() if c["name"].startswith("xinfang-office-")]
    fields = cookie["value"].strip('"').split("|")
    return accounts.session_id(base64.b64decode(fields[4].split(":", 1)[1]).decode())


@pytest.mark.parametrize("which", ["idle", "longest"])
def test_expired_session_is_refused(servers, office_context, office_accounts, demo_db, which):
    context = office_context("信访干部")
    with db.session(db.make_engine(demo_db)) as s:
        sid = s.scalar(sa.select(UserSession.id).where(UserSession.key_hash == _session_of(context)))
        assert s.scalar(sa.select(User.username).join(UserSession).where(UserSession.id == sid)) == \
            office_accounts["信访干部"][0]
    assert _fetch(servers["office"] + "?page=nothing-to-run", cookie=_cookie_header(context))[0] == 200
    cfg = config.settings()  # the server runs with the same defaults
    idle, longest = dt.timedelta(minutes=int(cfg["session_idle_minutes"])), dt.timedelta(hours=int(cfg["session_max_hours"]))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.session(db.make_engine(demo_db)) as s:  # the clock moves on: as if the user had left the desk …
        row = s.get(UserSession, sid)
        if which == "idle":
            row.last_seen = now - idle - dt.timedelta(minutes=1)
        else:  # … or had kept working since the morning
            row.started_at, row.last_seen = now - longest - dt.timedelta(minutes=1), now
    page = new_page(context)
    page.goto(servers["office"])
    expect(page.locator("[data-testid=login-info]")).to_have_text("登录已过期或已在别处退出，请重新登录。")
    assert page.locator("[data-testid=count]").count() == 0


def _expected_branch_cards(demo_db, branch: str) -> tuple[dict, dict]:
    from widgets.dashboard_filters import DashboardFilters

    with db.session(db.make_engine(demo_db)) as s:
        sources = dashboard.load(s)
        options = dashboard.options(sources)
        filters = DashboardFilters(roles.limit_options(options, branch), branch=branch).value
        data = dashboard.dashboard_data(roles.limit_filters(filters, branch, options), "meeting", sources, s)
        whole = dashboard.dashboard_data(filters.with_(branch=None), "meeting", sources, s)
    return {k: str(v) for k, v in data["cards"].items()}, {k: str(v) for k, v in whole["cards"].items()}


def test_branch_secretary_sees_only_their_branch(servers, office_context, demo_db):
    with db.session(db.make_engine(demo_db)) as s:
        account = accounts._account(s, accounts.find_user(s, "shuji1"))
        others = [n for n in accounts._branches(s) if n != account.branch]
    page = new_page(office_context("支部书记"))
    page.goto(servers["office"])
    expect(page.locator("[data-testid=signed-in]")).to_have_attribute("data-role", "支部书记")
    menu = sorted(m.get_attribute("data-testid") for m in page.locator("[data-testid^=menu-]").all())
    assert menu == ["menu-meeting", "menu-report"]
    assert page.locator("[data-testid=count]").count() == 0
    screenshot(page, "office-branch-secretary-home")

    page.goto(f"{servers['office']}?page=cases")
    expect(page.locator("[data-testid=error]")).to_have_text(message("auth.not_allowed", role="支部书记"))
    assert page.locator("[data-testid=case-row]").count() == 0

    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{servers['office']}?page=meeting")
    expect(page.locator("[data-testid=meeting-screen]").first).to_be_visible(timeout=90_000)
    branch_select = page.locator(".xf-filter-branch select")
    assert branch_select.locator("option").all_inner_texts() == [account.branch]
    expect(branch_select).to_be_disabled()
    expected, whole = _expected_branch_cards(demo_db, account.branch)
    assert expected != whole
    cards = page.locator("[data-testid=count]")
    expect(cards.first).to_be_visible()
    shown = {c.get_attribute("data-label"): c.locator("[data-testid=count-value]").inner_text() for c in cards.all()}
    assert shown == expected
    # ipywidgets shows option labels with no-break spaces
    units = [u.replace("\xa0", " ") for u in page.locator(".xf-filter-unit select option").all_inner_texts()]
    with db.session(db.make_engine(demo_db)) as s:
        sources = dashboard.load(s)
    assert units == ["全部", *dashboard.options(sources)["units"][account.branch]]
    screenshot(page, "office-branch-secretary-meeting")

    page.goto(f"{servers['office']}?page=report")
    report_branch = page.locator(".widget-dropdown select").first
    expect(report_branch).to_be_visible(timeout=90_000)
    assert report_branch.locator("option").all_inner_texts() == [account.branch]
    body = page.inner_text("body")
    assert not [b for b in others if b in body]
    assert page.request_log.external() == []
