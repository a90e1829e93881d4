"""office hours: schedules, staff on duty, queue entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_hours",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weekly_slots", sa.JSON(), nullable=False),
        sa.Column("one_off_slots", sa.JSON(), nullable=False),
        sa.Column("manual_open", sa.Boolean(), nullable=True),
        sa.Column("manual_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_ticket", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_hours")),
    )
    op.create_table(
        "staff_duties",
        sa.Column("officehours_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["officehours_id"],
            ["office_hours.id"],
            name=op.f("fk_staff_duties_officehours_id_office_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_staff_duties_username_users")
        ),
        sa.PrimaryKeyConstraint("officehours_id", "username", name=op.f("pk_staff_duties")),
    )
    op.create_table(
        "queue_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("officehours_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=11), nullable=False),
        sa.Column("ticket", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stepped_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admitted_by", sa.String(length=255), nullable=True),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_by", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=7), nullable=True),
        sa.Column("almost_up_notified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officehours_id"],
            ["office_hours.id"],
            name=op.f("fk_queue_entries_officehours_id_office_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_queue_entries_session_id_study_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_queue_entries_username_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entries")),
    )
    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_entries_joined_at"), ["joined_at"], unique=False)
        batch_op.create_index(
            "ix_queue_entries_queue_status", ["officehours_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_queue_entries_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_entries_username"))
        batch_op.drop_index("ix_queue_entries_queue_status")
        batch_op.drop_index(batch_op.f("ix_queue_entries_joined_at"))

    op.drop_table("queue_entries")
    op.drop_table("staff_duties")
    op.drop_table("office_hours")
