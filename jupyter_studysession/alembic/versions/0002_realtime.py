"""realtime: outbox, shared timer, presence preferences

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_sequences",
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_sequences")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("channel", "seq", name=op.f("uq_outbox_events_channel")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_events_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "session_timers",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("focus_minutes", sa.Float(), nullable=False),
        sa.Column("short_break_minutes", sa.Float(), nullable=False),
        sa.Column("long_break_minutes", sa.Float(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=11), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("phase_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remaining_seconds", sa.Float(), nullable=False),
        sa.Column("focus_seconds", sa.Float(), nullable=False),
        sa.Column("break_seconds", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_session_timers_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_timers")),
    )
    op.create_table(
        "presence_preferences",
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("appear_offline", sa.Boolean(), nullable=False),
        sa.Column("hide_activity", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name=op.f("fk_presence_preferences_username_users"),
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_presence_preferences")),
    )
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("focus_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("break_minutes", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.drop_column("break_minutes")
        batch_op.drop_column("focus_minutes")
    op.drop_table("presence_preferences")
    op.drop_table("session_timers")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_created_at"))

    op.drop_table("outbox_events")
    op.drop_table("channel_sequences")
