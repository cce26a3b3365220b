"""Retention removes identity from the SQLite file itself, not only from the table (secure_delete):
a copy of the file made after the run holds no trace of the removed value."""

import datetime as dt

import sqlalchemy as sa

from xinfang import lifecycle, retention
from xinfang.cases import NewCase, register_case
from xinfang.storage import db

D = dt.date


def test_removed_identity_leaves_no_bytes_in_the_sqlite_file(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    monkeypatch.setenv("XINFANG_DB_URL", f"sqlite:///{path}")
    db.reset()
    eng = db.engine()
    db.upgrade(eng)
    with db.session(eng) as s:
        old = register_case(s, NewCase(text="旧事", received_on=D(2022, 3, 1), channel="来访", intake_mode="实名",
                                       identity={"name": "钱某某", "staff_no": "DS77777", "phone": "13912345678"}))
        lifecycle.apply(s, old.case_id, "受理", on=D(2022, 3, 2), today=D(2026, 11, 20))
        lifecycle.apply(s, old.case_id, "答复", on=D(2022, 3, 12), outcome="支持", today=D(2026, 11, 20))
        lifecycle.apply(s, old.case_id, "办结", on=D(2022, 3, 13), today=D(2026, 11, 20))
    with eng.connect() as conn:
        stored = conn.execute(sa.text("SELECT name, staff_no, phone FROM pii_vault")).one()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert all(v.encode() in path.read_bytes() for v in stored)  # the check below can see them
    with db.session(eng) as s:
        report = retention.apply_retention(s, today=D(2026, 11, 20))
    assert report.case_identities == 1
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.reset()
    raw = path.read_bytes()
    assert [v for v in stored if v.encode() in raw] == []
