"""A query read into a frame in parts (xinfang.storage.frames) is the frame a one-piece read gives —
values, dtypes, categories — whatever the parts hold, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from xinfang.storage import db
from xinfang.storage.frames import read_frame

ROWS = [  # (n, name, amount, day): the first rows have no amount, no name and no day
    (1, None, None, None), (2, None, None, None), (3, None, None, None),
    (4, "综采一队", 2.5, dt.date(2026, 10, 3)), (5, "掘进二队", None, dt.date(2026, 11, 2)),
    (6, "综采一队", 7.0, None), (7, "机电队", 1.0, dt.date(2026, 8, 10)),
]


TABLE = sa.Table("frames_test", sa.MetaData(), sa.Column("n", sa.Integer, primary_key=True),
                 sa.Column("name", sa.String), sa.Column("amount", sa.Float), sa.Column("day", sa.Date))


@pytest.fixture
def table(use_db):
    TABLE.create(use_db)
    with use_db.begin() as conn:
        conn.execute(TABLE.insert(), [dict(zip(("n", "name", "amount", "day"), row, strict=True)) for row in ROWS])
    yield use_db
    TABLE.drop(use_db)


def _query():
    return sa.select(TABLE).order_by(TABLE.c.n)


def _prepare(frame):
    frame["day"] = pd.to_datetime(frame["day"])
    frame["named"] = frame["name"].notna()
    return frame


@pytest.mark.parametrize("chunk_rows", [1, 3, 4])
def test_parts_make_the_one_piece_frame(table, chunk_rows):
    with db.session(table) as s:
        whole = read_frame(s, _query(), prepare=_prepare, categories=["name"], chunk_rows=10_000)
        parts = read_frame(s, _query(), prepare=_prepare, categories=["name"], chunk_rows=chunk_rows)
    assert whole["amount"].dtype == "float64" and whole["day"].dtype.kind == "M"
    assert list(whole["name"].cat.categories) == ["掘进二队", "机电队", "综采一队"]  # sorted, as astype gives
    assert whole["named"].tolist() == [False, False, False, True, True, True, True]
    pd.testing.assert_frame_equal(parts, whole)


def test_no_rows_give_the_columns_prepared(table):
    with db.session(table) as s:
        frame = read_frame(s, _query().where(sa.false()), prepare=_prepare, categories=["name"])
    assert frame.empty and list(frame.columns) == ["n", "name", "amount", "day", "named"]
    assert isinstance(frame["name"].dtype, pd.CategoricalDtype)
