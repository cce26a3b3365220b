"""data generation counter kept by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00

``data_generation`` holds one row (id 1) whose ``n`` rises whenever a row of a table the dashboard
reads is inserted, updated or deleted — whoever writes it (the ORM, a Core bulk ``insert()`` of an
importer, a manual edit in psql or the sqlite3 shell). The dashboard keys its on-disk cache by it
(xinfang.storage.db.data_generation). The counter is bumped in the writer's own transaction, so a
rolled-back write leaves it as it was.

- SQLite has row triggers only: one ``UPDATE`` of the counter per row written (about 1 µs a row;
  more for single-row statements on tables with many indexes, which a trigger makes keep a
  statement journal).
- PostgreSQL: one plpgsql function and statement triggers; a transaction bumps the counter once, at
  its first write to a watched table (the function remembers that in a transaction-local setting).
  psycopg's executemany sends one statement per row: bumping at each of them left a dead version of
  the one counter row per statement and made 100,000 inserts take 78 s instead of 2 s. ``TRUNCATE``
  bumps it too. The counter row stays locked from a transaction's first write to its end, so writers
  to these tables take turns, as they do on SQLite.

A later migration that rebuilds one of these tables on SQLite (``batch_alter_table`` copying it to a
new table) loses its triggers with the old table and must create them again;
tests/storage/test_data_generation.py checks that every trigger exists at head.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("petition_case", "case_event", "case_analysis", "org_unit", "submission", "form_version", "activity")
OPERATIONS = ("insert", "update", "delete")
PG_FUNCTION = "xinfang_bump_generation"


def trigger_name(table: str, operation: str) -> str:
    return f"trg_{table}_{operation}_generation"


# The counter is found in the schema of the table written (TG_TABLE_SCHEMA), not through the caller's
# search_path: a psql session, pg_restore (empty search_path) and a schema renamed by a restore all
# bump the right row. The transaction-local setting is undone with the transaction (or savepoint) that
# set it, like the UPDATE it guards. OR REPLACE: ``xinfang demo --replace`` drops the tables (and so the
# triggers) but not the function, then upgrades from 0001 again.
PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF coalesce(current_setting('xinfang.generation_bumped', true), '') <> TG_TABLE_SCHEMA THEN
        EXECUTE 'UPDATE ' || quote_ident(TG_TABLE_SCHEMA) || '.data_generation SET n = n + 1 WHERE id = 1';
        PERFORM set_config('xinfang.generation_bumped', TG_TABLE_SCHEMA, true);
    END IF;
    RETURN NULL;
END
$body$
"""


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    # A random start: a database built again at the same address (``xinfang demo --replace``, a test
    # schema) must not reach numbers an earlier one had, or a cache keyed by them could match.
    import secrets

    op.execute(f"INSERT INTO data_generation (id, n) VALUES (1, {secrets.randbelow(2**40)})")
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED:
            for operation in OPERATIONS:
                op.execute(
                    f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation.upper()} ON {table} "
                    "BEGIN UPDATE data_generation SET n = n + 1 WHERE id = 1; END"
                )
        return
    op.execute(PG_FUNCTION_SQL)
    for table in WATCHED:
        for operation in (*OPERATIONS, "truncate"):
            op.execute(
                f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation.upper()} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)}")
    else:
        for table in WATCHED:
            for operation in (*OPERATIONS, "truncate"):
                op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_table("data_generation")
