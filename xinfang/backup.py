"""Backup and restore of the database, safe while the servers run (issue 9).

A backup is one ``.tar.gz`` holding ``manifest.json`` and the database:

- SQLite: a copy made with SQLite's online backup API (``sqlite3.Connection.backup``), consistent while
  the servers keep writing; stored as a single file (journal mode DELETE).
- PostgreSQL: ``pg_dump --format=custom`` of the schema the workbook uses, taken in the same snapshot
  (``pg_export_snapshot``) in which the rows per table are counted.

The manifest records the format, the schema revision (Alembic), the rows per table, the size and
SHA-256 of the database file and a fingerprint of the vault key. The key itself is never in a backup:
``key_to`` copies it to a place of its own (another medium), ``restore`` says whether the right key
is in place.

Restore never overwrites the current database with anything unverified: it checks the archive (whole,
checksum, format, schema revision known to this program, same kind of database), verifies the copy
aside (integrity, rows per table, revision), migrates it forward when it is older, keeps the current
database aside (a ``.before-restore-…`` file, or a renamed PostgreSQL schema) and only then swaps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from xinfang.config import settings
from xinfang.errors import StorageError, ValidationError
from xinfang.storage import db

FORMAT = "xinfang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
PREFIX = "xinfang-backup-"
SUFFIX = ".tar.gz"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict
    key_copy: Path | None = None
    notes: list[str] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        m = self.manifest
        rows = sum(m["tables"].values())
        out = [f"备份已保存：{self.path}",
               f"　数据库 {m['source']}，结构版本 {m['schema_revision']}，{len(m['tables'])} 张表共 {rows:,} 行，"
               f"SHA-256 {m['payload']['sha256'][:16]}…"]
        out += [f"　{n}" for n in self.notes]
        out += [f"　已删除较早的备份 {p.name}" for p in self.pruned]
        return out


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    manifest: dict
    previous: str | None
    upgraded_to: str | None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        m = self.manifest
        out = [f"已从 {self.source.name} 恢复（备份时间 {m['created_at']}，{len(m['tables'])} 张表共 "
               f"{sum(m['tables'].values()):,} 行，逐表核对行数无误）。"]
        if self.upgraded_to:
            out.append(f"　备份的结构版本是 {m['schema_revision']}，已升级到 {self.upgraded_to}。")
        if self.previous:
            out.append(f"　恢复前的数据库保留在 {self.previous}；确认无误后可以删除。")
        out += [f"　{n}" for n in self.notes]
        return out


# -- helpers ------------------------------------------------------------------------------------


def vault_key_path() -> Path:
    """The vault key file (setting vault_key_file, default <data_dir>/secrets/vault.key)."""
    from xinfang.storage.encryption import key_path

    return key_path()


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _program_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xinfang")
    except PackageNotFoundError:
        return "unknown"


def _quote(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"unexpected identifier {name!r}")
    return f'"{name}"'


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


# -- backup -------------------------------------------------------------------------------------


def default_dir() -> Path:
    return settings().data_dir / "backups"


def _target(dest: Path | None, stamp: str) -> Path:
    dest = Path(dest) if dest else default_dir()
    if dest.name.endswith(SUFFIX):
        if dest.exists():
            raise ValidationError("backup.dest_exists", file=str(dest))
        return dest
    path = dest / f"{PREFIX}{stamp}{SUFFIX}"
    n = 1
    while path.exists():
        path = dest / f"{PREFIX}{stamp}-{n}{SUFFIX}"
        n += 1
    return path


def _sqlite_snapshot(eng: Engine, out: Path) -> tuple[dict[str, int], str | None]:
    """Online backup of the SQLite file into ``out``; rows per table and revision read from the copy."""
    source = eng.url.database
    if not source or source == ":memory:":
        raise StorageError("backup.no_database", where=db.describe(eng.url))
    busy = int(settings()["sqlite_busy_timeout_ms"])
    with db.translate_errors(eng):
        src = sqlite3.connect(source, timeout=busy / 1000)
        try:
            dst = sqlite3.connect(out)
            try:
                src.backup(dst)  # one step: a consistent snapshot; WAL writers carry on meanwhile
                dst.execute("PRAGMA journal_mode = DELETE")
                counts, revision = _sqlite_counts(dst)
            finally:
                dst.close()
        finally:
            src.close()
    return counts, revision


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], str | None]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {n: conn.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0] for n in names}
    revision = None
    if "alembic_version" in names:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return counts, revision


def _libpq(eng: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the engine's URL (password passed in the environment)."""
    from psycopg.conninfo import make_conninfo

    url = eng.url
    params: dict[str, str] = {"dbname": url.database or ""}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo(**params), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise StorageError("backup.tool_missing", tool=name)
    return path


def _tool_error(tool: str, stderr: str) -> StorageError:
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    return StorageError("backup.tool_failed", tool=tool, detail="；".join(lines[-3:]) or "无输出")


def _pg_schema(conn) -> str:
    schema = conn.execute(text("SELECT current_schema()")).scalar()
    if schema:
        return schema
    path = conn.execute(text("SHOW search_path")).scalar() or ""
    first = [p.strip().strip('"') for p in path.split(",") if p.strip() and p.strip() != '"$user"']
    return first[0] if first else "public"


def _pg_snapshot(eng: Engine, out: Path) -> tuple[dict[str, int], str | None, str]:
    """pg_dump of the workbook's schema, with rows per table counted in the same snapshot."""
    pg_dump = _tool("pg_dump")
    conninfo, env = _libpq(eng)
    with db.translate_errors(eng), eng.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            schema = _pg_schema(conn)
            names = sorted(inspect(conn).get_table_names(schema=schema))
            counts = {n: conn.execute(text(f"SELECT count(*) FROM {_quote(schema)}.{_quote(n)}")).scalar()
                      for n in names}
            revision = None
            if "alembic_version" in names:
                revision = conn.execute(text(f"SELECT version_num FROM {_quote(schema)}.alembic_version")).scalar()
            done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--schema={schema}", "--file", str(out),
                                   "--dbname", conninfo], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise _tool_error("pg_dump", done.stderr)
    return counts, revision, schema


def backup(dest: Path | str | None = None, *, eng: Engine | None = None, key_to: Path | str | None = None,
           keep: int | None = None, now: dt.datetime | None = None) -> BackupResult:
    """Write a verified backup archive of the database; returns where it is and what it holds.

    ``dest`` is a folder (a new ``xinfang-backup-<time>.tar.gz`` is made there; default
    <data_dir>/backups) or a file name ending in .tar.gz. ``key_to`` also copies the vault key to that
    file or folder, which must not be the backup's folder. ``keep`` deletes the oldest backups in the
    folder beyond that many."""
    eng = eng or db.engine()
    now = now or _now()
    backend = eng.url.get_backend_name()
    target = _target(Path(dest) if dest else None, now.strftime("%Y%m%d-%H%M%S"))
    key_file = vault_key_path()
    key_dest = _key_destination(Path(key_to), key_file, target.parent) if key_to else None
    if db.current_revision(eng) is None:
        raise StorageError("db.not_migrated", where=db.describe(eng.url))
    target.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".xinfang-backup-", dir=target.parent) as work:
        payload = Path(work) / PAYLOAD[backend]
        schema = None
        if backend == "sqlite":
            counts, revision = _sqlite_snapshot(eng, payload)
        else:
            counts, revision, schema = _pg_snapshot(eng, payload)
        key_present = key_file.exists()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(sep=" "),
            "program_version": _program_version(),
            "backend": backend,
            "source": db.describe(eng.url),
            "pg_schema": schema,
            "schema_revision": revision,
            "tables": counts,
            "payload": {"name": payload.name, "size": payload.stat().st_size, "sha256": _sha256(payload)},
            "vault_key": {"present": key_present, "fingerprint": _fingerprint(key_file) if key_present else None,
                          "stored_in_backup": False},
        }
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
            tar.add(payload, arcname=payload.name)
        _fsync_file(partial)
        os.replace(partial, target)
    # read it back as restore would: a backup that cannot be verified is no backup
    with tempfile.TemporaryDirectory(prefix=".xinfang-verify-", dir=target.parent) as work:
        verify(target, Path(work))
    if not key_present:
        notes.append(f"身份库密钥文件 {key_file} 还不存在（身份库里还没有加密的身份），无需另存。")
        key_dest = None
    elif key_dest:
        _copy_key(key_file, key_dest)
        notes.append(f"身份库密钥已另存到 {key_dest}（不在数据库备份里；请与备份分开保管）。")
    else:
        notes.append(f"身份库密钥 {key_file} 按设计不在数据库备份里。请用 --key-to 把它另存到另一个介质（如 U 盘），"
                     "恢复身份信息时需要它。")
    pruned = prune(target.parent, keep) if keep else []
    return BackupResult(target, manifest, key_dest, notes, pruned)


def _key_destination(key_to: Path, key_file: Path, backup_folder: Path) -> Path | None:
    dest = key_to / key_file.name if key_to.is_dir() else key_to
    if _inside(dest, backup_folder):
        raise ValidationError("backup.key_with_backup", folder=str(backup_folder))
    if dest.exists() and key_file.exists() and dest.read_bytes() != key_file.read_bytes():  # before any writing
        raise ValidationError("backup.key_conflict", file=str(dest), other=f"现在的密钥 {key_file}")
    return dest


def _copy_key(key_file: Path, dest: Path) -> None:
    if not key_file.exists():
        return
    data = key_file.read_bytes()
    if dest.exists():
        if dest.read_bytes() != data:
            raise ValidationError("backup.key_conflict", file=str(dest), other=f"现在的密钥 {key_file}")
        return
    _write_private(dest, data)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest backups in ``folder`` beyond the ``keep`` newest (by the time in their name)."""
    found = sorted(p for p in Path(folder).glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    old = found[:-keep] if keep > 0 else []
    for p in old:
        p.unlink()
    return old


# -- verify -------------------------------------------------------------------------------------


def verify(archive: Path | str, workdir: Path) -> tuple[dict, Path]:
    """Check a backup archive whole and extract its database file into ``workdir``.

    Refuses (with the file named) a missing, partial or corrupt archive, a checksum mismatch, an
    unknown format version and a schema revision newer than this program knows."""
    archive = Path(archive)
    if not archive.is_file():
        raise ValidationError("backup.not_found", file=str(archive))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members or not members[MANIFEST].isfile():
                raise ValidationError("backup.not_a_backup", file=archive.name, detail=f"缺少 {MANIFEST}")
            try:
                manifest = json.loads(tar.extractfile(members[MANIFEST]).read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ValidationError("backup.not_a_backup", file=archive.name, detail=f"{MANIFEST} 无法读取") from exc
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ValidationError("backup.not_a_backup", file=archive.name, detail="格式标记不对")
            if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
                raise ValidationError("backup.format_too_new", file=archive.name, found=manifest["format_version"],
                                      known=FORMAT_VERSION)
            payload_info = manifest.get("payload") or {}
            name = payload_info.get("name")
            if name not in PAYLOAD.values() or name != PAYLOAD.get(manifest.get("backend")):
                raise ValidationError("backup.not_a_backup", file=archive.name, detail="清单里的数据库文件名不对")
            if name not in members or not members[name].isfile():
                raise ValidationError("backup.unreadable", file=archive.name, detail=f"缺少 {name}")
            out = Path(workdir) / name
            h = hashlib.sha256()
            size = 0
            with tar.extractfile(members[name]) as src, open(out, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ValidationError("backup.not_found", file=str(archive)) from exc
        raise ValidationError("backup.unreadable", file=archive.name, detail=_why(exc)) from exc
    if size != payload_info.get("size") or h.hexdigest() != payload_info.get("sha256"):
        raise ValidationError("backup.checksum", file=archive.name, member=name)
    known, head = db.known_revisions(db.engine())
    revision = manifest.get("schema_revision")
    if revision not in known:
        raise ValidationError("backup.schema_too_new", file=archive.name, found=revision, known=head)
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(_IDENT.match(str(t)) and isinstance(n, int) for t, n in tables.items()):
        raise ValidationError("backup.not_a_backup", file=archive.name, detail="清单里的表格清单不对")
    return manifest, out


def _why(exc: BaseException) -> str:
    if isinstance(exc, EOFError) or "EOF" in str(exc) or "unexpected end" in str(exc).lower():
        return "文件在中途截断"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# -- restore ------------------------------------------------------------------------------------


def restore(archive: Path | str, *, eng: Engine | None = None, key_from: Path | str | None = None,
            now: dt.datetime | None = None) -> RestoreResult:
    """Bring a backup back into the configured database (see the module docstring for the checks)."""
    eng = eng or db.engine()
    now = now or _now()
    archive = Path(archive)
    backend = eng.url.get_backend_name()
    known, head = db.known_revisions(eng)
    try:
        current = db.current_revision(eng) if _exists(eng) else None
    except StorageError as exc:
        if exc.code != "db.not_a_database":  # a damaged SQLite file is what a restore is for
            raise
        current = None
    if current is not None and current not in known:
        raise StorageError("backup.target_too_new", where=db.describe(eng.url), found=current, known=head)
    key_file = vault_key_path()
    key_source = Path(key_from) if key_from else None
    if key_source is not None:
        if not key_source.is_file():
            raise ValidationError("backup.key_not_found", file=str(key_source))
        if key_file.exists() and key_file.read_bytes() != key_source.read_bytes():
            raise ValidationError("backup.key_conflict", file=str(key_file), other=f"--key-from 给出的 {key_source}")
    with _workdir(eng) as work:
        manifest, payload = verify(archive, work)
        if manifest["backend"] != backend:
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise ValidationError("backup.backend_mismatch", file=archive.name, found=names[manifest["backend"]],
                                  target=names[backend], where=db.describe(eng.url))
        if backend == "sqlite":
            previous, upgraded = _restore_sqlite(eng, manifest, payload, head, now)
        else:
            previous, upgraded = _restore_pg(eng, manifest, payload, head, now)
    _forget_derived(eng)
    notes = []
    if key_source is not None and not key_file.exists():
        _write_private(key_file, key_source.read_bytes())
        notes.append(f"已把密钥 {key_source} 放到 {key_file}（权限 600）。")
    notes.append(key_status(manifest, key_file))
    return RestoreResult(archive, manifest, previous, upgraded, notes)


def _forget_derived(eng: Engine) -> None:
    """After a restore the data generation is that of the backup, a number the live database may
    already have passed with other data: jump it by a random amount so no cached entry keyed by the
    old numbers can match (xinfang.cache), and empty the cache."""
    from xinfang import cache

    with db.session(eng) as s:
        db.advance_generation(s, secrets.randbelow(2**40) + 1)
    cache.clear()


def key_status(manifest: dict, key_file: Path | None = None) -> str:
    """One line on the vault key: needed or not, in place or missing, the same as at backup time or not."""
    key_file = key_file or vault_key_path()
    info = manifest.get("vault_key") or {}
    here = key_file.exists()
    if not info.get("present"):
        if here:
            return f"身份库密钥：备份时还没有密钥；本机现有密钥 {key_file}。"
        return "身份库密钥：备份时还没有密钥（身份库未加密），无需处理。"
    if not here:
        return (f"身份库密钥：本机没有 {key_file}。恢复的身份信息须用备份时另存的密钥才能解密："
                f"请把它复制到 {key_file}（权限 600），或恢复时加 --key-from 密钥文件。")
    if _fingerprint(key_file) == info.get("fingerprint"):
        return f"身份库密钥：{key_file} 已就位，与备份时的密钥一致。"
    return (f"身份库密钥：注意，{key_file} 与备份时的密钥不同（指纹 {info.get('fingerprint')}），"
            "身份信息可能无法解密。请换用备份时另存的密钥。")


def _exists(eng: Engine) -> bool:
    if eng.url.get_backend_name() == "sqlite":
        return bool(eng.url.database) and Path(eng.url.database).exists()
    return True


@contextmanager
def _workdir(eng: Engine) -> Iterator[Path]:
    """A private scratch folder; for SQLite beside the database (same disk, so the copy fits there)."""
    parent = None
    if eng.url.get_backend_name() == "sqlite" and eng.url.database:
        parent = Path(eng.url.database).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".xinfang-restore-", dir=parent) as work:
        yield Path(work)


def _check_counts(found: dict[str, int], manifest: dict) -> None:
    wanted = manifest["tables"]
    bad = [f"{t} 应有 {n} 行，实有 {found.get(t, '无此表')}" for t, n in wanted.items() if found.get(t) != n]
    if bad:
        raise ValidationError("backup.verify_failed", detail="；".join(bad[:3]))


def _restore_sqlite(eng: Engine, manifest: dict, payload: Path, head: str,
                    now: dt.datetime) -> tuple[str | None, str | None]:
    # 1. verify the copy aside
    try:
        conn = sqlite3.connect(payload)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            counts, revision = _sqlite_counts(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError("backup.verify_failed", detail=f"SQLite：{exc}") from exc
    if check != "ok":
        raise ValidationError("backup.verify_failed", detail=f"SQLite integrity_check：{check}")
    _check_counts(counts, manifest)
    if revision != manifest["schema_revision"]:
        raise ValidationError("backup.verify_failed", detail=f"结构版本 {revision} ≠ 清单中的 {manifest['schema_revision']}")
    # 2. migrate the copy forward when it is older, and check that nothing was lost on the way
    upgraded = None
    if revision != head:
        aside = db.make_engine(f"sqlite:///{payload}")
        try:
            upgraded = db.upgrade(aside)
        finally:
            aside.dispose()
        conn = sqlite3.connect(payload)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
            counts, _ = _sqlite_counts(conn)
        finally:
            conn.close()
        _check_counts(counts, manifest)
    # 3. keep the current database aside, then put the verified one in its place
    target = Path(eng.url.database)
    eng.dispose()
    if not target.exists():
        os.replace(payload, target)
        return None, upgraded
    stem, suffix = f"{target.stem}.before-restore-{now:%Y%m%d-%H%M%S}", target.suffix or ".db"
    previous, n = target.with_name(stem + suffix), 1
    while previous.exists():
        previous, n = target.with_name(f"{stem}-{n}{suffix}"), n + 1
    if _healthy(target):
        # online: copy the current database aside, then the verified one over it in one transaction
        # (connections the servers hold stay valid and see the restored data)
        _online_copy(eng, target, previous)
        _online_copy(eng, payload, target)
        conn = sqlite3.connect(target)
        try:
            counts, _ = _sqlite_counts(conn)
        finally:
            conn.close()
        _check_counts(counts, manifest)
    else:  # a damaged file: move it (and its WAL) aside untouched, put the copy in its place
        os.replace(target, previous)
        for extra in ("-wal", "-shm"):
            side = Path(f"{target}{extra}")
            if side.exists():
                os.replace(side, Path(f"{previous}{extra}"))
        os.replace(payload, target)
    return str(previous), upgraded


def _healthy(path: Path) -> bool:
    try:
        conn = sqlite3.connect(path)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _online_copy(eng: Engine, source: Path, dest: Path) -> None:
    """SQLite online backup of ``source`` into ``dest`` (made or replaced), as one transaction on dest."""
    busy = int(settings()["sqlite_busy_timeout_ms"])
    with db.translate_errors(eng):
        src = sqlite3.connect(source, timeout=busy / 1000)
        try:
            dst = sqlite3.connect(dest, timeout=busy / 1000)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()


def _restore_pg(eng: Engine, manifest: dict, payload: Path, head: str,
                now: dt.datetime) -> tuple[str | None, str | None]:
    """pg_restore's script run by psql in ONE transaction: rename the current schema aside, restore,
    verify the rows per table and the revision, commit — or roll all of it back."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    conninfo, env = _libpq(eng)
    source_schema = manifest.get("pg_schema") or "public"
    with db.translate_errors(eng), eng.connect() as conn:
        target_schema = _pg_schema(conn)
        existing = set(inspect(conn).get_schema_names())
    for name in (source_schema, target_schema):
        _quote(name)
    if source_schema != target_schema and source_schema in existing:
        raise ValidationError("backup.pg_schema_conflict", found=source_schema, target=target_schema)
    previous = None
    prelude = ["\\set ON_ERROR_STOP on", "BEGIN;"]
    if target_schema in existing:
        base = f"{target_schema[:40]}_before_restore_{now:%Y%m%d%H%M%S}"
        previous, n = base, 1
        while previous in existing:
            previous, n = f"{base}_{n}", n + 1
        prelude.append(f"ALTER SCHEMA {_quote(target_schema)} RENAME TO {_quote(previous)};")
    post = []
    if source_schema != target_schema:
        post.append(f"ALTER SCHEMA {_quote(source_schema)} RENAME TO {_quote(target_schema)};")
    checks = [f"SELECT count(*) INTO n FROM {_quote(target_schema)}.{_quote(t)}; IF n <> {int(c)} THEN "
              f"RAISE EXCEPTION 'xinfang-verify: {t} % <> {int(c)}', n; END IF;" for t, c in manifest["tables"].items()]
    revision = manifest["schema_revision"]
    if revision is not None and re.fullmatch(r"[A-Za-z0-9_]+", revision):
        checks.append(f"SELECT version_num INTO v FROM {_quote(target_schema)}.alembic_version; IF v <> '{revision}' "
                      f"THEN RAISE EXCEPTION 'xinfang-verify: revision % <> {revision}', v; END IF;")
    post.append("DO $xinfang$ DECLARE n bigint; v text; BEGIN " + " ".join(checks) + " END $xinfang$;")
    post.append("COMMIT;")
    eng.dispose()
    with tempfile.TemporaryFile() as err_psql, tempfile.TemporaryFile() as err_restore:
        shell = subprocess.Popen([psql, "-X", "-q", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", conninfo],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err_psql, env=env)
        dump = subprocess.Popen([pg_restore, "--no-owner", "--no-privileges", "--file", "-", str(payload)],
                                stdout=subprocess.PIPE, stderr=err_restore, env=env)
        dump_rc = None
        try:
            shell.stdin.write(("\n".join(prelude) + "\n").encode())
            shutil.copyfileobj(dump.stdout, shell.stdin, _CHUNK)
            dump_rc = dump.wait()
            if dump_rc == 0:  # without COMMIT, psql's end of input rolls everything back
                shell.stdin.write(("\n" + "\n".join(post) + "\n").encode())
        except BrokenPipeError:
            pass  # psql stopped at an error: the transaction is rolled back, its message is in err_psql
        finally:
            try:
                shell.stdin.close()
            except BrokenPipeError:
                pass
            dump.stdout.close()
        dump_rc, shell_rc = dump.wait(), shell.wait()
        err_psql.seek(0)
        err_restore.seek(0)
        psql_err = err_psql.read().decode("utf-8", "replace")
        restore_err = err_restore.read().decode("utf-8", "replace")
    if dump_rc != 0:  # nothing was committed
        raise _tool_error("pg_restore", restore_err)
    if shell_rc != 0:
        if "xinfang-verify:" in psql_err:
            detail = psql_err.split("xinfang-verify:", 1)[1].splitlines()[0].strip()
            raise ValidationError("backup.verify_failed", detail=detail)
        raise _tool_error("psql", psql_err or restore_err)
    upgraded = None
    if revision != head:
        upgraded = db.upgrade(eng)
    return previous, upgraded
