"""Shared notes and whiteboard (services/docs): the REST side of the CRDT documents."""

from __future__ import annotations

from pydantic import Field

from .base import Request, Response


class AppendNotes(Request):
    text: str = Field(
        min_length=1,
        max_length=20_000,
        description="Markdown appended at the end of the notes, as the caller.",
    )


class DescribeNotes(Response):
    session_id: str
    markdown: str = Field(description="The notes after the change.")


class ClearedWhiteboard(Response):
    session_id: str
    removed: int = Field(description="How many shapes were removed.")
