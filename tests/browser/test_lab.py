"""The director's JupyterLab (``xinfang lab``) in Chromium: its interface in Chinese, nothing fetched from
outside the machine (no news feed, no update check, no PyPI search), the workbook's notebooks there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from ..conftest import REPO
from ..processes import stop
from .conftest import free_port, new_page, screenshot

pytestmark = pytest.mark.browser
TOKEN = "lab-test-token"


@pytest.fixture(scope="module")
def lab(demo_db, vault_key_file, tmp_path_factory):
    port = free_port()
    run_dir = tmp_path_factory.mktemp("lab")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "JUPYTER_"))}
    env.update(XINFANG_DB_URL=demo_db, XINFANG_VAULT_KEY_FILE=str(vault_key_file), XINFANG_RUN_DIR=str(run_dir),
               JUPYTER_TOKEN=TOKEN, HOME=str(run_dir))  # a fresh HOME: no settings of an earlier run
    out = open(run_dir / "lab.out", "wb")  # noqa: SIM115 - a file, not a pipe: an undrained pipe blocks
    proc = subprocess.Popen([sys.executable, "-m", "xinfang.cli", "lab", "--no-browser", "--port", str(port)],
                            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"{base}api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"xinfang lab did not start:\n{(run_dir / 'lab.out').read_text(errors='replace')}",
                        pytrace=False)
        yield base, run_dir / "lab.out"
    finally:
        stop(proc, timeout=20)
        out.close()


def test_director_lab_in_chinese_and_offline(lab, browser):
    base, log = lab
    page = new_page(browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN"))
    page.goto(f"{base}lab/tree/director/02_研判分析.ipynb?token={TOKEN}")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=120_000)
    menu = page.locator("#jp-menu-panel, .lm-MenuBar-content").first
    for label in ("文件", "编辑", "运行", "内核", "设置", "帮助"):
        expect(menu).to_contain_text(label)
    expect(page.locator(".jp-Notebook")).to_contain_text("研判分析：载入 → 筛选 → 统计 → 交叉分析 → 趋势 → 导出")
    expect(page.locator(".jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelStatus").first).to_be_visible()
    page.wait_for_timeout(5000)  # the news prompt came a moment after the notebook showed
    assert page.get_by_text("Jupyter news").count() == 0 and page.get_by_text("Jupyter 新闻").count() == 0
    screenshot(page, "lab-director-notebook")
    assert page.request_log.external() == []
    config = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    assert config["news"] == {"disabled": True}
    assert "Extension Manager is 'readonly'" in log.read_text(errors="replace")  # no search on PyPI
    page.context.close()
