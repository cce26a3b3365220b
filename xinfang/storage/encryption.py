"""Encryption at rest of the identity vault (names, 工号, phones), with the key kept outside the database.

The key file (setting ``vault_key_file``; default ``<data_dir>/secrets/vault.key``) holds one Fernet key
(``cryptography``: AES-128-CBC with HMAC-SHA256) per line. The first line encrypts; every line decrypts,
so a key can be replaced by putting the new one first. The file is created with mode 0600 (its folder
0700) the first time something is written to the vault; reading a vault without it is refused with a
clear message instead, since a fresh key could never decrypt what the old one wrote.

A stored value reads ``xf1:<key id>:<Fernet token>``; the key id (the first 8 hex digits of the key's
SHA-256) says which key wrote it, so a wrong key file is reported as such. A copy of the database
alone reveals no identity: it holds only tokens.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from xinfang.errors import StorageError

PREFIX = "xf1"


def key_path() -> Path:
    """Where the vault key lives (the ``vault_key_file`` setting, else ``<data_dir>/secrets/vault.key``)."""
    from xinfang.config import settings

    cfg = settings()
    configured = cfg["vault_key_file"]
    return Path(configured) if configured else cfg.data_dir / "secrets" / "vault.key"


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    path: Path
    current: str                # key id that encrypts
    ciphers: dict               # key id -> Fernet

    def encrypt(self, text: str) -> str:
        token = self.ciphers[self.current].encrypt(text.encode("utf-8")).decode("ascii")
        return f"{PREFIX}:{self.current}:{token}"

    def decrypt(self, value: str) -> str:
        from cryptography.fernet import InvalidToken

        prefix, _, rest = value.partition(":")
        key_id, _, token = rest.partition(":")
        if prefix != PREFIX or not token:
            raise StorageError("vault.value_not_encrypted")
        cipher = self.ciphers.get(key_id)
        if cipher is None:
            raise StorageError("vault.key_mismatch", path=str(self.path), key_id=key_id)
        try:
            return cipher.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise StorageError("vault.value_unreadable") from exc


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def create_key_file(path: Path) -> None:
    """Write a new key to ``path`` (mode 0600) unless a key file is already there.

    The key is written to a private temporary file and hard-linked into place, so two processes that
    write the vault's first row at the same moment end up with the same, complete key."""
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@cache
def _load(path: str, _stamp: tuple[int, int]) -> Keyring:
    from cryptography.fernet import Fernet

    ciphers: dict = {}
    current = None
    lines = Path(path).read_bytes().splitlines()
    for number, line in enumerate(lines, 1):
        key = line.strip()
        if not key or key.startswith(b"#"):
            continue
        try:
            cipher = Fernet(key)
        except ValueError as exc:
            raise StorageError("vault.key_invalid", path=path, line=number) from exc
        kid = _key_id(key)
        ciphers[kid] = cipher
        current = current or kid
    if current is None:
        raise StorageError("vault.key_invalid", path=path, line=max(len(lines), 1))
    return Keyring(Path(path), current, ciphers)


_RECENT: dict[Path, tuple[float, Keyring]] = {}


def keyring(create: bool = False) -> Keyring:
    """The vault's keys, read from the key file (created first when ``create`` and it is missing).
    The file is looked at again at most once a second (a bulk import encrypts many values)."""
    path = key_path()
    now = time.monotonic()
    recent = _RECENT.get(path)
    if recent is not None and now - recent[0] < 1.0:
        return recent[1]
    if not path.exists():
        if not create:
            raise StorageError("vault.key_missing", path=str(path))
        create_key_file(path)
    st = path.stat()
    ring = _load(str(path), (st.st_mtime_ns, st.st_size))
    _RECENT[path] = (now, ring)
    return ring


def encrypt(text: str | None) -> str | None:
    return None if text is None else keyring(create=True).encrypt(str(text))


def decrypt(value: str | None) -> str | None:
    return None if value is None else keyring().decrypt(value)


class EncryptedText(TypeDecorator):
    """A text column stored encrypted: Python code reads and writes plain text, the database holds
    ``xf1:…`` tokens. Equality lookups on such a column cannot work (each token is salted); none is
    needed — the vault is reached by case or plan, never searched by name."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encrypt(value)

    def process_result_value(self, value, dialect):
        return decrypt(value)


__all__ = ["EncryptedText", "Keyring", "create_key_file", "decrypt", "encrypt", "is_encrypted", "key_path",
           "keyring"]
