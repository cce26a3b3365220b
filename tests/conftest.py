"""Shared fixtures: settings isolated per test, databases on SQLite and a real PostgreSQL server.

PostgreSQL: ``XINFANG_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each
test gets its own schema, dropped afterwards. Where no server answers the PostgreSQL tests skip with
a clear message — except under CI=true, where a missing server fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pytest

from xinfang import config, deadlines, demo, demo_text, vocab
from xinfang.storage import db

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("XINFANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ANCHOR = dt.date(2026, 11, 20)


def _reset_caches() -> None:
    config.reset()
    db.reset()
    vocab.reset()
    deadlines.rules.cache_clear()
    demo.mine.cache_clear()
    demo_text.corpus.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def vault_key_file(tmp_path_factory):
    """One identity-vault key for the test session (created on first need), never data/secrets/. Set
    in the environment at once, so that module- and session-scoped fixtures use it too."""
    path = tmp_path_factory.mktemp("secrets") / "vault.key"
    old = os.environ.get("XINFANG_VAULT_KEY_FILE")
    os.environ["XINFANG_VAULT_KEY_FILE"] = str(path)
    config.reset()
    yield path
    if old is None:
        os.environ.pop("XINFANG_VAULT_KEY_FILE", None)
    else:
        os.environ["XINFANG_VAULT_KEY_FILE"] = old


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch, tmp_path, vault_key_file):
    """No test reads the developer's environment or writes the real data/xinfang.db or vault key."""
    for key in list(os.environ):
        if key.startswith("XINFANG_") and key != "XINFANG_TEST_PG_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{tmp_path / 'default.db'}")
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(vault_key_file))
    _reset_caches()
    yield
    _reset_caches()


_pg_state: dict[str, object] = {}


def pg_available() -> tuple[bool, str]:
    if "ok" not in _pg_state:
        import sqlalchemy as sa

        try:
            eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(sa.text("select 1"))
            eng.dispose()
            _pg_state.update(ok=True, why="")
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            _pg_state.update(ok=False, why=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    return bool(_pg_state["ok"]), str(_pg_state["why"])


def require_pg() -> None:
    ok, why = pg_available()
    if ok:
        return
    msg = f"PostgreSQL not reachable at {PG_URL} ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(msg + " — CI=true requires it", pytrace=False)
    pytest.skip(msg + "; set XINFANG_TEST_PG_URL to run the PostgreSQL tests")


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema on the test server; its URL puts it first on the search path."""
    require_pg()
    import sqlalchemy as sa

    schema = f"xf_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    db.reset()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.sqlite),
                        pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'xinfang.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def use_db(db_url, monkeypatch):
    """Point the settings at ``db_url`` and migrate it; yields the engine."""
    monkeypatch.setenv("XINFANG_DB_URL", db_url)
    _reset_caches()
    eng = db.engine()
    db.upgrade(eng)
    yield eng
    db.reset()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, vault_key_file):
    """A SQLite file with the demo mine (1,200 cases as of ANCHOR), built once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    old = os.environ.get("XINFANG_DB_URL")
    old_key = os.environ.get("XINFANG_VAULT_KEY_FILE")
    os.environ["XINFANG_DB_URL"] = url
    os.environ["XINFANG_VAULT_KEY_FILE"] = str(vault_key_file)
    _reset_caches()
    try:
        eng = db.engine()
        db.upgrade(eng)
        with db.session(eng) as s:
            demo.build_demo(s, cases=1200, seed=7, anchor=ANCHOR)
        db.reset()
    finally:
        if old is None:
            os.environ.pop("XINFANG_DB_URL", None)
        else:
            os.environ["XINFANG_DB_URL"] = old
        if old_key is None:
            os.environ.pop("XINFANG_VAULT_KEY_FILE", None)
        else:
            os.environ["XINFANG_VAULT_KEY_FILE"] = old_key
        _reset_caches()
    return url


def pytest_terminal_summary(terminalreporter):
    """Say on which databases the storage tests ran (the issue asks the summary to show both)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for rep in terminalreporter.stats.get(outcome, []):
            keywords = getattr(rep, "keywords", {})
            for backend, mark in (("sqlite", "sqlite"), ("postgresql", "postgres")):
                if mark in keywords:
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    if counts:
        parts = [f"{b}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())) for b, c in sorted(counts.items())]
        terminalreporter.write_line("storage tests by database — " + "; ".join(parts))


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """One Chromium (Debian's, through Playwright's sync API) for the whole run: the browser tests and the
    load tests share it (a second sync Playwright cannot start while this one holds the main thread's loop)."""
    if not Path(CHROMIUM).exists():
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
