"""Retention by rule, and no identity where there must be none (匿名 cases, questionnaires)."""

import datetime as dt

import sqlalchemy as sa

from xinfang import lifecycle, retention
from xinfang.cases import NewCase, register_case
from xinfang.storage import db
from xinfang.storage.models import AuditLog, Base, Case, Form, FormVersion, PiiVault, Submission

D = dt.date
IDENTITY_COLUMNS = {"name", "staff_no", "phone", "ip", "ip_address", "username", "display_name", "password_hash"}


def test_retention_removes_old_identity_and_free_text(use_db):
    with db.session() as s:
        old = register_case(s, NewCase(text="旧事", received_on=D(2022, 3, 1), channel="来访", intake_mode="实名",
                                       identity={"name": "钱某"})).case_id
        new = register_case(s, NewCase(text="新事", received_on=D(2026, 3, 1), channel="来访", intake_mode="实名",
                                       identity={"name": "孙某"})).case_id
        for cid, day in ((old, D(2022, 3, 2)), (new, D(2026, 3, 2))):
            lifecycle.apply(s, cid, "受理", on=day, today=D(2026, 11, 20))
            lifecycle.apply(s, cid, "答复", on=day + dt.timedelta(days=10), outcome="支持", today=D(2026, 11, 20))
            lifecycle.apply(s, cid, "办结", on=day + dt.timedelta(days=11), today=D(2026, 11, 20))
        form = Form(form_key="q", title="问卷", anonymous=True)
        s.add(form)
        s.flush()
        fv = FormVersion(form_id=form.id, version="1", definition={})
        s.add(fv)
        s.flush()
        s.add_all([Submission(instance_id="uuid:a", form_version_id=fv.id, answers={"pay": 2, "remark": "奖金太少"},
                              submitted_on=D(2025, 1, 5)),
                   Submission(instance_id="uuid:b", form_version_id=fv.id, answers={"pay": 4, "remark": "还行"},
                              submitted_on=D(2026, 10, 5))])
    with db.session() as s:
        report = retention.apply_retention(s, today=D(2026, 11, 20), dry_run=True)
    assert (report.case_identities, report.questionnaire_texts) == (1, 1)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PiiVault)) == 2  # dry run changed nothing
        retention.apply_retention(s, today=D(2026, 11, 20))
    with db.session() as s:
        assert [v.name for v in s.scalars(sa.select(PiiVault))] == ["孙某"]
        answers = {x.instance_id: x.answers for x in s.scalars(sa.select(Submission))}
        assert answers == {"uuid:a": {"pay": 2}, "uuid:b": {"pay": 4, "remark": "还行"}}
        assert s.get(Case, old).text == "旧事"  # the case itself stays for the statistics
        assert "已删除已办结事项的信访人身份 1 条" in s.scalar(sa.select(AuditLog.reason))


def test_identity_columns_exist_only_in_the_vault_and_user_tables():
    not_people = {("org_unit", "name")}  # a unit's name, not a person's
    offenders = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns
                 if c.name in IDENTITY_COLUMNS and t.name not in ("pii_vault", "app_user")
                 and (t.name, c.name) not in not_people]
    assert offenders == []


def test_demo_anonymous_cases_and_questionnaires_hold_no_identity(demo_db):
    eng = db.make_engine(demo_db)
    with eng.connect() as conn:
        anon_vault = conn.scalar(sa.select(sa.func.count()).select_from(PiiVault).join(Case)
                                 .where(Case.intake_mode == "匿名"))
        keys = set()
        for (answers,) in conn.execute(sa.select(Submission.answers)):
            keys |= set(answers)
        days = {type(d) for (d,) in conn.execute(sa.select(Submission.submitted_on))}
    eng.dispose()
    assert anon_vault == 0
    assert not keys & IDENTITY_COLUMNS
    assert days == {dt.date}  # the day only, no time
