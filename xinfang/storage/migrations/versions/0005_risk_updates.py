"""risk ledger progress entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 20:20:00

``risk_update``: each progress entry of a 不稳定因素排查台账 item (what was done, who recorded it, and the
status, deadline or measures it changed). Existing items keep their current values and start with no
entries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["risk_id"], ["risk_item.id"], name=op.f("fk_risk_update_risk_id_risk_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_update")),
    )
    with op.batch_alter_table("risk_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_update_risk_id"), ["risk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_update_risk_id"))
    op.drop_table("risk_update")
