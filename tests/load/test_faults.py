"""Faults: the forms server SIGKILLed mid-submit, the SQLite file locked by another writer, PostgreSQL
restarted during submits. Whatever a phone saw confirmed is stored exactly once, nothing is half-written
(every 诉求登记 has its case, every 实名/保密 case its vault row), a submit that failed says so in a clear
catalogue message with the answers still in the form, and the same 提交 pressed again stores it once.

Phones are protocol clients (benchmarks/voila_client.py). The PostgreSQL test makes its own cluster
(initdb on a free port, fixture ``throwaway_pg``), never the shared server. Figures are printed at the
end of the run, never asserted.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import string
import subprocess
import sys
import time
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from benchmarks.voila_client import (
    Phone,
    error_shown,
    fill_demand,
    fill_questionnaire,
    press_submit,
    receipt_shown,
)
from xinfang.errors import CATALOGUE
from xinfang.storage import db
from xinfang.storage.models import Case, Form, FormVersion, PiiVault, Submission

from ..conftest import REPO
from .conftest import run_async

SECTION = "faults"
SURVIVED: list[str] = []


def survived(figures, fault: str) -> None:
    """Called when a test has passed all its assertions: one more fault survived."""
    SURVIVED.append(fault)
    figures.add("faults survived", f"{len(SURVIVED)}. {fault}")
WAIT = 180  # seconds a phone waits for a page or an answer (generous: CI shares two cores)


# -- what the phones enter ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One answer a person means to submit: the questionnaire, or 诉求登记 in one 反映方式."""

    tag: str
    n: int
    mode: str | None = None  # None: the questionnaire sixiang_dongtai; else 实名 / 保密 / 匿名

    @property
    def form(self) -> str:
        return "sixiang_dongtai" if self.mode is None else "suqiu_dengji"

    @property
    def text(self) -> str:
        return f"{self.tag} 食堂排队太久" if self.mode is None else f"{self.tag} 井下巷道积水，请尽快处理"

    @property
    def identity(self) -> dict[str, str]:
        if self.mode in (None, "匿名"):
            return {}
        return {"name": f"测试{self.n:03d}", "staff_no": f"K{self.n:04d}", "mobile": f"1380000{self.n:04d}"}

    async def fill(self, phone: Phone) -> None:
        if self.mode is None:
            await fill_questionnaire(phone, self.text, seed=self.n)
        else:
            await fill_demand(phone, self.text, mode=self.mode, seed=self.n, **self.identity)

    def answers_kept(self, phone: Phone) -> bool:
        """The page still holds what was entered (after an error nothing is cleared)."""
        field = "remark" if self.mode is None else "content"
        kept = phone.states[phone.find(f"xf-input-{field}")].get("value") == self.text
        if self.identity:
            kept = kept and phone.states[phone.find("xf-input-name")].get("value") == self.identity["name"]
        return kept


def entries(prefix: str, count: int, start: int = 0) -> list[Entry]:
    modes = [None, "实名", "匿名", None, "保密"]
    return [Entry(f"{prefix}-{n:03d}", n, modes[n % len(modes)]) for n in range(start, start + count)]


# -- what the page shows --------------------------------------------------------------------------


def _template_regex(template: str) -> re.Pattern:
    parts = []
    for literal, field_name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field_name is not None:
            parts.append("(.+?)")
    return re.compile("^" + "".join(parts) + "$", re.S)


_PATTERNS = {code: _template_regex(entry.zh) for code, entry in CATALOGUE.items()}


def plain(shown: str | None) -> str:
    """The text a person reads in an HTML fragment the page shows."""
    return html.unescape(re.sub(r"<[^>]+>", "", shown or "")).strip()


def catalogue_code(shown: str | None) -> str | None:
    """The catalogue code of the message the page shows in ``shown`` (an HTML fragment), or None.

    A database refusal reads form.storage_busy on the phone (what to do, answers kept); the
    database's own code (db.locked, db.unreachable) rides along in the fragment's data-code."""
    if not shown:
        return None
    matches = [code for code, pattern in _PATTERNS.items() if pattern.match(plain(shown))]
    if matches == ["form.storage_busy"] and (cause := re.search(r'data-code="([^"]+)"', shown)):
        return cause[1]
    return matches[0] if matches else None


def submitting(phone: Phone) -> bool:
    """The page shows (or showed) its 正在提交… line."""
    return any(isinstance(v := state.get("value"), str) and v.startswith('<div class="xf-hint">') and "正在提交" in v
               for _model, state in phone.history)


def done(phone: Phone) -> bool:
    return receipt_shown(phone) or bool(error_shown(phone))


async def open_filled(url_of, entry: Entry) -> Phone:
    phone = Phone(url_of(entry.form), timeout=WAIT)
    await phone.open()
    await entry.fill(phone)
    return phone


async def submit(phone: Phone) -> str | None:
    """Press 提交: None when stored, else the error the page shows (its HTML)."""
    return await press_submit(phone, timeout=WAIT)


async def submit_until_stored(phone: Phone, errors: list[str], pause: float = 0.5, tries: int = 40) -> int:
    """Press 提交 until the receipt shows, as a person would after an error; returns the retries needed."""
    for retry in range(tries):
        shown = await submit(phone)
        if shown is None:
            return retry
        errors.append(shown)
        await asyncio.sleep(pause)
    raise AssertionError(f"no receipt after {tries} presses of 提交; last message: {errors[-1]}")


# -- what the database holds ----------------------------------------------------------------------


@dataclass
class Stored:
    counts: dict[str, int]  # submissions whose remark / content starts with an entry's tag
    total: int
    half_written: list[str]


def inspect_db(url: str, plan: list[Entry]) -> Stored:
    """Count each entry's submissions and list whatever is half-written."""
    eng = db.make_engine(url)
    problems: list[str] = []
    try:
        with Session(eng) as s:
            rows = s.execute(select(Submission.id, Submission.answers, Form.form_key)
                             .join(FormVersion, FormVersion.id == Submission.form_version_id)
                             .join(Form, Form.id == FormVersion.form_id)).all()
            cases = s.execute(select(Case.id, Case.submission_id, Case.intake_mode, Case.text)).all()
            vault = {v.case_id: v for v in s.scalars(select(PiiVault))}
        by_sub: dict[int, list] = {}
        for c in cases:
            by_sub.setdefault(c.submission_id, []).append(c)
        texts = []
        for sub_id, answers, form_key in rows:
            texts.append(str(answers.get("remark") or answers.get("content") or ""))
            if form_key == "suqiu_dengji" and not by_sub.get(sub_id):
                problems.append(f"submission {sub_id} (诉求登记) has no case")
        sub_ids = {r.id for r in rows}
        identities = {e.text: e.identity for e in plan}
        for c in cases:
            if c.submission_id not in sub_ids:
                problems.append(f"case {c.id} has no submission")
            if c.intake_mode in ("实名", "保密"):
                v = vault.get(c.id)
                want = identities.get(c.text, {})
                if v is None:
                    problems.append(f"case {c.id} ({c.intake_mode}) has no vault row")
                elif want and (v.name, v.staff_no, v.phone) != (want["name"], want["staff_no"], want["mobile"]):
                    problems.append(f"case {c.id}: vault row does not hold the identity entered")
            elif c.id in vault:
                problems.append(f"case {c.id} ({c.intake_mode}) has a vault row")
        counts = {e.tag: sum(t.startswith(e.tag + " ") for t in texts) for e in plan}
        return Stored(counts, len(rows), problems)
    finally:
        eng.dispose()


def assert_once(stored: Stored, tags, what: str) -> None:
    wrong = {t: stored.counts.get(t, 0) for t in tags if stored.counts.get(t, 0) != 1}
    assert not wrong, f"{what}: stored {wrong} times, expected exactly once each"


# -- another writer holding the SQLite file -------------------------------------------------------

LOCKER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
con.execute("BEGIN EXCLUSIVE")
con.execute("UPDATE org_unit SET headcount = headcount + 1 WHERE id = (SELECT min(id) FROM org_unit)")
print("locked", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
print("released", flush=True)
"""


class Locker:
    """Another program that opens the database file, takes ``BEGIN EXCLUSIVE``, writes, and commits
    when told to (``release``)."""

    def __init__(self, path: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "locked":
            self.proc.kill()
            raise RuntimeError(f"the locker did not lock: {line} {self.proc.stderr.read()}")
        self.since = time.monotonic()

    def release(self) -> float:
        """Commit and end; returns how long the lock was held."""
        held = time.monotonic() - self.since
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "released", self.proc.stderr.read()
            self.proc.wait(timeout=30)
        return held

    def __enter__(self) -> Locker:
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


# -- 1. SIGKILL mid-submit ------------------------------------------------------------------------


async def kill_while_submitting(server, first: list[Entry], second: list[Entry]) -> dict:
    """Batch one is submitted and confirmed; batch two is pressed at staggered moments and the server
    is SIGKILLed as soon as the first of them is confirmed. Returns who saw a receipt."""
    phones = await asyncio.gather(*(open_filled(server.url, e) for e in first + second))
    by_tag = dict(zip((e.tag for e in first + second), phones, strict=True))
    for e in first:
        assert await submit(by_tag[e.tag]) is None, error_shown(by_tag[e.tag])
        await asyncio.sleep(0.1)
    pressed = []
    for e in second:
        await by_tag[e.tag].click(by_tag[e.tag].find("xf-submit"))
        pressed.append(e)
        await asyncio.sleep(0.03)
    with_receipt = [asyncio.create_task(by_tag[e.tag].wait_for(receipt_shown, timeout=WAIT)) for e in second]
    await asyncio.wait(with_receipt, return_when=asyncio.FIRST_COMPLETED)
    in_flight_at_kill = sum(not receipt_shown(by_tag[e.tag]) for e in second)
    writing_at_kill = sum(not receipt_shown(by_tag[e.tag]) and submitting(by_tag[e.tag]) for e in second)
    server.kill()
    # whatever reached a phone before its socket closed counts as confirmed
    await asyncio.gather(*with_receipt, return_exceptions=True)
    for phone in phones:
        phone.close()
    return {"confirmed": [e for e in first + second if receipt_shown(by_tag[e.tag])],
            "unconfirmed": [e for e in second if not receipt_shown(by_tag[e.tag])],
            "in_flight": in_flight_at_kill, "writing": writing_at_kill}


async def reenter(server, plan: list[Entry]) -> tuple[int, list[str]]:
    errors: list[str] = []
    phones = await asyncio.gather(*(open_filled(server.url, e) for e in plan))
    try:
        retries = await asyncio.gather(*(submit_until_stored(p, errors) for p in phones))
    finally:
        for p in phones:
            p.close()
    return sum(retries), errors


def test_server_sigkilled_mid_submit_loses_nothing_confirmed(forms_server, migrated_sqlite, figures):
    server = forms_server(migrated_sqlite, pool=4)
    server.wait_pool()
    plan = entries("故障K", 10)
    first, second = plan[:3], plan[3:]
    seen = run_async(kill_while_submitting(server, first, second))
    confirmed = [e.tag for e in seen["confirmed"]]

    # the database as the crash left it: every confirmed answer is there once, nothing half-written
    after_crash = inspect_db(migrated_sqlite, plan)
    assert_once(after_crash, confirmed, "confirmed before the kill")
    assert not after_crash.half_written, after_crash.half_written
    assert all(after_crash.counts[e.tag] <= 1 for e in plan), after_crash.counts
    lost_receipt = [e for e in seen["unconfirmed"] if after_crash.counts[e.tag] == 1]
    not_stored = [e for e in seen["unconfirmed"] if after_crash.counts[e.tag] == 0]

    t0 = time.monotonic()
    server.start()
    restarted_in = time.monotonic() - t0
    # a fresh page opens and submits; the people who saw no receipt (and whose answer is not in the
    # database) open the page again, enter their answers again and submit
    fresh = entries("故障K", 1, start=len(plan))
    retries, errors = run_async(reenter(server, not_stored + fresh))
    assert not errors, errors

    final = inspect_db(migrated_sqlite, plan + fresh)
    assert_once(final, [e.tag for e in plan + fresh], "after the restart")
    assert final.total == len(plan + fresh), "nothing stored that no phone entered"
    assert not final.half_written, final.half_written
    figures.add(SECTION, (
        f"SIGKILL of the forms server and its kernels (SQLite): {len(plan)} phones, {seen['in_flight']} in flight "
        f"at the kill ({seen['writing']} of them showing 正在提交…); confirmed before the kill {len(confirmed)}, stored {len(confirmed)}; unconfirmed "
        f"{len(seen['unconfirmed'])} ({len(lost_receipt)} committed with the receipt lost, "
        f"{len(not_stored)} not stored → re-entered after the restart and stored once); a fresh page after the "
        f"restart stored 1; total stored {final.total}, duplicates 0, half-written {len(final.half_written)}, "
        f"retries needed {retries}; restart took {restarted_in:.0f} s"))
    survived(figures, "forms server SIGKILLed mid-submit, restarted (SQLite)")


# -- 2. SQLite locked by another writer -----------------------------------------------------------


async def submit_under_lock(server, db_path: str, plan: list[Entry], hold: float) -> dict:
    phones = await asyncio.gather(*(open_filled(server.url, e) for e in plan))
    try:
        with Locker(db_path) as lock:
            for p in phones:
                await p.click(p.find("xf-submit"))
            # every kernel has begun its submit (the page says 正在提交…) before the hold runs out
            await asyncio.gather(*(p.wait_for(submitting, timeout=WAIT) for p in phones))
            await asyncio.sleep(max(0.0, hold - (time.monotonic() - lock.since)))
            shown_while_locked = [receipt_shown(p) for p in phones]
            held = lock.release()
        await asyncio.gather(*(p.wait_for(done, timeout=WAIT) for p in phones))
        return {"held": held, "receipt_while_locked": sum(shown_while_locked),
                "receipts": sum(receipt_shown(p) for p in phones),
                "errors": [error_shown(p) for p in phones if not receipt_shown(p)]}
    finally:
        for p in phones:
            p.close()


def test_sqlite_locked_below_busy_timeout_submissions_wait(forms_server, migrated_sqlite, figures):
    server = forms_server(migrated_sqlite, pool=3)  # busy timeout: the default 10 s
    server.wait_pool()
    plan = entries("锁等待", 3)
    seen = run_async(submit_under_lock(server, sqlite_path(migrated_sqlite), plan, hold=3.0))
    assert seen["receipt_while_locked"] == 0, "a submission was stored while another writer held the file"
    assert not seen["errors"], seen["errors"]
    assert seen["receipts"] == len(plan)
    stored = inspect_db(migrated_sqlite, plan)
    assert_once(stored, [e.tag for e in plan], "submitted while the file was locked")
    assert stored.total == len(plan) and not stored.half_written, stored
    figures.add(SECTION, (
        f"SQLite file held by another writer (BEGIN EXCLUSIVE + a write) for {seen['held']:.1f} s, busy timeout "
        f"10 s: {len(plan)} submissions waited, confirmed {seen['receipts']}, stored {stored.total}, duplicates 0, "
        f"half-written 0, retries needed 0"))
    survived(figures, f"SQLite file locked {seen['held']:.0f} s, below the busy timeout")


async def locked_past_busy_timeout(server, db_path: str, db_url: str, plan: list[Entry], hold: float) -> dict:
    phones = await asyncio.gather(*(open_filled(server.url, e) for e in plan))
    try:
        with Locker(db_path) as lock:
            shown = await asyncio.gather(*(submit(p) for p in phones))
            for p in phones:
                await p.refresh(timeout=WAIT)  # what the page holds now, from the kernel
            kept = [e.answers_kept(p) for e, p in zip(plan, phones, strict=True)]
            stored_while_locked = inspect_db(db_url, plan).total  # readers are not blocked (WAL)
            await asyncio.sleep(max(0.0, hold - (time.monotonic() - lock.since)))
            held = lock.release()
        retries = await asyncio.gather(*(submit_until_stored(p, []) for p in phones))
        return {"shown": shown, "kept": kept, "stored_while_locked": stored_while_locked, "held": held,
                "retries": sum(retries)}
    finally:
        for p in phones:
            p.close()


def test_sqlite_locked_past_busy_timeout_says_so_and_keeps_answers(forms_server, migrated_sqlite, figures):
    server = forms_server(migrated_sqlite, pool=2, XINFANG_SQLITE_BUSY_TIMEOUT_MS=1000)
    server.wait_pool()
    plan = [Entry("锁超时-000", 0), Entry("锁超时-001", 1, "实名")]
    seen = run_async(locked_past_busy_timeout(server, sqlite_path(migrated_sqlite), migrated_sqlite, plan,
                                                hold=5.0))
    codes = [catalogue_code(s) for s in seen["shown"]]
    assert all(s is not None for s in seen["shown"]), "no receipt while the file is locked past the timeout"
    assert set(codes) == {"db.locked"}, f"not the catalogue's message for a locked file: {seen['shown']}"
    assert all(seen["kept"]), "the answers are still in the form after the error"
    assert seen["stored_while_locked"] == 0
    stored = inspect_db(migrated_sqlite, plan)
    assert_once(stored, [e.tag for e in plan], "submitted again after the lock was released")
    assert stored.total == len(plan) and not stored.half_written, stored
    figures.add(SECTION, (
        f"SQLite file held {seen['held']:.1f} s, busy timeout 1 s: {len(plan)} submissions refused with the "
        f"catalogue message {sorted(set(codes))}, answers kept; pressed again after the release: confirmed "
        f"{len(plan)}, stored {stored.total}, duplicates 0, half-written 0, retries needed {len(plan) + seen['retries']}"))
    figures.add(SECTION, f"  the page said: {plain(seen['shown'][0])}")
    survived(figures, f"SQLite file locked {seen['held']:.0f} s, past the busy timeout")


# -- 3. PostgreSQL restarted during submits (a throwaway cluster) ---------------------------------


def prepare_cluster(cluster) -> str:
    import sqlalchemy as sa

    from xinfang import forms
    from xinfang.storage.models import OrgUnit

    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE xf_faults"))
    admin.dispose()
    url = cluster.url("xf_faults")
    env = {**os.environ, "XINFANG_DB_URL": url}
    done = subprocess.run([sys.executable, "-m", "xinfang.cli", "db", "upgrade"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    eng = db.make_engine(url)
    with db.session(eng) as s:
        for name in [c.name for c in forms.by_key("sixiang_dongtai")["unit"].choices]:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
    eng.dispose()
    return url


async def server_down_then_up(server, cluster, entry: Entry) -> dict:
    """Deterministic: the cluster is stopped when 提交 is pressed, started again, 提交 pressed again."""
    phone = await open_filled(server.url, entry)
    try:
        await asyncio.to_thread(cluster.stop)
        shown = await submit(phone)
        await phone.refresh(timeout=WAIT)
        kept = entry.answers_kept(phone)
        await asyncio.to_thread(cluster.start)
        retries = await submit_until_stored(phone, [])
        return {"shown": shown, "kept": kept, "retries": 1 + retries}  # the press that failed, then these
    finally:
        phone.close()


LANE_MODES = [(None, None), ("实名", "保密"), ("匿名", "匿名")]  # one page per lane: one form each


async def restart_while_submitting(server, cluster, lanes: int, per_lane_after: int) -> dict:
    """``lanes`` phones submit one answer after another; the cluster is restarted (pg_ctl restart -m
    fast) while they do, and they go on until each has stored ``per_lane_after`` answers after it."""
    restarted = asyncio.Event()
    errors: list[str] = []
    plan: list[Entry] = []
    confirmed: list[Entry] = []
    retries = 0

    async def lane(i: int) -> None:
        nonlocal retries
        phone = None
        n = after = 0
        while after < per_lane_after:
            entry = Entry(f"重启{i}-{n:03d}", 100 + 20 * i + n, LANE_MODES[i % len(LANE_MODES)][n % 2])
            n += 1
            plan.append(entry)
            if phone is None:
                phone = phone_of[i] = await open_filled(server.url, entry)
            else:
                await entry.fill(phone)
            was_restarted = restarted.is_set()
            needed = await submit_until_stored(phone, errors, pause=0.3)
            retries += needed
            confirmed.append(entry)
            after += was_restarted

    phone_of: dict[int, Phone] = {}

    async def restart() -> float:
        while len(confirmed) < lanes:  # every lane has stored one answer before the restart
            await asyncio.sleep(0.05)
        t0 = time.monotonic()
        await asyncio.to_thread(cluster.restart)
        restarted.set()
        return time.monotonic() - t0

    try:
        outcome = await asyncio.gather(restart(), *(lane(i) for i in range(lanes)))
    finally:
        for p in phone_of.values():
            p.close()
    return {"plan": plan, "confirmed": confirmed, "errors": errors, "retries": retries, "took": outcome[0]}


def test_postgresql_restarted_during_submits(throwaway_pg, forms_server, figures):
    url = prepare_cluster(throwaway_pg)
    server = forms_server(url, pool=3)
    server.wait_pool()

    one = Entry("停库-000", 90, "实名")
    down = run_async(server_down_then_up(server, throwaway_pg, one))
    assert down["shown"] is not None, "a receipt while the database server was stopped"
    assert catalogue_code(down["shown"]) == "db.unreachable", f"not the catalogue's message: {down['shown']}"
    assert down["kept"], "the answers are still in the form after the error"

    stream = run_async(restart_while_submitting(server, throwaway_pg, lanes=3, per_lane_after=2))
    unclear = [s for s in stream["errors"] if catalogue_code(s) != "db.unreachable"]
    assert not unclear, f"messages not from the catalogue: {unclear[:3]}"

    plan = [one, *stream["plan"]]
    stored = inspect_db(url, plan)
    assert_once(stored, [e.tag for e in plan], "confirmed around the restart")
    assert stored.total == len(plan), "nothing stored that no phone entered"
    assert not stored.half_written, stored.half_written
    codes = sorted({catalogue_code(s) for s in [down["shown"], *stream["errors"]]})
    figures.add(SECTION, (
        f"PostgreSQL (throwaway cluster, port {throwaway_pg.port}) stopped at 提交 then started: message "
        f"{catalogue_code(down['shown'])}, answers kept, stored once after {down['retries']} more press(es) of 提交"))
    figures.add(SECTION, f"  the page said: {plain(down['shown'])}")
    figures.add(SECTION, (
        f"PostgreSQL restarted (pg_ctl restart -m fast, {stream['took']:.1f} s) while 3 phones submitted: "
        f"confirmed {len(stream['confirmed']) + 1}, stored {stored.total}, duplicates 0, half-written 0, "
        f"submits that hit the restart {len(stream['errors'])} (messages {codes}), retries needed "
        f"{stream['retries'] + down['retries']}"))
    survived(figures, "PostgreSQL stopped at 提交, then started")
    survived(figures, "PostgreSQL restarted during submits")
