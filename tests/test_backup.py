"""Backup and restore on SQLite and PostgreSQL: a round trip compared table by table and row by row,
a consistent copy while another connection writes, the vault key kept out of the backup, and bad
input (partial or corrupt archive, a newer schema on either side, another database kind) refused with
nothing overwritten."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tarfile
import threading

import pytest
import sqlalchemy as sa

from xinfang import backup, cli, config, demo
from xinfang.errors import StorageError, ValidationError, message
from xinfang.storage import db
from xinfang.storage.models import AuditLog, Case, CaseEvent

from .conftest import ANCHOR


def dump(eng, generation: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version too), as stored, in a stable order. The data
    generation counter only with ``generation`` (a restore moves it on purpose)."""
    meta = sa.MetaData()
    meta.reflect(bind=eng)
    out = {}
    with eng.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name == "data_generation" and not generation:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
    return out


def fill(eng, cases=120) -> None:
    with db.session(eng) as s:
        demo.build_demo(s, cases=cases, seed=11, anchor=ANCHOR)


def damage(eng) -> None:
    """What a bad day does: rows deleted and changed in several tables."""
    with db.session(eng) as s:
        s.execute(sa.delete(CaseEvent).where(CaseEvent.id % 3 == 0))
        s.execute(sa.update(Case).values(status="办结", text="（被改坏了）").where(Case.id % 2 == 0))
        s.add(AuditLog(actor="x", action="误操作", target="全部"))


@pytest.fixture
def cleanup_pg_aside(use_db):
    """A PostgreSQL restore keeps the replaced schema aside under a new name: drop it after the test."""
    yield
    if use_db.url.get_backend_name() != "postgresql":
        return
    with use_db.begin() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        for (name,) in conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                    {"p": f"{schema}_before_restore_%"}):
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))


def aside_copies(eng, tmp_path) -> list[str]:
    """Where a restore would have kept the replaced database."""
    if eng.url.get_backend_name() == "sqlite":
        return sorted(p.name for p in tmp_path.rglob("*before-restore*"))
    with eng.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        return list(conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                 {"p": f"{schema}_before_restore_%"}).scalars())


def test_round_trip_restores_every_table_row_by_row(use_db, tmp_path, cleanup_pg_aside):
    fill(use_db)
    before = dump(use_db)
    assert sum(len(rows) for rows in before.values()) > 1000
    result = backup.backup(tmp_path / "backups", eng=use_db)
    assert result.path.is_file() and result.path.name.startswith("xinfang-backup-")
    assert result.manifest["tables"] == {t: len(rows) for t, rows in dump(use_db, generation=True).items()}
    assert result.manifest["schema_revision"] == db.current_revision(use_db)
    damage(use_db)
    assert dump(use_db) != before
    generation = dump(use_db, generation=True)["data_generation"][0][1]
    restored = backup.restore(result.path, eng=use_db)
    after = dump(use_db)
    # the counter jumped past anything the damaged database had reached: no cache of other data matches
    assert dump(use_db, generation=True)["data_generation"][0][1] > generation
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    assert restored.previous is not None  # the damaged database was kept aside, not destroyed
    assert aside_copies(use_db, tmp_path)


def test_backup_is_consistent_while_another_connection_writes(use_db, tmp_path, cleanup_pg_aside):
    """A writer commits pairs of audit rows during the backup: the copy holds whole pairs only."""
    fill(use_db, cases=60)
    writer_eng = db.make_engine(str(use_db.url.render_as_string(hide_password=False)))
    stop, started = threading.Event(), threading.Event()
    written = {"pairs": 0}

    def write() -> None:
        k = 0
        while not stop.is_set():
            with db.session(writer_eng) as s:
                s.add_all([AuditLog(actor="writer", action="pair", target=f"p{k}"),
                           AuditLog(actor="writer", action="pair", target=f"p{k}")])
            k += 1
            written["pairs"] = k
            started.set()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert started.wait(30)
        at_start = written["pairs"]
        result = backup.backup(tmp_path / "b", eng=use_db)
        during = written["pairs"] - at_start
    finally:
        stop.set()
        thread.join()
        writer_eng.dispose()
    print(f"\n{use_db.url.get_backend_name()}: {during} pairs committed while the backup ran")
    assert during > 0, "the writer made no progress during the backup: the test proved nothing"
    backup.restore(result.path, eng=use_db)
    with use_db.connect() as conn:
        counts = conn.execute(sa.text("SELECT target, count(*) FROM audit_log WHERE action = 'pair' GROUP BY target"))
        per_pair = {t: n for t, n in counts}
    assert per_pair and set(per_pair.values()) == {2}
    assert len(per_pair) == max(int(t[1:]) for t in per_pair) + 1  # no pair missing before the last one
    assert result.manifest["tables"]["audit_log"] == 2 * len(per_pair)


def test_vault_key_is_never_inside_a_backup(use_db, tmp_path, monkeypatch):
    key = tmp_path / "secrets" / "vault.key"
    key.parent.mkdir()
    key.write_bytes(b"k3y-material-that-must-not-travel-with-the-database\n")
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(key))
    config.reset()
    folder = tmp_path / "backups"
    with pytest.raises(ValidationError) as info:
        backup.backup(folder, eng=use_db, key_to=folder / "vault.key")
    assert info.value.code == "backup.key_with_backup"
    assert not folder.exists() or not list(folder.iterdir())
    usb = tmp_path / "usb"
    usb.mkdir()
    result = backup.backup(folder, eng=use_db, key_to=usb)
    assert (usb / "vault.key").read_bytes() == key.read_bytes()
    assert (usb / "vault.key").stat().st_mode & 0o777 == 0o600
    assert result.manifest["vault_key"]["present"] is True
    with tarfile.open(result.path, "r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(["manifest.json", backup.PAYLOAD[use_db.url.get_backend_name()]])
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert key.read_bytes().strip() not in blob
    assert any("另存到" in line for line in result.lines())


def test_restore_says_whether_the_key_is_in_place(use_db, tmp_path, monkeypatch, cleanup_pg_aside):
    key = tmp_path / "vault.key"
    key.write_bytes(b"the-key\n")
    monkeypatch.setenv("XINFANG_VAULT_KEY_FILE", str(key))
    config.reset()
    result = backup.backup(tmp_path / "b", eng=use_db, key_to=tmp_path / "usb.key")
    assert "已就位，与备份时的密钥一致" in backup.restore(result.path, eng=use_db).lines()[-1]
    key.unlink()  # a new machine: the database comes back, the key is not there yet
    restored = backup.restore(result.path, eng=use_db)
    assert f"本机没有 {key}" in restored.lines()[-1]
    key.write_bytes(b"another key\n")
    with pytest.raises(ValidationError) as info:  # refused before anything is restored
        backup.restore(result.path, eng=use_db, key_from=tmp_path / "usb.key")
    assert info.value.code == "backup.key_conflict"
    key.unlink()
    restored = backup.restore(result.path, eng=use_db, key_from=tmp_path / "usb.key")
    assert key.read_bytes() == b"the-key\n" and key.stat().st_mode & 0o777 == 0o600
    assert "已就位，与备份时的密钥一致" in restored.lines()[-1]


# -- bad input: refused, nothing overwritten ----------------------------------------------------


def rewrite(archive, dest, *, manifest=None, payload=None):
    """A copy of a backup archive with its manifest and/or database file changed."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    meta = json.loads(members["manifest.json"])
    if manifest:
        manifest(meta)
    members["manifest.json"] = json.dumps(meta).encode()
    name = meta["payload"]["name"]
    if payload:
        members[name] = payload(members[name])
    with tarfile.open(dest, "w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def flip_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def _partial(src, dest):
    dest.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return dest


BAD_ARCHIVES = {
    "partial": (lambda src, d: _partial(src, d / "partial.tar.gz"), "backup.unreadable"),
    "not_gzip": (lambda src, d: (d / "x.tar.gz").write_bytes(b"PK\x03\x04 not a backup") and d / "x.tar.gz",
                 "backup.unreadable"),
    "checksum": (lambda src, d: rewrite(src, d / "c.tar.gz", payload=flip_byte), "backup.checksum"),
    "newer_schema": (lambda src, d: rewrite(src, d / "n.tar.gz",
                                            manifest=lambda m: m.update(schema_revision="9999_future")),
                     "backup.schema_too_new"),
    "newer_format": (lambda src, d: rewrite(src, d / "f.tar.gz", manifest=lambda m: m.update(format_version=99)),
                     "backup.format_too_new"),
    "missing": (lambda src, d: d / "nothing-here.tar.gz", "backup.not_found"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_bad_archive_is_refused_and_nothing_is_overwritten(use_db, tmp_path, case, cleanup_pg_aside):
    fill(use_db, cases=40)
    good = backup.backup(tmp_path / "b", eng=use_db).path
    damage(use_db)
    before = dump(use_db)
    make, code = BAD_ARCHIVES[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = make(good, bad_dir)
    with pytest.raises(ValidationError) as info:
        backup.restore(bad, eng=use_db)
    assert info.value.code == code
    assert dump(use_db) == before
    assert aside_copies(use_db, tmp_path) == []


def test_partial_archive_message_says_so(use_db, tmp_path):
    good = backup.backup(tmp_path / "b", eng=use_db).path
    bad = _partial(good, tmp_path / "half.tar.gz")
    with pytest.raises(ValidationError) as info:
        backup.restore(bad, eng=use_db)
    assert str(info.value) == message("backup.unreadable", file="half.tar.gz", detail="文件在中途截断")


def test_restore_over_a_newer_schema_is_refused(use_db, tmp_path):
    fill(use_db, cases=30)
    good = backup.backup(tmp_path / "b", eng=use_db).path
    with use_db.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    before = dump(use_db)
    with pytest.raises(StorageError) as info:
        backup.restore(good, eng=use_db)
    assert info.value.code == "backup.target_too_new"
    assert "9999_future" in str(info.value)
    assert dump(use_db) == before
    assert aside_copies(use_db, tmp_path) == []


def test_backup_of_another_database_kind_is_refused(use_db, tmp_path, pg_url):
    other = db.make_engine(pg_url if use_db.url.get_backend_name() == "sqlite" else f"sqlite:///{tmp_path / 'o.db'}")
    try:
        db.upgrade(other)
        archive = backup.backup(tmp_path / "other", eng=other).path
    finally:
        other.dispose()
    before = dump(use_db)
    with pytest.raises(ValidationError) as info:
        backup.restore(archive, eng=use_db)
    assert info.value.code == "backup.backend_mismatch"
    assert dump(use_db) == before


# -- SQLite specifics ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'data' / 'xinfang.db'}"
    monkeypatch.setenv("XINFANG_DB_URL", url)
    config.reset()
    db.reset()
    eng = db.engine()
    db.upgrade(eng)
    yield eng
    db.reset()


def test_a_damaged_sqlite_file_is_replaced_and_kept_aside(sqlite_db, tmp_path):
    fill(sqlite_db, cases=30)
    before = dump(sqlite_db)
    archive = backup.backup(tmp_path / "b", eng=sqlite_db).path
    path = tmp_path / "data" / "xinfang.db"
    sqlite_db.dispose()
    with open(path, "r+b") as f:  # a broken disk: the header is gone
        f.write(b"\0" * 4096)
    with pytest.raises(StorageError):
        db.current_revision(sqlite_db)
    result = backup.restore(archive, eng=sqlite_db)
    assert dump(sqlite_db) == before
    assert (tmp_path / "data" / os.path.basename(result.previous)).read_bytes()[:100] == b"\0" * 100


def test_an_older_backup_is_migrated_forward_on_restore(tmp_path, monkeypatch):
    from alembic import command

    old = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(db._alembic_config(old), "0001")
    with old.begin() as conn:
        conn.execute(sa.text("INSERT INTO org_unit (id, name, kind, headcount, active) VALUES (1, '更新队', '区队', 68, 1)"))
    archive = backup.backup(tmp_path / "b", eng=old).path
    old.dispose()
    assert json.loads(tarfile.open(archive).extractfile("manifest.json").read())["schema_revision"] == "0001"
    target = db.make_engine(f"sqlite:///{tmp_path / 'new' / 'xinfang.db'}")
    result = backup.restore(archive, eng=target)
    head = db.known_revisions(target)[1]
    assert result.upgraded_to == head and result.previous is None
    assert db.current_revision(target) == head
    with target.connect() as conn:
        assert conn.execute(sa.text("SELECT name, headcount FROM org_unit")).all() == [("更新队", 68)]
    target.dispose()


def test_keep_deletes_only_the_oldest_backups(sqlite_db, tmp_path):
    folder = tmp_path / "b"
    t0 = dt.datetime(2026, 11, 20, 2, 0)
    made = [backup.backup(folder, eng=sqlite_db, keep=2, now=t0 + dt.timedelta(days=i)) for i in range(3)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(m.path.name for m in made[1:])
    assert made[2].pruned == [made[0].path]


def test_cli_backup_and_restore(sqlite_db, tmp_path, capsys):
    fill(sqlite_db, cases=30)
    before = dump(sqlite_db)
    assert cli.main(["backup", "--to", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "备份已保存：" in out
    archive = next((tmp_path / "b").glob("*.tar.gz"))
    damage(sqlite_db)
    assert cli.main(["restore", str(archive)]) == 0
    assert "逐表核对行数无误" in capsys.readouterr().out
    assert dump(sqlite_db) == before
    assert cli.main(["restore", str(tmp_path / "missing.tar.gz")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"错误：{message('backup.not_found', file=str(tmp_path / 'missing.tar.gz'))} / "
                           f"Error: {message('backup.not_found', 'en', file=str(tmp_path / 'missing.tar.gz'))}")
