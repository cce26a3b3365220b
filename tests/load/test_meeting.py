"""A meeting: many phones open the questionnaire at once, fill it, press 提交 (some twice), and every
answer is stored exactly once. Protocol clients for the crowd, two real Chromium pages among them.

XINFANG_LOAD_SESSIONS sets the crowd (20 by default, 70 in the documented meeting profile). Times
and memory are printed at the end of the run, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.voila_client import Phone, error_shown, fill_questionnaire, receipt_shown

from .conftest import SESSIONS, run_async

CHROMIUM = "/usr/bin/chromium"
BROWSERS = 2


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def stored_remarks(db_url: str) -> list[str]:
    eng = create_engine(db_url)
    with eng.connect() as c:
        rows = [json.loads(a) if isinstance(a, str) else a for (a,) in c.execute(text("select answers from submission"))]
    eng.dispose()
    return [r.get("remark", "") for r in rows]


async def phone_session(url: str, n: int, out: dict) -> None:
    phone = Phone(url)
    try:
        out["tti"] = await phone.open()
        await fill_questionnaire(phone, f"load-{n:03d} 食堂排队太久", seed=n)
        submit = phone.find("xf-submit")
        t0 = time.perf_counter()
        await phone.click(submit)
        if n % 2:
            await phone.click(submit)  # a double tap: must not store twice
        await phone.wait_for(lambda p: receipt_shown(p) or bool(error_shown(p)), timeout=600)
        out["submit"] = time.perf_counter() - t0
        out["receipt"] = receipt_shown(phone)
        out["error"] = error_shown(phone)
    finally:
        phone.close()


def browser_session(browser, url: str, n: int, out: dict, shots: Path) -> None:
    """A real Chromium page among the phones (Playwright's sync API, in the main thread)."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, timeout=600_000)
        page.locator("button.xf-submit").wait_for(state="visible", timeout=600_000)
        out["tti"] = time.perf_counter() - t0
        page.locator(".xf-input-unit select").select_option(index=1)
        for name in ("pay", "safety", "canteen", "shift", "management", "ppe"):
            page.locator(f".xf-input-{name} button").nth(2).click()
        page.locator(".xf-input-remark textarea").fill(f"load-{n:03d} 浏览器")
        page.locator(".xf-input-remark textarea").blur()
        t0 = time.perf_counter()
        page.locator("button.xf-submit").click()
        page.get_by_test_id("receipt").wait_for(timeout=600_000)
        out["submit"] = time.perf_counter() - t0
        out["receipt"] = True
        page.screenshot(path=str(shots / f"meeting-phone-{n}.png"), full_page=True)
    except Exception as exc:  # reported with the phones' outcomes
        out["exception"] = repr(exc)
    finally:
        context.close()


async def sample_memory(server, peaks: dict, stop: asyncio.Event) -> None:
    while not stop.is_set():
        srv, kernels, count = server.memory()
        peaks["server"] = max(peaks.get("server", 0), srv)
        peaks["kernels"] = max(peaks.get("kernels", 0), kernels)
        peaks["total"] = max(peaks.get("total", 0), srv + kernels)
        peaks["count"] = max(peaks.get("count", 0), count)
        await asyncio.sleep(0.5)


async def meeting(server, n_phones: int, results: list[dict], peaks: dict) -> None:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server, peaks, stop))
    url = server.url()
    tasks = [phone_session(url, i, results[i]) for i in range(n_phones)]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    stop.set()
    await sampler
    for r, outcome in zip(results, outcomes, strict=False):
        if isinstance(outcome, BaseException):
            r["exception"] = repr(outcome)


def test_a_meeting_of_phones_submits_each_answer_once(forms_server, migrated_sqlite, figures, request):
    from tests.conftest import REPO

    server = forms_server(migrated_sqlite, pool=4)
    ready = server.wait_pool()
    shots = REPO / "test-artifacts"
    shots.mkdir(exist_ok=True)
    browser = request.getfixturevalue("browser") if Path(CHROMIUM).exists() else None
    results: list[dict] = [{} for _ in range(SESSIONS + BROWSERS)]
    peaks: dict = {}
    started = time.perf_counter()
    # the phones in a thread with an event loop of its own; the Chromium pages meanwhile in this thread
    with ThreadPoolExecutor(1) as pool:
        crowd = pool.submit(run_async, meeting(server, SESSIONS, results, peaks))
        if browser is not None:
            for j in range(BROWSERS):
                browser_session(browser, server.url(), SESSIONS + j, results[SESSIONS + j], shots)
        crowd.result()
    wall = time.perf_counter() - started

    failed = [(i, r) for i, r in enumerate(results) if r and not r.get("receipt")]
    assert not failed, failed[:5]
    expected = [f"load-{i:03d} 食堂排队太久" for i in range(SESSIONS)]
    if Path(CHROMIUM).exists():
        expected += [f"load-{SESSIONS + j:03d} 浏览器" for j in range(BROWSERS)]
    remarks = stored_remarks(migrated_sqlite)
    assert sorted(remarks) == sorted(expected), "every confirmed answer stored exactly once, nothing else"

    held = [r for r in results if "tti" in r]
    tti = [r["tti"] for r in held]
    sub = [r["submit"] for r in held if "submit" in r]
    figures.add("meeting (questionnaire, pool 4)", (
        f"sessions held {len(held)} ({SESSIONS} protocol clients + {len(held) - SESSIONS} Chromium pages), "
        f"submissions confirmed {sum(bool(r.get('receipt')) for r in results)}, stored {len(remarks)} "
        f"(double taps {SESSIONS // 2}, stored twice 0)"))
    figures.add("meeting (questionnaire, pool 4)", (
        f"time to interactive p50 {statistics.median(tti):.1f} s, p95 {pct(tti, .95):.1f} s; "
        f"submit to stored p50 {statistics.median(sub):.2f} s, p95 {pct(sub, .95):.2f} s; all done in {wall:.0f} s "
        f"(pool filled in {ready:.0f} s)"))
    figures.add("meeting (questionnaire, pool 4)", (
        f"peak memory: server {peaks['server']:.0f} MB, kernels {peaks['kernels']:.0f} MB "
        f"({peaks['count']} kernels), total {peaks['total']:.0f} MB"))
