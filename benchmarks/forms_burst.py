"""A meeting's burst against the forms server: N phones open the questionnaire at the same moment.

Seventy Chromium pages do not fit on two cores (the browsers, not the server, would be measured), so
each phone is a protocol client (benchmarks/voila_client.py) doing what the Voila page does on the
wire: GET the page (the server renders it in a kernel), open the kernel's websocket and the widget
control comm, and receive every widget's state. Time to interactive = from the GET until the states,
提交 button included, have arrived. Compared side by side in one run: a preheated pool as large as
the burst (Voila pools are per notebook; XINFANG_FORMS_POOL_SIZE), and no pool.

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/forms_burst.py [--burst 70]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.forms_benchmark import kernels_of, pct, rss_mb, start_forms_server  # noqa: E402
from benchmarks.voila_client import Phone  # noqa: E402


async def one_phone(url: str) -> float:
    phone = Phone(url, timeout=1800)
    try:
        tti = await phone.open()
        phone.find("xf-submit")  # the form is really there
        return tti
    finally:
        phone.close()


async def burst(url: str, n: int, server_pid: int) -> tuple[list[float], list[str], float]:
    peak = 0.0
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(server_pid) + sum(rss_mb(k) for k in kernels_of(server_pid)))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    results = await asyncio.gather(*(one_phone(url) for _ in range(n)), return_exceptions=True)
    done.set()
    await sampler
    times = [r for r in results if isinstance(r, float)]
    return times, [repr(r) for r in results if not isinstance(r, float)], peak


def wait_filled(log: Path, size: int, proc: subprocess.Popen, timeout: float = 1800) -> float:
    """Seconds until Voila reports the pool filled and the kernels have settled (server tree idle)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout and f"is filled with {size} kernel" not in log.read_text(errors="replace"):
        time.sleep(1)
    # kernels of the pool run the notebook up to the request after "filled"; wait for CPU to go quiet
    def cpu() -> float:
        total = 0
        for pid in [proc.pid, *kernels_of(proc.pid)]:
            try:
                parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(parts[11]) + int(parts[12])
            except OSError:
                pass
        return total
    last = cpu()
    while time.monotonic() - t0 < timeout:
        time.sleep(2)
        now = cpu()
        if now - last < 20:  # under 0.1 core-second per second across the whole tree
            break
        last = now
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--burst", type=int, default=70)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xf-burst-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    subprocess.run([sys.executable, "-m", "xinfang.cli", "demo", "--cases", "300"], check=True, cwd=ROOT,
                   env={**os.environ, "XINFANG_DB_URL": db_url}, capture_output=True)
    print(f"{args.burst} simultaneous opens of the questionnaire (protocol clients; TTI = GET → widget states)")
    print(f"{'server':<12}{'pool ready s':>13}{'TTI p50 s':>10}{'TTI p95 s':>10}{'max s':>8}{'failed':>7}"
          f"{'kernels':>8}{'kernel RSS p50 MB':>18}{'peak total MB':>14}", flush=True)
    for label, pool in ((f"pool {args.burst}", args.burst), ("no pool", 0)):
        proc, url = start_forms_server(db_url, pool, tmp)
        ready = wait_filled(tmp / f"forms-{pool}.log", pool, proc) if pool else 0.0
        started = time.perf_counter()
        times, errors, peak = asyncio.run(burst(url, args.burst, proc.pid))
        wall = time.perf_counter() - started
        krss = [rss_mb(k) for k in kernels_of(proc.pid)]
        print(f"{label:<12}{ready:>13.1f}{pct(times, .5) if times else 0:>10.2f}{pct(times, .95) if times else 0:>10.2f}"
              f"{max(times, default=0):>8.2f}{len(errors):>7}{len(krss):>8}{statistics.median(krss) if krss else 0:>18.1f}"
              f"{peak:>14.0f}   (all done in {wall:.1f} s)", flush=True)
        for e in errors[:3]:
            print(f"   failed: {e}")
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
