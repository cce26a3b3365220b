"""Forms server benchmark: time to interactive and kernel memory for the questionnaire, pool warm and
cold, and a meeting's burst of simultaneous page opens against a pool of the same size.

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/forms_benchmark.py [--burst 70]
Time to interactive = from page.goto until the 提交 button of the questionnaire is visible in Chromium.
Memory = resident set size of the Voila server and of every kernel it started (from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout.split("\n")
    children: dict[int, list[int]] = {}
    for line in out:
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def kernels_of(server_pid: int) -> list[int]:
    pids = []
    for p in descendants(server_pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmd:
            pids.append(p)
    return pids


def start_forms_server(db_url: str, pool: int, run_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    env.update(XINFANG_DB_URL=db_url, XINFANG_FORMS_POOL_SIZE=str(pool), XINFANG_HOST="127.0.0.1",
               XINFANG_FORMS_PORT=str(port), XINFANG_OFFICE_TOKEN="bench")
    sys.path.insert(0, str(ROOT))
    from xinfang.cli import server_command, server_env

    log = open(run_dir / f"forms-{pool}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(server_command("forms"), env=server_env(env), stdout=log, stderr=subprocess.STDOUT,
                            cwd=str(ROOT))
    wait_port(port, 60)
    return proc, f"http://127.0.0.1:{port}/?form=sixiang_dongtai"


def wait_port(port: int, timeout: float) -> None:
    """Until something listens on 127.0.0.1:``port`` (or ``timeout`` seconds have passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)


def wait_pool(proc: subprocess.Popen, size: int, timeout: float = 600) -> float:
    """Seconds until ``size`` kernels exist and have settled (CPU of the server tree quiet)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout and len(kernels_of(proc.pid)) < size:
        time.sleep(1)
    time.sleep(8 + size * 0.15)  # let the kernels finish running the notebook up to wait_for_request
    return time.monotonic() - started


async def open_pages(url: str, n: int) -> list[float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        context = await browser.new_context(viewport={"width": 375, "height": 740})
        pages = [await context.new_page() for _ in range(n)]

        async def one(page) -> float:
            t0 = time.perf_counter()
            await page.goto(url, timeout=600_000)
            await page.locator("button.xf-submit").wait_for(state="visible", timeout=600_000)
            return time.perf_counter() - t0

        times = await asyncio.gather(*(one(pg) for pg in pages))
        await browser.close()
    return list(times)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--burst", type=int, default=70)
    ap.add_argument("--single", type=int, default=5, help="sequential opens for the warm/cold single-page figures")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="xf-bench-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    subprocess.run([sys.executable, "-m", "xinfang.cli", "demo", "--cases", "300"], check=True, cwd=ROOT,
                   env={**os.environ, "XINFANG_DB_URL": db_url}, capture_output=True)
    rows = []
    for label, pool in (("cold (no pool)", 0), ("warm (pool 4)", 4)):
        print(f"… {label}", flush=True)
        proc, url = start_forms_server(db_url, pool, tmp)
        if pool:
            wait_pool(proc, pool)
        times = []
        for _ in range(args.single):
            times += asyncio.run(open_pages(url, 1))
            if pool:
                wait_pool(proc, pool, timeout=60)
        kernel_rss = [rss_mb(k) for k in kernels_of(proc.pid)]
        rows.append((label, statistics.median(times), max(times), statistics.median(kernel_rss) if kernel_rss else 0,
                     rss_mb(proc.pid)))
        proc.terminate()
        proc.wait(timeout=30)
    print("\nQuestionnaire, one page at a time (Chromium, 375 px):")
    print(f"{'server':<18}{'TTI p50 s':>10}{'TTI max s':>10}{'kernel RSS MB':>15}{'server RSS MB':>15}")
    for label, p50, mx, krss, srss in rows:
        print(f"{label:<18}{p50:>10.2f}{mx:>10.2f}{krss:>15.1f}{srss:>15.1f}")

    print(f"\nBurst: {args.burst} simultaneous opens")
    print(f"{'server':<18}{'pool ready s':>13}{'TTI p50 s':>10}{'TTI p95 s':>10}{'kernels':>8}{'total RSS MB':>14}")
    for label, pool in ((f"pool {args.burst}", args.burst), ("no pool", 0)):
        print(f"… {label}", flush=True)
        proc, url = start_forms_server(db_url, pool, tmp)
        ready = wait_pool(proc, pool) if pool else 0.0
        times = asyncio.run(open_pages(url, args.burst))
        ks = kernels_of(proc.pid)
        total = rss_mb(proc.pid) + sum(rss_mb(k) for k in ks)
        print(f"{label:<18}{ready:>13.1f}{pct(times, .5):>10.2f}{pct(times, .95):>10.2f}{len(ks):>8}{total:>14.0f}")
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
