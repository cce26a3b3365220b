"""Dashboard library benchmark: time to load the sources, compute a view and build its figures, and to
apply a filter change, on a demo mine of N cases (no browser, no server; the serving benchmark is
separate).

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/dashboard_data.py [--cases 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<36} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XINFANG_DB_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        from xinfang import config, dashboard, demo, metrics
        from xinfang.storage import db

        config.reset()
        db.reset()
        anchor = dt.date(2026, 11, 20)
        eng = db.engine()
        db.upgrade(eng)
        with db.session() as s:
            timed(f"build demo ({args.cases:,} cases)", lambda: demo.build_demo(s, cases=args.cases, anchor=anchor))
        sources = timed("load sources", lambda: dashboard.load(today=anchor))
        filters = dashboard.Filters(metrics.Period.quarter(2026, 4), today=anchor)
        for view in ("meeting", "office"):
            data = timed(f"dashboard_data ({view})", lambda v=view: dashboard.dashboard_data(filters, v, sources))
            timed(f"figures ({view})", lambda d=data, v=view: dashboard.figures(d, large=v == "meeting"))
        branch = dashboard.options(sources)["branches"][0]
        timed("filter change (branch)", lambda: dashboard.dashboard_data(filters.with_(branch=branch), "office", sources))
        timed("filter change (topic C01)", lambda: dashboard.dashboard_data(filters.with_(topic="C01"), "office", sources))
        db.reset()


if __name__ == "__main__":
    main()
