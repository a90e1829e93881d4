"""study groups: groups, members, invite links; group sessions and group chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("max_members", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_place", sa.JSON(), nullable=True),
        sa.Column("last_place_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_place_by", sa.String(length=255), nullable=True),
        sa.Column("last_place_session_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.username"], name=op.f("fk_study_groups_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_groups")),
    )
    op.create_index(op.f("ix_study_groups_created_at"), "study_groups", ["created_at"])
    op.create_index(op.f("ix_study_groups_is_public"), "study_groups", ["is_public"])

    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=7), nullable=False),
        sa.Column("invited_by", sa.String(length=255), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_groups.id"],
            name=op.f("fk_group_members_group_id_study_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_group_members_username_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("group_id", "username", name=op.f("uq_group_members_group_id")),
    )
    op.create_index(op.f("ix_group_members_group_id"), "group_members", ["group_id"])
    op.create_index(op.f("ix_group_members_username"), "group_members", ["username"])

    op.create_table(
        "group_invite_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_groups.id"],
            name=op.f("fk_group_invite_links_group_id_study_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_invite_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_group_invite_links_token_hash")),
    )
    op.create_index(op.f("ix_group_invite_links_group_id"), "group_invite_links", ["group_id"])

    # A session may belong to a group. The column has no foreign key: on SQLite adding one
    # takes a batch "move and copy" of study_sessions, whose DROP TABLE would delete every
    # participant, goal and message through ON DELETE CASCADE. Deleting a group clears it.
    op.add_column("study_sessions", sa.Column("group_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_study_sessions_group_id"), "study_sessions", ["group_id"])

    # Chat serves sessions and groups: exactly one of session_id and group_id is set. Nothing
    # references chat_messages, so SQLite's batch copy of this table is safe.
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(length=32), nullable=True))
        batch_op.alter_column("session_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_chat_messages_group_id_study_groups"),
            "study_groups",
            ["group_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_chat_messages_one_conversation"),
            "(session_id IS NULL) <> (group_id IS NULL)",
        )
        batch_op.create_index(
            "ix_chat_messages_group_created", ["group_id", "created_at"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM chat_messages WHERE session_id IS NULL")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_messages_group_created")
        batch_op.drop_constraint(batch_op.f("ck_chat_messages_one_conversation"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_chat_messages_group_id_study_groups"), type_="foreignkey"
        )
        batch_op.alter_column("session_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column("group_id")
    op.drop_index(op.f("ix_study_sessions_group_id"), table_name="study_sessions")
    if op.get_context().dialect.name == "sqlite":  # in place, not a batch copy (see above)
        op.execute("ALTER TABLE study_sessions DROP COLUMN group_id")
    else:
        op.drop_column("study_sessions", "group_id")
    op.drop_index(op.f("ix_group_invite_links_group_id"), table_name="group_invite_links")
    op.drop_table("group_invite_links")
    op.drop_index(op.f("ix_group_members_username"), table_name="group_members")
    op.drop_index(op.f("ix_group_members_group_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(op.f("ix_study_groups_is_public"), table_name="study_groups")
    op.drop_index(op.f("ix_study_groups_created_at"), table_name="study_groups")
    op.drop_table("study_groups")
