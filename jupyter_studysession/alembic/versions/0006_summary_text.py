"""session summaries: the text written by the summariser

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nothing refers to session_summaries, so SQLite's batch copy of it is safe
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.drop_column("text")
