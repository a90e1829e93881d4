"""Idempotency keys: a retry after an uncertain answer returns the first result, never a copy.

A client that creates something (a chat message, a goal) may give a key of its own choosing,
once per thing it means to create: ``idempotency_key`` in a websocket op, the
``Idempotency-Key`` header on a REST ``POST``. The key is stored with the row it created,
scoped to the user who sent it. Sending the same request again with the same key (because the
connection dropped before the answer came, say) answers with the row the first request
created and changes nothing; the same key with a different request is a 409
``idempotency_key_reused``. Keys are kept as long as their rows (see docs/guarantees.md).

Limits: 1 to 64 characters among ``A-Z a-z 0-9 _ - . :`` (a UUID fits); anything else is a
400 ``invalid_idempotency_key``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .exceptions import Conflict, InvalidInput

HEADER = "Idempotency-Key"
MAX_LENGTH = 64
PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
DESCRIPTION = (
    "Your own key for this creation (1-64 characters of A-Z a-z 0-9 _ - . :, a UUID say): "
    "a retry with the same key returns what the first request created instead of a copy."
)

IdempotencyKey = Annotated[str, Field(pattern=PATTERN, description=DESCRIPTION)]
"""The type of the ``idempotency_key`` field of websocket ops that create something."""

SCHEMA = {"type": "string", "pattern": PATTERN, "maxLength": MAX_LENGTH}
"""The JSON schema of the key (the OpenAPI header parameter)."""

Row = TypeVar("Row")


def parse_key(value: str | None) -> str | None:
    """A key as received (the REST header), checked: None when absent."""
    if value is None:
        return None
    if not re.fullmatch(PATTERN, value):
        raise InvalidInput(
            f"{HEADER}: give 1 to {MAX_LENGTH} characters among A-Z a-z 0-9 _ - . :",
            "invalid_idempotency_key",
        )
    return value


async def earlier(db: AsyncSession, owner_column, key: str | None, owner: str) -> Any | None:
    """The row that ``owner`` created earlier with ``key`` (in the table of ``owner_column``,
    whose model has an ``idempotency_key`` column), if any."""
    if key is None:
        return None
    model = owner_column.class_
    return await db.scalar(select(model).where(owner_column == owner, model.idempotency_key == key))


def same_or_reused(row: Row, **expected: Any) -> Row:
    """``row`` if it was created by the same request (its fields equal ``expected``);
    otherwise the key was used for something else: 409."""
    if any(getattr(row, name) != value for name, value in expected.items()):
        raise Conflict(
            "This idempotency key was already used for a different request; use a new key "
            "for each new thing you create.",
            "idempotency_key_reused",
        )
    return row
