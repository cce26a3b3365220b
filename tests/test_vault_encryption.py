"""The identity vault is encrypted at rest: a copy of the database alone (the SQLite file's bytes, the
PostgreSQL rows) shows no name, 工号 or phone; the key lives in its own 0600 file; existing rows are
encrypted by migration 0003; a missing or wrong key is refused with a clear message."""

import datetime as dt
import os
import stat

import pytest
import sqlalchemy as sa
from alembic import command

from xinfang import config, vault
from xinfang.cases import NewCase, register_case
from xinfang.errors import StorageError, message
from xinfang.storage import db, encryption
from xinfang.storage.models import OrgUnit, PiiVault

PEOPLE = [{"name": "甄秘密", "staff_no": "GH77881X", "phone": "13912345678"},
          {"name": "贾保密", "staff_no": "GH66502Q", "phone": "15800001111"}]


def _register(eng, people=PEOPLE) -> list[int]:
    with db.session(eng) as s:
        if s.scalar(sa.select(OrgUnit.id).where(OrgUnit.name == "更新队")) is None:
            s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
            s.flush()
        return [register_case(s, NewCase(text="井下津贴标准调整后意见较大", received_on=dt.date(2026, 10, 8),
                                         channel="来访", intake_mode="实名" if i % 2 == 0 else "保密", unit="更新队",
                                         identity=person)).case_id for i, person in enumerate(people)]


def _secrets(people=PEOPLE) -> list[str]:
    return [v for person in people for v in person.values()]


def _every_stored_value(eng) -> str:
    """Every value of every table as the database returns it (raw SQL: no decryption on the way)."""
    with eng.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        out = []
        for name in names:
            for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"'):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def _raw_vault(eng) -> list[tuple]:
    with eng.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT name, staff_no, phone FROM pii_vault ORDER BY id")]


def _file_bytes(eng) -> bytes:
    eng.dispose()  # close connections so the file is as another program would copy it
    path = eng.url.database
    return b"".join(open(p, "rb").read() for p in (path, path + "-wal", path + "-shm") if os.path.exists(p))


def test_rows_hold_no_identity_in_clear(use_db):
    ids = _register(use_db)
    stored = _every_stored_value(use_db)
    assert [v for v in _secrets() if v in stored] == []
    raw = _raw_vault(use_db)
    assert len(raw) == 2 and all(encryption.is_encrypted(v) for row in raw for v in row)
    assert raw[0][0] != raw[1][0]
    with db.session(use_db) as s:  # the office still reads them, through the audited function
        who = [vault.read_identity(s, i, actor="李干事（ganbu1）", reason="核对身份") for i in ids]
    assert [(w.name, w.staff_no, w.phone) for w in who] == [tuple(p.values()) for p in PEOPLE]


@pytest.mark.sqlite
def test_sqlite_file_bytes_hold_no_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{tmp_path / 'copy.db'}")
    config.reset()
    db.reset()
    eng = db.engine()
    db.upgrade(eng)
    _register(eng)
    data = _file_bytes(eng)
    assert len(data) > 50_000
    found = [v for v in _secrets() if v.encode("utf-8") in data]
    assert found == []
    assert "更新队".encode() in data  # the file is readable as such: only the vault is hidden


def test_existing_rows_are_encrypted_by_the_migration(db_url, monkeypatch):
    monkeypatch.setenv("XINFANG_DB_URL", db_url)
    config.reset()
    db.reset()
    eng = db.engine()
    command.upgrade(db._alembic_config(eng), "0002")
    with eng.begin() as conn:
        for person in PEOPLE:
            conn.execute(sa.text("INSERT INTO pii_vault (name, staff_no, phone, created_at) "
                                 "VALUES (:name, :staff_no, :phone, :at)"), {**person, "at": dt.datetime(2026, 1, 5)})
    assert _raw_vault(eng) == [tuple(p.values()) for p in PEOPLE]
    db.upgrade(eng)
    assert db.current_revision(eng) == db.known_revisions(eng)[1]
    assert all(encryption.is_encrypted(v) for row in _raw_vault(eng) for v in row)
    assert [v for v in _secrets() if v in _every_stored_value(eng)] == []
    with db.session(eng) as s:
        assert [(v.name, v.staff_no, v.phone) for v in s.scalars(sa.select(PiiVault).order_by(PiiVault.id))] == [
            tuple(p.values()) for p in PEOPLE]
    if eng.url.get_backend_name() == "sqlite":
        assert [v for v in _secrets() if v.encode("utf-8") in _file_bytes(eng)] == []
    command.downgrade(db._alembic_config(eng), "0002")  # and back, for a rollback of the program
    assert _raw_vault(eng) == [tuple(p.values()) for p in PEOPLE]
    db.upgrade(eng)
    assert all(encryption.is_encrypted(v) for row in _raw_vault(eng) for v in row)
    db.reset()


def test_key_file_is_private_and_made_on_first_write(use_db, tmp_path, monkeypatch):
    key = tmp_path / "elsewhere" / "vault.key"
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(key))
    config.reset()
    with db.session(use_db) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PiiVault)) == 0
    assert not key.exists()  # nothing written yet, nothing made
    _register(use_db, PEOPLE[:1])
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    text = key.read_bytes()
    assert text not in _every_stored_value(use_db).encode()


def test_missing_or_wrong_key_is_refused_clearly(use_db, tmp_path, monkeypatch):
    ids = _register(use_db, PEOPLE[:1])
    missing = tmp_path / "gone" / "vault.key"
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(missing))
    config.reset()
    with pytest.raises(StorageError) as info, db.session(use_db) as s:
        vault.read_identity(s, ids[0], actor="李干事（ganbu1）", reason="核对身份")
    assert info.value.zh == message("vault.key_missing", path=str(missing))
    other = tmp_path / "other.key"
    encryption.create_key_file(other)
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(other))
    config.reset()
    key_id = _raw_vault(use_db)[0][0].split(":")[1]
    with pytest.raises(StorageError) as info, db.session(use_db) as s:
        vault.read_identity(s, ids[0], actor="李干事（ganbu1）", reason="核对身份")
    assert info.value.zh == message("vault.key_mismatch", path=str(other), key_id=key_id)


def test_a_second_key_line_still_decrypts_after_rotation(use_db, tmp_path, monkeypatch, vault_key_file):
    ids = _register(use_db, PEOPLE[:1])
    rotated = tmp_path / "rotated.key"
    encryption.create_key_file(rotated)
    rotated.write_bytes(rotated.read_bytes() + vault_key_file.read_bytes())  # new key first, old key kept
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(rotated))
    config.reset()
    with db.session(use_db) as s:
        assert vault.read_identity(s, ids[0], actor="李干事（ganbu1）", reason="核对身份").name == PEOPLE[0]["name"]
    new = _register(use_db, PEOPLE[1:])
    kids = {row[0].split(":")[1] for row in _raw_vault(use_db)}
    assert len(kids) == 2 and new


def test_tampered_value_is_refused(use_db):
    _register(use_db, PEOPLE[:1])
    with use_db.begin() as conn:
        conn.exec_driver_sql("UPDATE pii_vault SET phone = substr(phone, 1, length(phone) - 4) || 'AAAA'")
    with pytest.raises(StorageError) as info, db.session(use_db) as s:
        s.scalars(sa.select(PiiVault)).all()
    assert info.value.code == "vault.value_unreadable"
