"""schedules: recurring series, occurrences and iCalendar sequence on sessions, reminders
sent, calendar feed tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SERIES_FK = "fk_study_sessions_series_id_session_series"


def upgrade() -> None:
    op.create_table(
        "session_series",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host_username", sa.String(length=255), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("invitees", sa.JSON(), nullable=False),
        sa.Column("materialised_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("split_from", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_username"],
            ["users.username"],
            name=op.f("fk_session_series_host_username_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_series")),
    )
    op.create_index(op.f("ix_session_series_host_username"), "session_series", ["host_username"])
    op.create_index(
        op.f("ix_session_series_materialised_until"), "session_series", ["materialised_until"]
    )

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("minutes_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_reminders_sent_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "session_id", "minutes_before", name=op.f("uq_reminders_sent_session_id")
        ),
    )

    op.create_table(
        "calendar_tokens",
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_calendar_tokens_username_users")
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_calendar_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_tokens_token_hash")),
    )

    # Occurrence fields on sessions (series are never deleted, only ended by an UNTIL). As in
    # 0004: on SQLite a batch copy of study_sessions would DROP it (and cascade-delete its
    # participants, goals, messages), so it is altered in place;
    # the uniqueness of (series_id, occurrence_start) is a unique index, which both backends
    # add without rebuilding the table.
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE study_sessions ADD COLUMN series_id VARCHAR(32) "
            f"CONSTRAINT {SERIES_FK} REFERENCES session_series (id)"
        )
    else:
        op.add_column("study_sessions", sa.Column("series_id", sa.String(length=32)))
        op.create_foreign_key(
            op.f(SERIES_FK),
            "study_sessions",
            "session_series",
            ["series_id"],
            ["id"],
        )
    op.add_column(
        "study_sessions", sa.Column("occurrence_start", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "study_sessions",
        sa.Column("occurrence_edited", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "study_sessions",
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index(
        "uq_study_sessions_series_occurrence",
        "study_sessions",
        ["series_id", "occurrence_start"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_study_sessions_series_occurrence", table_name="study_sessions")
    for column in ("sequence", "occurrence_edited", "occurrence_start"):
        if op.get_context().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE study_sessions DROP COLUMN {column}")
        else:
            op.drop_column("study_sessions", column)
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE study_sessions DROP COLUMN series_id")
    else:
        op.drop_constraint(op.f(SERIES_FK), "study_sessions", type_="foreignkey")
        op.drop_column("study_sessions", "series_id")
    op.drop_table("calendar_tokens")
    op.drop_table("reminders_sent")
    op.drop_index(op.f("ix_session_series_materialised_until"), table_name="session_series")
    op.drop_index(op.f("ix_session_series_host_username"), table_name="session_series")
    op.drop_table("session_series")
