"""study notebooks: the session's notebook and leader, the leader's places, the coverage

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_notebooks",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=True),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("set_by", sa.String(length=255), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leader", sa.String(length=255), nullable=True),
        sa.Column("lead_epoch", sa.Integer(), nullable=False),
        sa.Column("lead_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.JSON(), nullable=True),
        sa.Column("place_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_study_notebooks_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_study_notebooks")),
    )
    op.create_table(
        "place_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notebook_path", sa.String(length=1024), nullable=False),
        sa.Column("cell_id", sa.String(length=100), nullable=True),
        sa.Column("cell_index", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("section_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_place_records_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_records")),
    )
    op.create_index("ix_place_records_session_at", "place_records", ["session_id", "at"])
    # nothing refers to session_summaries, so SQLite's batch copy of it is safe
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coverage", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.drop_column("coverage")
    op.drop_index("ix_place_records_session_at", table_name="place_records")
    op.drop_table("place_records")
    op.drop_table("study_notebooks")
