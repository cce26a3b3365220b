"""Browser tests: the real servers (``xinfang serve``) on free ports, Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from ..conftest import REPO
from ..processes import stop

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
# A user of each role in the demo mine (xinfang.demo); the session gives each a random password.
ROLE_USERS = {"主任": "zhuren", "信访干部": "ganbu1", "支部书记": "shuji1", "填报": "tianbao1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def xinfang_serve(db_url: str, vault_key_file, run_dir: Path, *args: str, wait: float = 90, **settings: str):
    """``xinfang serve`` (with ``args``, e.g. ``--host 0.0.0.0``) on two free ports over ``db_url``,
    ``settings`` as XINFANG_* variables; yields (ports, what it printed at start); stops it after."""
    ports = {"forms": free_port(), "office": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    env.update(XINFANG_DB_URL=db_url, XINFANG_VAULT_KEY_FILE=str(vault_key_file), XINFANG_RUN_DIR=str(run_dir),
               XINFANG_OPEN_BROWSER="false", **{f"XINFANG_{k.upper()}": v for k, v in settings.items()})
    out = open(run_dir / "serve.out", "wb")  # noqa: SIM115 - a file, not a pipe: an undrained pipe blocks
    proc = subprocess.Popen([sys.executable, "-m", "xinfang.cli", "serve", *args, "--forms-port", str(ports["forms"]),
                             "--office-port", str(ports["office"])], env=env, cwd=REPO, stdout=out,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + wait
        text = ""
        while time.monotonic() < deadline:
            text = (run_dir / "serve.out").read_text(encoding="utf-8", errors="replace")
            if "办公服务器：" in text or proc.poll() is not None:
                break
            time.sleep(0.5)
        if "办公服务器：" not in text:
            pytest.fail(f"xinfang serve {' '.join(args)} did not start:\n{text}", pytrace=False)
        yield ports, text
    finally:
        stop(proc, timeout=20)
        out.close()


@pytest.fixture(scope="session")
def servers(demo_db, tmp_path_factory, vault_key_file):
    """Both servers of ``xinfang serve`` over the demo database; yields their base URLs. The office
    server needs sign-in: use ``office_context(role)`` or ``office_page`` (``token`` is kept empty for
    old callers; there is no token any more)."""
    run_dir = tmp_path_factory.mktemp("run")
    with xinfang_serve(demo_db, vault_key_file, run_dir) as (ports, text):
        yield {"forms": f"http://127.0.0.1:{ports['forms']}/", "office": f"http://127.0.0.1:{ports['office']}/",
               "token": "", "run_dir": run_dir, "stdout": text}


class RequestLog:
    """Every request a page attempts (listened to, never blocked)."""

    def __init__(self, page):
        self.urls: list[str] = []
        page.on("request", lambda req: self.urls.append(req.url))

    def external(self) -> list[str]:
        bad = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in ("127.0.0.1", "localhost"):
                bad.append(url)
        return bad


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.request_log = RequestLog(pg)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def office_accounts(demo_db):
    """role → (user name, password) of a demo user of each role, with a fresh random password."""
    from xinfang import accounts
    from xinfang.storage import db

    out = {}
    eng = db.make_engine(demo_db)
    with db.session(eng) as s:
        for role, username in ROLE_USERS.items():
            password = accounts.generate_password()
            accounts.set_password(s, username, password)
            out[role] = (username, password)
    eng.dispose()
    return out


def sign_in(context, office_url: str, username: str, password: str) -> None:
    """Sign ``context`` in to the office server through its login form over HTTP (the cookie lands in
    the context); fails the test when the server does not accept the account."""
    import re

    login = f"{office_url}login"
    form = context.request.get(login).text()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form)
    assert xsrf, form[:500]
    reply = context.request.post(login, form={"_xsrf": xsrf[1], "username": username, "password": password,
                                              "next": "/"}, max_redirects=0)
    assert reply.status == 302, f"sign-in as {username} refused ({reply.status}): {reply.text()[:300]}"


def new_page(context):
    """A page of ``context`` whose attempted requests are recorded (``page.request_log``)."""
    pg = context.new_page()
    pg.request_log = RequestLog(pg)
    return pg


@pytest.fixture
def office_context(browser, servers, office_accounts):
    """``office_context(role="信访干部", **context_options)``: a new browser context signed in to the
    office server as the demo user of ``role`` (主任, 信访干部, 支部书记 of 综采党支部, 填报); closed
    after the test. Open pages with ``new_page(context)`` to get a request log."""
    made = []

    def make(role: str = "信访干部", **options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", **options})
        made.append(context)
        sign_in(context, servers["office"], *office_accounts[role])
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def office_page(office_context):
    """A page signed in to the office server as a 信访干部, with a request log."""
    return new_page(office_context("信访干部"))


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def demo_db(demo_db, tmp_path_factory):
    """The browser tests register cases: give them their own copy of the demo database."""
    src = Path(demo_db.removeprefix("sqlite:///"))
    dst = tmp_path_factory.mktemp("browser-demo") / "demo.db"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}"


class Form:
    """Fills ipywidgets inputs by their stable class names (xf-input-<question name>)."""

    def __init__(self, page, scope=None):
        self.page = page
        self.scope = scope or page

    def _at(self, name):
        return self.scope.locator(f".xf-input-{name}")

    def choose(self, name, label):
        """A select_one answer, whichever widget the form's appearance made of it."""
        at = self._at(name)
        expect(at).to_be_visible()
        if at.locator("select").count():
            at.locator("select").select_option(label=label)
        elif at.locator("button").count():
            at.locator("button", has_text=re.compile(f"^{label}$")).click()
        else:
            at.locator("label", has_text=label).first.click()

    def check(self, name, label):
        self.scope.locator(f".xf-input-{name} label.widget-label-basic", has_text=label).click()

    def text(self, name, value):
        box = self._at(name).locator("input, textarea").first
        box.fill(value)
        box.press("Tab")  # inputs send their value on blur (continuous_update=False)

    def date(self, name, value):
        self._at(name).locator("input").fill(value)

    def submit(self):
        self.page.locator("button.xf-submit").click()
        return expect(self.page.locator("[data-testid=receipt]"))
