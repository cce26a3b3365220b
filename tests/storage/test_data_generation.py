"""The data generation counter (migration 0004), on SQLite and PostgreSQL: database triggers raise it on
every write to the tables the dashboard reads — through the ORM, Core statements, bulk inserts or plain
SQL — and leave it alone for other tables and for rolled-back work."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from xinfang.errors import StorageError, message
from xinfang.storage import db
from xinfang.storage.models import (
    Activity,
    AuditLog,
    Base,
    Case,
    CaseAnalysis,
    CaseEvent,
    DataGeneration,
    Form,
    FormVersion,
    OrgUnit,
    Submission,
    User,
    UserSession,
)

DAY = dt.date(2026, 10, 21)
WATCHED = ("petition_case", "case_event", "case_analysis", "org_unit", "submission", "form_version", "activity")


def generation(eng) -> int:
    """The counter as another transaction sees it."""
    with db.session(eng) as s:
        return db.data_generation(s)


def _case(i: int, unit_id: int | None = None) -> Case:
    return Case(case_no=f"T2026-{i:07d}", query_code_hash=f"{i:064x}", received_on=DAY, channel="来访",
                intake_mode="匿名", unit_id=unit_id, text=f"第 {i} 件：劳保用品发放不及时")


def _one_of_each(eng) -> None:
    """A row in every watched table (and in the unwatched ones they need)."""
    with db.session(eng) as s:
        unit = OrgUnit(name="更新队", kind="区队", headcount=68)
        form = Form(form_key="sixiang_dongtai", title="员工思想动态问卷", anonymous=True)
        s.add_all([unit, form])
        s.flush()
        version = FormVersion(form_id=form.id, version="2026.1", definition={"questions": ["pay"]})
        s.add(version)
        s.flush()
        sub = Submission(instance_id="uuid:one", form_version_id=version.id, unit_id=unit.id, answers={"pay": 2},
                         submitted_on=DAY)
        s.add(sub)
        s.flush()
        act = Activity(kind="下访座谈", held_on=DAY, unit_id=unit.id, submission_id=sub.id)
        case = _case(1, unit.id)
        s.add_all([act, case])
        s.flush()
        s.add(CaseEvent(case_id=case.id, kind="登记", happened_on=DAY))
        s.add(CaseAnalysis(case_id=case.id, label="负面", score=-0.5, decided_by="lexicon", taxonomy_version="t1",
                           lexicon_version="l1"))


def _trigger_names(eng) -> set[str]:
    with eng.connect() as conn:
        if eng.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            sql = ("SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                   "JOIN pg_namespace ns ON ns.oid = c.relnamespace "
                   "WHERE NOT t.tgisinternal AND ns.nspname = current_schema()")
        return set(conn.execute(sa.text(sql)).scalars())


def _expected_triggers(dialect: str) -> set[str]:
    operations = ("insert", "update", "delete") + (("truncate",) if dialect == "postgresql" else ())
    return {f"trg_{t}_{op}_generation" for t in WATCHED for op in operations}


# -- the schema ---------------------------------------------------------------------------------


def test_fresh_database_has_one_counter_row_at_a_random_start(use_db):
    """A random start, so a database built again at the same address does not repeat numbers."""
    with use_db.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, n FROM data_generation")).all()
    assert len(rows) == 1 and rows[0][0] == 1 and 0 <= rows[0][1] < 2**40
    assert generation(use_db) == rows[0][1]


def test_every_watched_table_has_its_triggers(use_db):
    assert _trigger_names(use_db) == _expected_triggers(use_db.dialect.name)
    if use_db.dialect.name == "postgresql":
        with use_db.connect() as conn:
            statement_level = conn.execute(sa.text(
                "SELECT DISTINCT action_orientation FROM information_schema.triggers "
                "WHERE trigger_schema = current_schema() AND trigger_name LIKE 'trg_%_generation'")).scalars().all()
        assert statement_level == ["STATEMENT"]


def test_models_match_the_migrations(use_db):
    """Autogenerate finds nothing to do at head, data_generation included (triggers are not compared).
    One known difference is left alone: on SQLite, 0003 keeps the vault's VARCHAR(200) columns (SQLite
    ignores the length) where the model says encrypted text."""
    with use_db.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    if use_db.dialect.name == "sqlite":
        flat = [d for d in flat if not (d[0] == "modify_type" and d[2] == "pii_vault")]
    assert flat == []
    assert DataGeneration.__table__.c.n.type.__class__ is sa.BigInteger


# -- writes that count ----------------------------------------------------------------------------


def test_orm_insert_of_a_case_raises_it(use_db):
    before = generation(use_db)
    with db.session(use_db) as s:
        s.add(_case(1))
    assert generation(use_db) > before


def test_core_update_of_a_case_status_raises_it(use_db):
    with db.session(use_db) as s:
        s.add(_case(1))
    before = generation(use_db)
    with db.session(use_db) as s:
        s.execute(sa.update(Case).where(Case.case_no == "T2026-0000001").values(status="已受理"))
    assert generation(use_db) > before
    with db.session(use_db) as s:
        assert s.scalar(sa.select(Case.status)) == "已受理"


def test_delete_raises_it(use_db):
    with db.session(use_db) as s:
        s.add_all([_case(1), _case(2)])
    before = generation(use_db)
    with db.session(use_db) as s:
        s.delete(s.scalars(sa.select(Case).where(Case.case_no == "T2026-0000001")).one())
    after_orm = generation(use_db)
    assert after_orm > before
    with db.session(use_db) as s:
        s.execute(sa.delete(Case).where(Case.case_no == "T2026-0000002"))
    assert generation(use_db) > after_orm


def test_core_bulk_insert_of_case_events_raises_it(use_db):
    with db.session(use_db) as s:
        case = _case(1)
        s.add(case)
    before = generation(use_db)
    rows = [{"case_id": case.id, "kind": kind, "happened_on": DAY, "details": {}}
            for kind in ("登记", "受理", "答复", "复查", "办结")]
    with db.session(use_db) as s:
        s.connection().execute(sa.insert(CaseEvent.__table__), rows)
    after = generation(use_db)
    # SQLite: a row trigger per event; PostgreSQL: once per transaction, however many statements
    assert after - before == (len(rows) if use_db.dialect.name == "sqlite" else 1)
    with db.session(use_db) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == len(rows)


def test_inserting_a_submission_raises_it(use_db):
    with db.session(use_db) as s:
        form = Form(form_key="sixiang_dongtai", title="员工思想动态问卷", anonymous=True)
        s.add(form)
        s.flush()
        version = FormVersion(form_id=form.id, version="2026.1", definition={"questions": ["pay"]})
        s.add(version)
    before = generation(use_db)
    with db.session(use_db) as s:
        s.add(Submission(instance_id="uuid:one", form_version_id=version.id, answers={"pay": 2}, submitted_on=DAY))
    assert generation(use_db) > before


def test_changes_to_org_units_raise_it(use_db):
    before = generation(use_db)
    with db.session(use_db) as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
    inserted = generation(use_db)
    assert inserted > before
    with db.session(use_db) as s:
        s.scalars(sa.select(OrgUnit)).one().headcount = 70
    assert generation(use_db) > inserted


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_plain_sql_edits_of_every_watched_table_raise_it(use_db, operation):
    """As a manual edit in psql or the sqlite3 shell would: plain SQL, no ORM."""
    _one_of_each(use_db)
    statements = {
        "update": [f"UPDATE {t} SET {c} = {c}" for t, c in (
            ("petition_case", "status"), ("case_event", "kind"), ("case_analysis", "label"), ("org_unit", "headcount"),
            ("submission", "unit_id"), ("form_version", "version"), ("activity", "kind"))],
        # children first, so that every foreign key still holds
        "delete": [f"DELETE FROM {t}" for t in (
            "case_event", "case_analysis", "petition_case", "activity", "submission", "form_version", "org_unit")],
    }[operation]
    assert {s.split()[1 if operation == "update" else 2] for s in statements} == set(WATCHED)
    for sql in statements:
        before = generation(use_db)
        with use_db.begin() as conn:
            assert conn.execute(sa.text(sql)).rowcount == 1, sql
        assert generation(use_db) > before, sql


# -- writes that do not count ---------------------------------------------------------------------


def test_writes_to_other_tables_leave_it_alone(use_db):
    before = generation(use_db)
    with db.session(use_db) as s:
        s.add(AuditLog(actor="王干事", action="查看身份", target="XF2026-0000001", reason="核对"))
        user = User(username="wang", display_name="王干事", role="信访干部")
        s.add(user)
        s.flush()
        s.add(UserSession(key_hash="a" * 64, user_id=user.id))
    with db.session(use_db) as s:
        s.execute(sa.update(UserSession).values(ended_at=dt.datetime(2026, 11, 20, 9)))
        s.execute(sa.delete(AuditLog))
    assert generation(use_db) == before


def test_rolled_back_transaction_leaves_it_as_it_was(use_db):
    with db.session(use_db) as s:
        s.add(_case(1))
    before = generation(use_db)
    with pytest.raises(RuntimeError), db.session(use_db) as s:
        s.add(_case(2))
        s.execute(sa.update(Case).values(status="已受理"))
        s.flush()
        assert db.data_generation(s) > before  # the writer sees its own bump …
        raise RuntimeError("abandon")
    assert generation(use_db) == before  # … which goes with its rollback
    with db.session(use_db) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_rolled_back_savepoint_leaves_it_and_a_later_write_still_counts(use_db):
    before = generation(use_db)
    with db.session(use_db) as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            s.add(_case(1))
            s.flush()
            raise RuntimeError("abandon the savepoint")
        assert db.data_generation(s) == before
    assert generation(use_db) == before
    with db.session(use_db) as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            s.add(_case(1))
            s.flush()
            raise RuntimeError("abandon the savepoint")
        s.add(_case(2))  # the same transaction writes again after the rollback: that write counts
    assert generation(use_db) > before


def test_other_connections_see_the_new_number_only_with_the_data(use_db):
    before = generation(use_db)
    with db.session(use_db) as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.flush()
        assert generation(use_db) == before  # not committed yet: neither the unit nor the number
    assert generation(use_db) > before


# -- upgrades and refusals ------------------------------------------------------------------------


def test_upgrade_from_0003_with_rows_then_downgrade(db_url):
    eng = db.make_engine(db_url)
    cfg = db._alembic_config(eng)
    command.upgrade(cfg, "0003")
    with eng.begin() as conn:
        conn.execute(sa.text("INSERT INTO org_unit (name, kind, headcount, active) VALUES ('更新队', '区队', 68, :t)"),
                     {"t": True})
        unit = conn.execute(sa.text("SELECT id FROM org_unit")).scalar()
        for i in range(3):
            conn.execute(sa.text(
                "INSERT INTO petition_case (case_no, query_code_hash, received_on, channel, intake_mode, unit_id, "
                "nature, text, is_group, people_count, escalated, status, satisfaction, created_at) VALUES "
                "(:no, :h, '2026-10-21', '来访', '匿名', :u, '申诉求决', '发放不及时', :f, 1, :f, '登记', '未评价', "
                "'2026-10-21 09:00:00')"), {"no": f"XF2026-{i:07d}", "h": f"{i:064x}", "u": unit, "f": False})
    with pytest.raises(StorageError) as info, db.session(eng) as s:
        db.data_generation(s)
    assert info.value.code == "db.outdated"
    assert str(info.value) == message("db.outdated", where=db.describe(eng.url), found="0003", known=db.known_revisions(eng)[1])

    assert db.upgrade(eng) == db.current_revision(eng) == db.known_revisions(eng)[1]
    start = generation(eng)  # rows written before the counter existed belong to its start
    with db.session(eng) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 3
        s.execute(sa.update(Case).values(status="已受理"))
    assert generation(eng) > start
    assert _trigger_names(eng) == _expected_triggers(eng.dialect.name)

    command.downgrade(cfg, "0003")  # and back: no table, trigger or function left, writes still work
    assert "data_generation" not in sa.inspect(eng).get_table_names()
    assert _trigger_names(eng) == set()
    if eng.dialect.name == "postgresql":
        with eng.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT count(*) FROM pg_proc WHERE proname = 'xinfang_bump_generation'")).scalar() == 0
    with db.session(eng) as s:
        s.execute(sa.update(Case).values(status="登记"))
        s.add(_case(99, unit))
    db.upgrade(eng)
    assert generation(eng) != start  # a new counter, from a new random start
    eng.dispose()


def test_rebuild_after_dropping_every_table_works(use_db):
    """What ``xinfang demo --replace`` does: the models' tables go (on PostgreSQL the function stays),
    then the migrations run again from 0001."""
    with db.session(use_db) as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
    before = generation(use_db)
    Base.metadata.drop_all(use_db)
    with use_db.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    assert db.upgrade(use_db) == db.known_revisions(use_db)[1]
    start = generation(use_db)
    assert start != before  # the rebuilt database does not repeat the old numbers
    assert _trigger_names(use_db) == _expected_triggers(use_db.dialect.name)
    with db.session(use_db) as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
    assert generation(use_db) == start + 1


def test_database_without_schema_is_reported_not_migrated(db_url):
    eng = db.make_engine(db_url)
    with pytest.raises(StorageError) as info, db.session(eng) as s:
        db.data_generation(s)
    assert info.value.code == "db.not_migrated"
    eng.dispose()


@pytest.mark.parametrize("damage", ["DELETE FROM data_generation", "DROP TABLE data_generation"])
def test_counter_deleted_by_hand_is_reported(use_db, damage):
    with use_db.begin() as conn:
        conn.execute(sa.text(damage))
    with pytest.raises(StorageError) as info, db.session(use_db) as s:
        db.data_generation(s)
    assert info.value.code == "db.generation_missing"
    assert str(info.value) == message("db.generation_missing", where=db.describe(use_db.url))
