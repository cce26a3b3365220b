"""Storage on SQLite and PostgreSQL: migrations from empty, case registration, schema versions."""

import datetime as dt

import pytest
import sqlalchemy as sa

from xinfang.cases import NewCase, hash_query_code, register_case, register_cases
from xinfang.errors import StorageError, ValidationError, message
from xinfang.storage import db
from xinfang.storage.models import Base, Case, CaseEvent, OrgUnit, PiiVault

DAY = dt.date(2026, 10, 21)


def _unit(s, name="更新队"):
    s.add(OrgUnit(name=name, kind="区队", headcount=68))
    s.flush()


def test_upgrade_from_empty_creates_every_table(use_db):
    tables = set(sa.inspect(use_db).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.current_revision(use_db) == db.known_revisions(use_db)[1]
    db.check_schema(use_db)  # does not raise


def test_upgrade_twice_is_harmless(use_db):
    assert db.upgrade(use_db) == db.current_revision(use_db)


def test_register_named_case_puts_identity_only_in_vault(use_db):
    with db.session(use_db) as s:
        _unit(s)
        reg = register_case(s, NewCase(text="我觉得队里的精益奖金分配差距比较大", received_on=DAY, channel="下访收集",
                                       intake_mode="实名", unit="更新队",
                                       identity={"name": "张三", "staff_no": "DS12345", "phone": "13800000000"}))
    with db.session(use_db) as s:
        case = s.get(Case, reg.case_id)
        assert case.case_no == f"XF2026-{reg.case_id:07d}"
        assert case.query_code_hash == hash_query_code(reg.query_code)
        assert reg.query_code not in str(sa.inspect(case).attrs)  # only its hash is stored
        vault = s.scalars(sa.select(PiiVault)).one()
        assert (vault.case_id, vault.name) == (reg.case_id, "张三")
        assert [e.kind for e in s.scalars(sa.select(CaseEvent))] == ["登记"]
        row = s.execute(sa.select(Case.__table__)).mappings().one()
        assert "张三" not in " ".join(str(v) for v in row.values())


def test_register_anonymous_case_stores_no_identity(use_db):
    with db.session(use_db) as s:
        _unit(s)
        register_case(s, NewCase(text="排班不均衡，老是我们班上夜班", received_on=DAY, channel="意见箱",
                                 intake_mode="匿名", unit="更新队"))
    with db.session(use_db) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PiiVault)) == 0
        assert s.scalar(sa.select(Case.intake_mode)) == "匿名"


@pytest.mark.parametrize(("row", "code"), [
    (dict(intake_mode="匿名", identity={"name": "李四"}), "case.identity_for_anonymous"),
    (dict(intake_mode="保密", identity=None), "case.identity_missing"),
    (dict(unit="不存在的队"), "case.unknown_unit"),
    (dict(channel="微信群"), "case.bad_value"),
    (dict(text="   "), "case.bad_value"),
    (dict(people_count=0), "case.bad_value"),
    (dict(received_on=dt.date.today() + dt.timedelta(days=3)), "case.bad_value"),
])
def test_bad_case_is_refused_and_nothing_is_written(use_db, row, code):
    good = dict(text="劳保用品发放不及时", received_on=DAY, channel="来访", intake_mode="实名", unit="更新队",
                identity={"name": "王五"})
    with pytest.raises(ValidationError) as info:
        with db.session(use_db) as s:
            _unit(s)
            register_cases(s, [NewCase(**good), NewCase(**{**good, **row})])
    assert info.value.code == code
    with db.session(use_db) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(OrgUnit)) == 0  # the whole transaction rolled back


def test_identity_message_comes_from_catalogue(use_db):
    with pytest.raises(ValidationError) as info, db.session(use_db) as s:
        register_case(s, NewCase(text="x", received_on=DAY, channel="来访", intake_mode="保密"))
    assert str(info.value) == message("case.identity_missing", mode="保密")


def test_query_codes_are_unique_and_long(use_db):
    with db.session(use_db) as s:
        _unit(s)
        regs = register_cases(s, [NewCase(text=f"诉求{i}", received_on=DAY, channel="来访", intake_mode="匿名")
                                  for i in range(300)])
    codes = {r.query_code for r in regs}
    assert len(codes) == 300
    assert all(len(c.replace("-", "")) == 12 for c in codes)
    assert len({r.case_no for r in regs}) == 300


def test_database_from_a_newer_version_is_refused(use_db):
    with use_db.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StorageError) as info:
        db.check_schema(use_db)
    assert info.value.code == "db.too_new"
    with pytest.raises(StorageError):
        db.upgrade(use_db)
    assert db.current_revision(use_db) == "9999_future"  # nothing written


def test_database_at_an_older_schema_is_refused_until_upgraded(db_url):
    from alembic import command

    eng = db.make_engine(db_url)
    command.upgrade(db._alembic_config(eng), "0003")
    with pytest.raises(StorageError) as info:
        db.check_schema(eng)
    assert info.value.code == "db.outdated"
    assert info.value.params["found"] == "0003" and info.value.params["known"] == db.known_revisions(eng)[1]
    db.upgrade(eng)
    db.check_schema(eng)  # does not raise
    eng.dispose()


def test_a_query_on_a_database_without_the_tables_says_what_to_do(db_url):
    """A library call (a notebook's, a script's) on a database that has no schema yet, or lost a table,
    gets the catalogue message that says how to mend it — not "cannot connect" (SQLite) or a driver
    traceback (PostgreSQL)."""
    from xinfang import metrics

    eng = db.make_engine(db_url)
    with pytest.raises(StorageError) as info, db.session(eng) as s:
        metrics.case_frame(s)
    assert info.value.code == "db.not_migrated"
    db.upgrade(eng)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP TABLE lookup_throttle"))
    with pytest.raises(StorageError) as info, db.session(eng) as s:
        s.execute(sa.text("SELECT count(*) FROM lookup_throttle"))
    assert info.value.code == "db.table_missing"
    assert "xinfang restore" in info.value.zh
    eng.dispose()


def test_empty_database_is_reported_not_migrated(db_url):
    eng = db.make_engine(db_url)
    with pytest.raises(StorageError) as info:
        db.check_schema(eng)
    assert info.value.code == "db.not_migrated"
    eng.dispose()
