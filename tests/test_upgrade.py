"""Upgrades never lose data: a database made by the first release of the schema (Alembic revision
0001), filled with plain SQL of that schema, is migrated to the newest revision by the program's own
``db.upgrade`` on SQLite and PostgreSQL; every record reads back the same through today's models
(identity included, whatever later migrations did to how it is stored), and the program keeps working
on it."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import command

from xinfang import vault
from xinfang.cases import NewCase, register_case
from xinfang.storage import db
from xinfang.storage.models import Base

D = dt.date
T = dt.datetime
# A datetime as the first release wrote it (SQLAlchemy's SQLite format; PostgreSQL parses it too).
STAMP = "2024-03-01 09:30:00.000000"


def _insert(conn, table: str, row: dict) -> int:
    """One row with plain SQL of the 0001 schema; returns its id (RETURNING, as the first release's ORM)."""
    cols = ", ".join(row)
    params = ", ".join(f":{c}" for c in row)
    key = "case_id" if table == "case_analysis" else "id"
    return conn.execute(sa.text(f"INSERT INTO {table} ({cols}) VALUES ({params}) RETURNING {key}"), row).scalar()


def first_release_rows(conn) -> dict[str, list[dict]]:
    """Representative rows of every 0001 table, as stored (dates as text, JSON as text, booleans as
    the driver binds them). Returns table → rows with their ids, for the check after the upgrade."""
    rows: dict[str, list[dict]] = {}

    def add(table: str, **row) -> int:
        row_id = _insert(conn, table, row)
        rows.setdefault(table, []).append({"id" if table != "case_analysis" else "case_id": row_id, **row})
        return row_id

    mine = add("org_unit", name="东山煤矿", kind="矿", parent_id=None, branch_id=None, headcount=1200, active=True)
    branch = add("org_unit", name="综采党支部", kind="党支部", parent_id=mine, branch_id=None, headcount=0, active=True)
    team = add("org_unit", name="更新队", kind="区队", parent_id=mine, branch_id=branch, headcount=68, active=True)
    add("org_unit", name="已撤销的班组", kind="班组", parent_id=team, branch_id=branch, headcount=4, active=False)
    user = add("app_user", username="wang", display_name="王干事", role="信访干部", branch_id=None,
               password_hash=None, active=True, created_at=STAMP)
    add("app_user", username="li", display_name="李书记", role="支部书记", branch_id=branch,
        password_hash="pbkdf2:sha256$old$hash", active=False, created_at=STAMP)
    add("audit_log", at=STAMP, actor="王干事", action="查看身份", target="XF2024-0000001", reason="回访核对电话")
    form = add("form", form_key="sixiang_dongtai", title="员工思想动态问卷", anonymous=True)
    version = add("form_version", form_id=form, version="2024.1", source_xlsx=b"PK\x03\x04 xlsx bytes \x00\xff",
                  definition=json.dumps({"questions": ["pay", "remark"], "标题": "问卷"}, ensure_ascii=False),
                  created_at=STAMP)
    sub = add("submission", instance_id="uuid:0001-a", form_version_id=version, unit_id=team,
              answers=json.dumps({"pay": 2, "remark": "精益奖金分配差距比较大"}, ensure_ascii=False),
              submitted_on="2024-03-05")
    add("submission", instance_id="uuid:0001-b", form_version_id=version, unit_id=None,
        answers=json.dumps({"pay": 5}), submitted_on="2024-03-06")
    add("quarterly_report", branch_id=branch, year=2024, quarter=1, status="已提交",
        sections=json.dumps({"一、总体情况": "平稳"}, ensure_ascii=False), drafted_at=STAMP, submitted_at=STAMP,
        reviewed_at=None)
    meeting = add("activity", kind="下访座谈", held_on="2024-03-02", unit_id=team, host="信访办", title="更新队座谈会",
                  topics=json.dumps(["C01", "C07"]), participants=65, sessions=1, audience="职工",
                  minutes="反映劳保用品发放不及时；排班不均衡。", submission_id=None)
    add("risk_item", unit_id=team, issue="奖金二次分配争议", people_count=12, level="较大", measures="公开分配方案",
        owner="王干事", deadline="2024-04-30", status="在控", source="座谈会", found_on="2024-03-02", submission_id=None)
    named = add("petition_case", case_no="XF2024-0000001", query_code_hash="a" * 64, received_on="2024-03-02",
                channel="下访收集", source_activity_id=meeting, intake_mode="实名", unit_id=team, category="C07",
                subcategory="劳保用品", nature="申诉求决", text="劳保用品发放不及时，矿靴质量差",
                is_group=False, people_count=1, repeat_of_id=None, escalated=False, handler_id=user,
                status="办结", accepted_on="2024-03-03", due_on="2024-05-02", closed_on="2024-03-20",
                outcome="支持", satisfaction="满意", submission_id=None, created_at=STAMP)
    add("petition_case", case_no="XF2024-0000002", query_code_hash="b" * 64, received_on="2024-03-21",
        channel="意见箱", source_activity_id=None, intake_mode="匿名", unit_id=team, category=None, subcategory=None,
        nature="建议意见", text="还是发放不及时", is_group=True, people_count=6, repeat_of_id=named, escalated=True,
        handler_id=None, status="登记", accepted_on=None, due_on=None, closed_on=None, outcome=None,
        satisfaction="未评价", submission_id=sub, created_at=STAMP)
    add("case_analysis", case_id=named, label="负面", score=-0.75, cues=json.dumps(["不及时"], ensure_ascii=False),
        topics=json.dumps(["C07"]), topic_words=json.dumps({"C07": ["劳保", "矿靴"]}, ensure_ascii=False),
        keywords=json.dumps(["矿靴"], ensure_ascii=False), decided_by="lexicon", taxonomy_version="2024.1",
        lexicon_version="2024.1", model_params=json.dumps({}), analysed_at=STAMP)
    for kind, day in (("登记", "2024-03-02"), ("受理", "2024-03-03"), ("答复", "2024-03-18"), ("办结", "2024-03-20")):
        add("case_event", case_id=named, kind=kind, happened_on=day, actor="王干事", note=None,
            details=json.dumps({"outcome": "支持"} if kind == "答复" else {}, ensure_ascii=False), created_at=STAMP)
    vault_id = add("pii_vault", case_id=named, name="张三", staff_no="DS12345", phone="13800000000", created_at=STAMP)
    add("pii_vault", case_id=None, name="李四", staff_no=None, phone=None, created_at=STAMP)
    plan = add("followup_plan", vault_id=vault_id, case_id=named, unit_id=team, concern="家庭困难", measures="帮扶",
               owner="王干事", started_on="2024-03-21", status="进行中")
    add("followup_visit", plan_id=plan, visited_on="2024-04-01", visitor="王干事", mood="平稳", notes="情绪好转",
        next_on="2024-05-01", submission_id=None)
    return rows


def _as_model_value(column: sa.Column, raw):
    """What today's model gives for a value the first release stored."""
    if raw is None:
        return None
    if isinstance(column.type, sa.DateTime):
        return T.fromisoformat(raw)
    if isinstance(column.type, sa.Date):
        return D.fromisoformat(raw)
    if isinstance(column.type, sa.JSON):
        return json.loads(raw)
    return raw


def test_first_release_database_upgrades_without_loss(db_url):
    eng = db.make_engine(db_url)
    command.upgrade(db._alembic_config(eng), "0001")
    assert db.current_revision(eng) == "0001"
    with eng.begin() as conn:
        rows = first_release_rows(conn)
    first_tables = set(sa.inspect(eng).get_table_names()) - {"alembic_version"}
    assert set(rows) == first_tables, "a table of the first release has no representative row"

    head = db.upgrade(eng)
    assert db.current_revision(eng) == head == db.known_revisions(eng)[1]
    checked = 0
    with eng.connect() as conn:
        for name, stored in rows.items():
            table = Base.metadata.tables[name]
            key = table.c.case_id if name == "case_analysis" else table.c.id
            cols = [table.c[c] for c in stored[0]]
            found = [dict(r._mapping) for r in conn.execute(sa.select(*cols).order_by(key))]
            wanted = [{c: _as_model_value(table.c[c], v) for c, v in row.items()} for row in stored]
            assert found == wanted, name
            checked += len(found)
    assert checked == sum(len(v) for v in rows.values()) >= 25
    # the program works on the upgraded database: identity readable (audited), new cases registered
    with db.session(eng) as s:
        who = vault.read_identity(s, rows["petition_case"][0]["id"], actor="王干事", reason="升级后核对")
        new = register_case(s, NewCase(text="升级后登记的新事项", received_on=D(2026, 11, 20), channel="来访",
                                       intake_mode="保密", unit="更新队", identity={"name": "赵六"}))
    assert (who.name, who.staff_no, who.phone) == ("张三", "DS12345", "13800000000")
    assert new.case_id > rows["petition_case"][-1]["id"]
    eng.dispose()
