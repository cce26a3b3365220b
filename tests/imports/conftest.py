"""Fixtures of the import tests: a migrated database (SQLite and PostgreSQL) with the forms' units."""

import pytest
from sqlalchemy import MetaData, func, select

from xinfang import forms
from xinfang.storage import db
from xinfang.storage.models import OrgUnit, Submission


@pytest.fixture
def mine(use_db):
    """The engine of a database holding every unit the shipped forms list."""
    spec = forms.by_key("sixiang_dongtai")
    names = [c.name for c in spec["unit"].choices]
    with db.session(use_db) as s:
        for name in names:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
    return use_db


def count(model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def submissions() -> list[Submission]:
    with db.session() as s:
        return list(s.scalars(select(Submission).order_by(Submission.id)))


def every_stored_text(eng) -> str:
    """Every value of every column of every table, as one string (for "never stored" checks)."""
    meta = MetaData()
    meta.reflect(eng)
    parts = []
    with eng.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                parts.extend(repr(v) for v in row)
                parts.extend(str(v) for v in row)
    return "\n".join(parts)
