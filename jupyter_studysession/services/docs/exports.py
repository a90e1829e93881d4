"""The shared documents when a session ends: compacted, written as files (``notes.md``,
``whiteboard.svg``) and counted, in the transaction that ends the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ...orm import DocumentExport
from .documents import NOTES, WHITEBOARD, notes_markdown, shapes_of, whiteboard_svg
from .store import compact_document


@dataclass(frozen=True)
class ExportedDocuments:
    notes: str
    """The notes' Markdown (the summariser may read it)."""
    shapes: int


async def export_documents(db: AsyncSession, session_id: str, now: datetime) -> ExportedDocuments:
    """Compact both documents (their contributions counted) and store their files."""
    notes = notes_markdown(await compact_document(db, session_id, NOTES, now))
    board = await compact_document(db, session_id, WHITEBOARD, now)
    files = [
        ("notes.md", "text/markdown", notes),
        ("whiteboard.svg", "image/svg+xml", whiteboard_svg(board)),
    ]
    for filename, media_type, content in files:
        db.add(
            DocumentExport(
                session_id=session_id,
                filename=filename,
                media_type=media_type,
                content=content,
                created_at=now,
            )
        )
    return ExportedDocuments(notes=notes, shapes=len(shapes_of(board)))
