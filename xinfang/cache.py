"""Derived data kept on disk between processes, valid for one state of the database.

Every dashboard page runs in a kernel of its own, and each used to read 100,000 cases from the
database (two seconds and more at that size). What it reads changes only when the data does, so the
first kernel stores it here and the next ones read it back in a fraction of that time.

An entry is keyed by the database's *data generation* (``xinfang.storage.db.data_generation``: a
counter that database triggers raise on every write to the tables dashboards read, whoever writes),
the database address, the code and data files that shape it, and the versions of Python and pandas.
Anything else changing gives a new key; a stale entry is never read.

Entries are pickles, which can run code when read, so each is signed (HMAC-SHA256 with a key derived
from the vault key, which lives apart from the data) and an entry whose signature does not match is
ignored and removed; the folder is private to the service's user (0700, files 0600). Only the newest
entry of each name is kept, so nothing erased from the database (retention, 删除) outlives the next
write in a stale file; ``clear()`` empties the folder at once (retention calls it).

There is no library for "a signed pickle per database state": pickle, hmac and hashlib are the
standard library's, the invalidation key is ours.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import sys
from pathlib import Path

from xinfang.config import PROJECT_ROOT, settings

SIGNATURE = 32  # bytes of HMAC-SHA256 before the pickle


def folder() -> Path:
    return Path(settings()["run_dir"]) / "cache"


def _signing_key() -> bytes | None:
    """Derived from the vault key file (created if missing, as the vault's first write would); None
    (no caching) when it cannot be read or made."""
    from xinfang.errors import XinfangError
    from xinfang.storage import encryption

    try:
        raw = encryption.keyring(create=True).path.read_bytes()
    except (OSError, XinfangError):
        return None
    return hashlib.sha256(b"xinfang derived-data cache\0" + raw).digest() if raw.strip() else None


def _code_stamp() -> str:
    """What shapes a cached value besides the data: the library's code and the data files (rules,
    vocabularies, calendars), by size and modification time, and the Python and pandas versions."""
    import pandas as pd

    h = hashlib.sha256(f"{sys.version}\0{pd.__version__}\0".encode())
    roots = [PROJECT_ROOT / "xinfang", PROJECT_ROOT / "data", Path(settings().data_dir)]
    run = Path(settings()["run_dir"]).resolve()
    for root in dict.fromkeys(r.resolve() for r in roots):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml", ".yml", ".txt", ".csv", ".json") and run not in path.parents:
                st = path.stat()
                h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def key(session, name: str) -> str:
    """The key of ``name`` for the database ``session`` is connected to, as it is now."""
    from xinfang.storage import db

    url = session.get_bind().url.render_as_string(hide_password=True)
    parts = f"{name}\0{url}\0{db.data_generation(session)}\0{_code_stamp()}"
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def _path(name: str, key_: str) -> Path:
    return folder() / f"{name}-{key_}.pickle"


def get(name: str, key_: str):
    """The value stored under (name, key), or None."""
    signing = _signing_key()
    path = _path(name, key_)
    if signing is None or not path.is_file():
        return None
    blob = path.read_bytes()
    body = blob[SIGNATURE:]
    if len(blob) <= SIGNATURE or not hmac.compare_digest(blob[:SIGNATURE], hmac.digest(signing, body, "sha256")):
        path.unlink(missing_ok=True)  # not ours, or damaged: never unpickled
        return None
    try:
        return pickle.loads(body)
    except Exception:  # noqa: BLE001 - signed but unreadable (e.g. written by other library versions)
        path.unlink(missing_ok=True)
        return None


def put(name: str, key_: str, value) -> None:
    """Store ``value`` under (name, key) and remove older entries of ``name``. Written to a private
    temporary file and renamed into place, so a reader sees a whole entry or none."""
    signing = _signing_key()
    if signing is None:
        return
    where = folder()
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    path = _path(name, key_)
    tmp = where / f".{path.name}.{secrets.token_hex(6)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(hmac.digest(signing, body, "sha256"))
            out.write(body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in where.glob(f"{name}-*.pickle"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def clear() -> int:
    """Remove every entry (after data has been erased); returns how many files were removed."""
    removed = 0
    where = folder()
    if where.is_dir():
        for path in where.glob("*.pickle"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


__all__ = ["clear", "folder", "get", "key", "put"]
