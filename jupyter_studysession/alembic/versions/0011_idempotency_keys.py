"""idempotency keys of chat messages, goals and sessions, unique per user

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, owner column)
KEYED = [("chat_messages", "sender"), ("goals", "created_by"), ("study_sessions", "host_username")]


def upgrade() -> None:
    for table, owner in KEYED:
        op.add_column(table, sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        op.create_index(
            f"uq_{table}_{owner}_idempotency_key",
            table,
            [owner, "idempotency_key"],
            unique=True,
        )


def downgrade() -> None:
    for table, owner in KEYED:
        op.drop_index(f"uq_{table}_{owner}_idempotency_key", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("idempotency_key")
