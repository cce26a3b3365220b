"""sign-in sessions; identity vault encrypted at rest

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:00:00

The vault's existing rows are encrypted here, in the same transaction as the schema change, with the
key from the ``vault_key_file`` setting (created on first need). A migration can reach that key:
``xinfang db upgrade`` runs with the same settings as every other command, so there is no window in
which the program finds a mix of plain and encrypted rows, and no second command to forget.
On SQLite the rows are rewritten with ``secure_delete`` on, so the old plain text does not linger in
the file's free space (xinfang.storage.db.upgrade then truncates the write-ahead log).
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VAULT_COLUMNS = ("name", "staff_no", "phone")
BATCH = 1000


def _rewrite(bind, change: Callable[[str], str], wanted: Callable[[str], bool]) -> int:
    """Apply ``change`` to every vault value for which ``wanted`` is true, a batch of rows at a time."""
    vault = sa.table("pii_vault", sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in VAULT_COLUMNS))
    last, changed = 0, 0
    while True:
        rows = bind.execute(sa.select(vault).where(vault.c.id > last).order_by(vault.c.id).limit(BATCH)).all()
        if not rows:
            return changed
        updates = []
        for row in rows:
            values = {c: change(getattr(row, c)) for c in VAULT_COLUMNS
                      if getattr(row, c) is not None and wanted(getattr(row, c))}
            if values:
                updates.append({"row_id": row.id, **{c: values.get(c, getattr(row, c)) for c in VAULT_COLUMNS}})
        if updates:
            bind.execute(vault.update().where(vault.c.id == sa.bindparam("row_id"))
                         .values({c: sa.bindparam(c) for c in VAULT_COLUMNS}), updates)
            changed += len(updates)
        last = rows[-1].id


def upgrade() -> None:
    from xinfang.storage import encryption

    op.create_table(
        "app_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_app_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_app_session_key_hash")),
    )
    op.create_index(op.f("ix_app_session_user_id"), "app_session", ["user_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite ignores VARCHAR lengths, so the tokens fit as they are; rebuilding the table would only
        # fight the foreign keys that point at it. Zero the space the plain values leave behind.
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    else:
        for column in VAULT_COLUMNS:
            op.alter_column("pii_vault", column, existing_type=sa.String(length=200), type_=sa.Text(),
                            existing_nullable=column != "name")
    has_rows = bind.execute(sa.text("SELECT 1 FROM pii_vault LIMIT 1")).first() is not None
    if has_rows:
        ring = encryption.keyring(create=True)
        _rewrite(bind, ring.encrypt, lambda v: not encryption.is_encrypted(v))


def downgrade() -> None:
    from xinfang.storage import encryption

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pii_vault LIMIT 1")).first() is not None:
        ring = encryption.keyring()
        _rewrite(bind, ring.decrypt, encryption.is_encrypted)
    if bind.dialect.name != "sqlite":
        for column in VAULT_COLUMNS:
            op.alter_column("pii_vault", column, existing_type=sa.Text(), type_=sa.String(length=200),
                            existing_nullable=column != "name")
    op.drop_index(op.f("ix_app_session_user_id"), table_name="app_session")
    op.drop_table("app_session")
