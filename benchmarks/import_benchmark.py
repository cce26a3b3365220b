"""Import benchmark: a 1,000,000-row 信访台账 CSV into a fresh SQLite database.

    .venv/bin/python benchmarks/import_benchmark.py [--rows N] [--quick] [--keep] [--wjx N]

Generates a GBK-encoded CSV ledger in /tmp (chronological, ten years; about 30 % named petitioners,
Traditional text and pinyin annotations in some rows, 1 % bad rows: unknown unit, text dates that
are not dates, empty text, duplicates), then in a child process each:

  1. dry run (checks everything, writes nothing),
  2. import,
  3. rerun of the same file (must import nothing),

and prints wall time, rows per second and the child's peak memory (max RSS). During the import a
second process submits the questionnaire every 0.2 s and the benchmark prints how long those
submissions waited (the import commits in short batches, so they should never wait for long).
Then a 问卷星 download (按文本, ``--wjx`` rows, default 10,000) goes through the forms engine, once and
again. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

UNITS = ["综采一队", "综采二队", "更新队", "掘进一队", "掘进二队", "抽采队", "机电队", "运输队", "通风队", "洗煤厂"]
TEXTS = ["精益奖金分配差距比较大，希望公开考核细则", "井下津貼拖欠(qian)三個月，請盡快補發", "劳保用品发放不及时，矿靴质量差",
         "排班不均衡，夜班连续太多", "班中餐品种少，饭菜凉", "通勤班车太挤，希望增加车次", "工伤认定进度慢，停工留薪期待遇未落实",
         "宿舍漏雨，多次反映未修", "年休假申请不批", "内退政策不清楚，希望解释"]
HANDLING = ["已答复", "已转人资科办理", "已协调解决", "正在调查", ""]
NAMES = ["王建国", "李卫东", "张海军", "刘志强", "陈国庆", "杨永平", "赵六", "孙七"]
SEED = 20261124


def generate(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    start = dt.date(2016, 1, 1)
    days = 3652
    with open(path, "w", encoding="gbk", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["序号", "日期", "姓名", "单位", "反映问题", "处理情况"])
        for i in range(rows):
            day = start + dt.timedelta(days=i * days // rows)
            name = rng.choice(NAMES) if rng.random() < 0.3 else ""
            unit = rng.choice(UNITS)
            text = f"{rng.choice(TEXTS)}（第{i + 1}号）"
            date = day.isoformat() if i % 3 else day.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月")
            bad = rng.random()
            if bad < 0.0025:
                unit = "不存在的队"
            elif bad < 0.005:
                date = "三月初"
            elif bad < 0.0075:
                text = ""
            row = [i + 1, date, name, unit, text, rng.choice(HANDLING)]
            out.writerow(row)
            if 0.0075 <= bad < 0.01:
                out.writerow(row)  # a duplicate line


LIKERT = ["很满意", "比较满意", "一般", "不太满意", "很不满意"]
WJX_QUESTIONS = ["1、您所在的单位", "2、工资收入和奖金分配", "3、井下安全生产条件", "4、食堂和班中餐", "5、排班和休息休假",
                 "6、队组管理和干部作风", "7、劳保用品发放（工作服、矿靴、口罩等）", "8、您最近最关心哪些事？（最多选三项）",
                 "9、还有什么想对信访办说的？"]
CONCERNS = ["收入分配", "安全生产", "食堂伙食", "排班休息", "干部作风", "劳保用品", "职业健康", "子女教育"]


def generate_wjx(path: Path, rows: int) -> None:
    """A 问卷星 按文本 download of the 员工思想动态问卷."""
    rng = random.Random(SEED)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", *WJX_QUESTIONS])
        for i in range(rows):
            day = dt.date(2026, 1, 1) + dt.timedelta(days=i * 300 // rows)
            out.writerow([i + 1, f"{day:%Y/%m/%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:07", f"{rng.randrange(60, 600)}秒",
                          "微信", "N/A", f"10.2.{rng.randrange(255)}.{rng.randrange(255)}", rng.choice(UNITS),
                          *[rng.choice(LIKERT) for _ in range(6)], "┋".join(rng.sample(CONCERNS, rng.randrange(1, 4))),
                          rng.choice(TEXTS) if rng.random() < 0.3 else "(跳过)"])


def _run_wjx(url: str, path: str, queue) -> None:
    os.environ["XINFANG_DB_URL"] = url
    from xinfang.imports import run_import

    started = time.perf_counter()
    report = run_import("wjx", path, form="sixiang_dongtai")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "peak_mb": peak, "read": report.read, "imported": report.imported,
               "already": report.already, "refused": report.refused_count})


def _prepare_db(url: str) -> None:
    os.environ["XINFANG_DB_URL"] = url
    from xinfang.storage import db
    from xinfang.storage.models import OrgUnit

    db.upgrade(db.engine())
    with db.session() as s:
        for name in UNITS:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))


def _run(url: str, path: str, dry_run: bool, queue) -> None:
    os.environ["XINFANG_DB_URL"] = url
    from xinfang.imports import run_import

    started = time.perf_counter()
    report = run_import("ledger", path, dry_run=dry_run)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    queue.put({"seconds": seconds, "peak_mb": peak, "read": report.read, "imported": report.imported,
               "already": report.already, "refused": report.refused_count, "first": report.lines()[1]})


def _submitter(url: str, stop, queue) -> None:
    """Submit the questionnaire every 0.2 s while the import runs; report each wait."""
    os.environ["XINFANG_DB_URL"] = url
    from xinfang import forms
    from xinfang.storage import db

    spec = forms.by_key("sixiang_dongtai")
    answers = {"unit": "更新队", "pay": 3, "safety": 4, "canteen": 3, "shift": 2, "management": 3, "ppe": 4}
    waits = []
    while not stop.is_set():
        t = time.perf_counter()
        with db.session() as s:
            forms.submit(s, spec, answers, forms.new_instance_id())
        waits.append(time.perf_counter() - t)
        time.sleep(0.2)
    queue.put(waits)


def child(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--keep", action="store_true", help="keep the CSV and database in /tmp")
    parser.add_argument("--wjx", type=int, default=10_000, help="rows of the 问卷星 download (0: skip)")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    work = Path(tempfile.mkdtemp(prefix="xf-import-bench-", dir="/tmp"))
    csv_path, db_path = work / "ledger.csv", work / "xinfang.db"
    url = f"sqlite:///{db_path}"

    t = time.perf_counter()
    generate(csv_path, rows)
    print(f"generated {csv_path} ({csv_path.stat().st_size / 2**20:.0f} MiB, GBK) in {time.perf_counter() - t:.1f} s")
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=_prepare_db, args=(url,))
    p.start()
    p.join()

    print(f"{'run':<10}{'rows read':>11}{'imported':>11}{'skipped':>10}{'refused':>9}{'seconds':>10}{'rows/s':>10}{'peak MB':>9}")

    def show(label, r):
        print(f"{label:<10}{r['read']:>11,}{r['imported']:>11,}{r['already']:>10,}{r['refused']:>9,}"
              f"{r['seconds']:>10.1f}{r['read'] / r['seconds']:>10,.0f}{r['peak_mb']:>9.0f}")

    show("dry run", child(_run, url, str(csv_path), True))
    stop = ctx.Event()
    waits_q = ctx.Queue()
    sub = ctx.Process(target=_submitter, args=(url, stop, waits_q))
    sub.start()
    imported = child(_run, url, str(csv_path), False)
    stop.set()
    waits = waits_q.get()
    sub.join()
    show("import", imported)
    show("rerun", child(_run, url, str(csv_path), False))
    if waits:
        print(f"questionnaire submissions during the import: {len(waits)}, wait median "
              f"{statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms")
    print(f"database {db_path.stat().st_size / 2**20:.0f} MiB")
    if args.wjx:
        wjx_path = work / "wjx.csv"
        generate_wjx(wjx_path, args.wjx)
        show("问卷星", child(_run_wjx, url, str(wjx_path)))
        show("问卷星 2nd", child(_run_wjx, url, str(wjx_path)))
    print(json.dumps({"rows": rows, "import_seconds": round(imported["seconds"], 1),
                      "import_peak_mb": round(imported["peak_mb"])}))
    if not args.keep:
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
