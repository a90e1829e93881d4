"""hub shares: the JupyterHub shares of hosts' servers that the study service granted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_shares",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("server_name", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_shares")),
        sa.UniqueConstraint("owner", "server_name", "username", name=op.f("uq_hub_shares_owner")),
    )
    op.create_index(op.f("ix_hub_shares_owner"), "hub_shares", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_shares_owner"), table_name="hub_shares")
    op.drop_table("hub_shares")
