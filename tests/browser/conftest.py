"""Browser tests: the real servers (``xinfang serve``) on free ports, Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ..conftest import REPO

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
TOKEN = "browser-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("node") is None and False:
        msg = f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def servers(demo_db, tmp_path_factory):
    """Both servers of ``xinfang serve`` over the demo database; yields their base URLs."""
    run_dir = tmp_path_factory.mktemp("run")
    ports = {"forms": free_port(), "office": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    env.update(XINFANG_DB_URL=demo_db, XINFANG_OFFICE_TOKEN=TOKEN, XINFANG_RUN_DIR=str(run_dir),
               XINFANG_OPEN_BROWSER="false")
    out = open(run_dir / "serve.out", "wb")  # noqa: SIM115 - a file, not a pipe: an undrained pipe blocks
    proc = subprocess.Popen([sys.executable, "-m", "xinfang.cli", "serve", "--forms-port", str(ports["forms"]),
                             "--office-port", str(ports["office"])], env=env, cwd=REPO, stdout=out,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    text = ""
    while time.monotonic() < deadline:
        text = (run_dir / "serve.out").read_text(encoding="utf-8", errors="replace")
        if "办公服务器：" in text or proc.poll() is not None:
            break
        time.sleep(0.5)
    if "办公服务器：" not in text:
        proc.terminate()
        pytest.fail(f"xinfang serve did not start:\n{text}", pytrace=False)
    yield {"forms": f"http://127.0.0.1:{ports['forms']}/", "office": f"http://127.0.0.1:{ports['office']}/",
           "token": TOKEN, "run_dir": run_dir, "stdout": text}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    out.close()


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
