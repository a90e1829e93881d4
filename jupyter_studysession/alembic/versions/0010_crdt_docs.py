"""shared documents: CRDT snapshots, update log, contributions, exports; summary counts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"],
        ["study_sessions.id"],
        name=op.f(f"fk_{table}_session_id_study_sessions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "crdt_documents",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_upto", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compacted_at", sa.DateTime(timezone=True), nullable=False),
        _session_fk("crdt_documents"),
        sa.PrimaryKeyConstraint("session_id", "name", name=op.f("pk_crdt_documents")),
    )
    op.create_table(
        "crdt_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _session_fk("crdt_updates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crdt_updates")),
        sqlite_autoincrement=True,  # ids never reused after compaction deleted the last ones
    )
    op.create_index("ix_crdt_updates_document", "crdt_updates", ["session_id", "name", "id"])
    op.create_table(
        "crdt_contributions",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("updates", sa.Integer(), nullable=False),
        _session_fk("crdt_contributions"),
        sa.PrimaryKeyConstraint(
            "session_id", "name", "username", name=op.f("pk_crdt_contributions")
        ),
    )
    op.create_table(
        "document_exports",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _session_fk("document_exports"),
        sa.PrimaryKeyConstraint("session_id", "filename", name=op.f("pk_document_exports")),
    )
    # nothing refers to session_summaries, so SQLite's batch copy of it is safe (as in 0006)
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notes_characters", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("whiteboard_shapes", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("session_summaries", schema=None) as batch_op:
        batch_op.drop_column("whiteboard_shapes")
        batch_op.drop_column("notes_characters")
    op.drop_table("document_exports")
    op.drop_table("crdt_contributions")
    op.drop_index("ix_crdt_updates_document", table_name="crdt_updates")
    op.drop_table("crdt_updates")
    op.drop_table("crdt_documents")
