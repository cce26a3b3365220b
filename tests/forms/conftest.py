"""Fixtures of the forms tests: a migrated database (SQLite and PostgreSQL) with a few units."""

import datetime as dt

import pytest

from xinfang.storage import db
from xinfang.storage.models import FollowUpPlan, OrgUnit, PiiVault

UNITS = ("更新队", "机电队", "综采一队")


@pytest.fixture
def mine(use_db):
    """The engine of a database holding three units and one 一人一策 plan (id in ``plan_id``)."""
    with db.session(use_db) as s:
        for name in UNITS:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
        s.flush()
        vault = PiiVault(name="王建国")
        s.add(vault)
        s.flush()
        plan = FollowUpPlan(vault_id=vault.id, concern="工伤后待遇问题", started_on=dt.date(2026, 9, 1))
        s.add(plan)
        s.flush()
        use_db.plan_id = plan.id
    return use_db
