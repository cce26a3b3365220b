"""Engines, sessions and schema versions — a thin layer over SQLAlchemy.

Nothing connects at import time. ``engine()`` builds (and caches) an engine for the configured URL;
``session()`` is a transaction scope; ``translate_errors()`` turns driver errors a user can meet
(unreachable server, read-only or locked file, not a database) into one clear catalogue error.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from xinfang.config import settings
from xinfang.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def parse_url(raw: str) -> URL:
    """Validate a database URL; only SQLite and PostgreSQL are supported."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise StorageError("db.url_malformed", url=raw) from exc
    backend = url.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise StorageError("db.unsupported", dialect=backend)
    if backend == "postgresql" and not url.database:
        raise StorageError("db.url_malformed", url=raw)
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def describe(url: URL) -> str:
    """Where the database is, for messages (no password)."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _on_sqlite_connect(busy_ms: int):
    def configure(dbapi_conn: sqlite3.Connection, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        try:
            cur.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # a read-only file cannot switch mode; writes will be refused with a clear message
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    return configure


def make_engine(raw_url: str | None = None) -> Engine:
    """A new engine for ``raw_url`` (default: the configured one). Does not connect yet."""
    cfg = settings()
    url = parse_url(raw_url or cfg.db_url)
    if url.get_backend_name() == "sqlite":
        busy_ms = int(cfg["sqlite_busy_timeout_ms"])
        eng = create_engine(url, connect_args={"timeout": busy_ms / 1000})
        event.listen(eng, "connect", _on_sqlite_connect(busy_ms))
        return eng
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except NoSuchModuleError as exc:
        raise StorageError("db.unsupported", dialect=url.drivername) from exc


@cache
def engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine()


def reset() -> None:
    """Dispose of the cached engine (tests and the CLI after changing settings)."""
    if engine.cache_info().currsize:
        engine().dispose()
    engine.cache_clear()
    _sessionmaker.cache_clear()


@cache
def _sessionmaker(eng: Engine) -> sessionmaker:
    return sessionmaker(bind=eng, expire_on_commit=False)


@contextlib.contextmanager
def translate_errors(eng: Engine) -> Iterator[None]:
    """Turn driver errors a user can meet into one clear catalogue error."""
    where = describe(eng.url)
    try:
        yield
    except DBAPIError as exc:
        if _missing_table(exc):  # the schema is not this version's: say which way, and how to mend it
            raise (_schema_error(eng, where) or StorageError("db.table_missing", where=where)) from exc
        if isinstance(exc, OperationalError):
            raise _translate(exc, eng, where) from exc
        if isinstance(exc.orig, sqlite3.DatabaseError) and "not a database" in str(exc.orig):
            raise StorageError("db.not_a_database", where=where) from exc
        raise


def _translate(exc: OperationalError, eng: Engine, where: str) -> Exception:
    msg = str(exc.orig).lower()
    if "readonly" in msg or "read-only" in msg:
        return StorageError("db.readonly", where=where)
    if "locked" in msg or "busy" in msg:
        seconds = int(settings()["sqlite_busy_timeout_ms"]) / 1000
        return StorageError("db.locked", where=where, seconds=f"{seconds:g}")
    if "not a database" in msg or "file is encrypted" in msg:
        return StorageError("db.not_a_database", where=where)
    if "unable to open database file" in msg:
        return StorageError("db.unreachable", where=where, reason="文件或所在文件夹不存在或无法访问")
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return StorageError("db.unreachable", where=where, reason=reason)


@contextlib.contextmanager
def session(eng: Engine | None = None) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back on any error."""
    eng = eng or engine()
    with translate_errors(eng):
        with _sessionmaker(eng)() as s:
            with s.begin():
                yield s


# -- data generation ----------------------------------------------------------------------------


def data_generation(session: Session) -> int:
    """The database's data generation: a number that rises with every committed write to the tables
    the dashboard reads (petition_case, case_event, case_analysis, org_unit, submission, form_version,
    activity), whoever makes it — kept by triggers of migration 0004. One ``SELECT``.

    Read it before the data it stands for (or in the same snapshot): data read afterwards is then at
    least as new as the number, never older. Only a transaction that has not written should fill a cache
    with it: its own uncommitted writes may be rolled back, and the number with them.

    A database not yet upgraded to 0004 is refused as ``db.not_migrated`` (no schema) or
    ``db.outdated``; a counter table or row deleted by hand as ``db.generation_missing``.
    """
    try:
        n = session.execute(text("SELECT n FROM data_generation WHERE id = 1")).scalar()
    except DBAPIError as exc:
        if not _missing_table(exc):
            raise
        eng = session.get_bind().engine
        where = describe(eng.url)
        # at head, the table was dropped by hand: an upgrade would not bring it back
        raise (_schema_error(eng, where) or StorageError("db.generation_missing", where=where)) from exc
    if n is None:
        raise StorageError("db.generation_missing", where=describe(session.get_bind().engine.url))
    return int(n)


def advance_generation(session: Session, by: int) -> None:
    """Move the data generation on by ``by`` (a restore jumps it, so numbers the database reached
    before with other data cannot come back)."""
    session.execute(text("UPDATE data_generation SET n = n + :by WHERE id = 1"), {"by": int(by)})


def _missing_table(exc: DBAPIError) -> bool:
    """True when the driver said the table does not exist (SQLite's message, PostgreSQL's SQLSTATE)."""
    return getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig).lower()


# -- schema versions ----------------------------------------------------------------------------


def _alembic_config(eng: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = eng
    return cfg


def known_revisions(eng: Engine) -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(eng))
    return {r.revision for r in script.walk_revisions()}, script.get_current_head()


def current_revision(eng: Engine) -> str | None:
    with translate_errors(eng), eng.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _schema_error(eng: Engine, where: str) -> StorageError | None:
    """Why this database's schema is not this version's (no schema, newer, older); None at head."""
    rev = current_revision(eng)
    known, head = known_revisions(eng)
    if rev is None:
        return StorageError("db.not_migrated", where=where)
    if rev not in known:
        return StorageError("db.too_new", where=where, found=rev, known=head)
    if rev != head:
        return StorageError("db.outdated", where=where, found=rev, known=head)
    return None


def check_schema(eng: Engine | None = None) -> None:
    """Refuse a database that has no schema yet, one migrated by a newer version, or one not yet
    upgraded to this version's schema (its pages and commands would fail later, at sign-in or on the
    first write, with a database error instead of this message)."""
    eng = eng or engine()
    error = _schema_error(eng, describe(eng.url))
    if error is not None:
        raise error


def upgrade(eng: Engine | None = None) -> str:
    """Migrate the database to the newest schema; returns the revision now in force."""
    from alembic import command

    eng = eng or engine()
    where = describe(eng.url)
    if eng.url.get_backend_name() == "sqlite" and eng.url.database:
        Path(eng.url.database).parent.mkdir(parents=True, exist_ok=True)
    rev = current_revision(eng)
    known, head = known_revisions(eng)
    if rev is not None and rev not in known:
        raise StorageError("db.too_new", where=where, found=rev, known=head)
    with translate_errors(eng):
        command.upgrade(_alembic_config(eng), "head")
        if rev != head and eng.url.get_backend_name() == "sqlite":
            # A migration may rewrite rows (0003 encrypts the vault): leave no old page in the log.
            with eng.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return head
