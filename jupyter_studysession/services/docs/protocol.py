"""The y-websocket wire format, read strictly: what a peer sent, or why it is malformed.

Messages are encoded and decoded with pycrdt's own functions (``pycrdt.Decoder``,
``create_*_message``); this module only checks that a peer's bytes are exactly one message of
a known kind, so a malformed one closes that peer and never reaches the document. It also
defines the close codes and the reasons told to peers (docs/room.md lists them).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from pycrdt import (
    Decoder,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    write_message,
    write_var_uint,
)

MESSAGE_AUTH = 2
"""y-protocols' auth message: ``[2, 0 (permission denied), reason]``; y-websocket's provider
hands the reason to its ``permissionDeniedHandler``."""

EMPTY_UPDATE = b"\x00\x00"


class CloseCode(enum.IntEnum):
    """Why the server closed a document's websocket (sent with a short reason). After a
    4400-4499 code a client should stop and tell the user (y-websocket's provider does not
    retry those by default); after 1013 it reconnects."""

    MALFORMED = 4400
    """A message that is not a Yjs sync or awareness message; the peer is closed, the document
    untouched."""
    FORBIDDEN = 4403
    """Not a participant (refused before any byte of the document), or no longer one (removed,
    the session deleted): do not reconnect."""
    NOT_FOUND = 4404
    """No such session (or one you may not know about), or no such document name."""
    TOO_LARGE = 4413
    """An update over the update limit, or one that would take the document over its size
    limit. The update was not stored; the document is intact."""
    TRY_AGAIN_LATER = 1013
    """The standard "try again later": over the per-user update rate (reason
    ``rate_limited: ...``), or the server could not store an update (``unavailable: ...``).
    Clients reconnect with backoff and the sync protocol sends what was not stored."""


class MalformedMessage(ValueError):
    """The bytes are not one well-formed y-websocket message."""


class Kind(enum.Enum):
    SYNC_STEP1 = "sync_step1"
    SYNC_STEP2 = "sync_step2"
    UPDATE = "update"
    AWARENESS = "awareness"
    AUTH = "auth"
    QUERY_AWARENESS = "query_awareness"


@dataclass(frozen=True)
class Message:
    kind: Kind
    payload: bytes = b""
    """The state vector (step 1), the update (step 2, update), the awareness update or the
    reason (auth)."""


_SYNC_KINDS = {
    YSyncMessageType.SYNC_STEP1: Kind.SYNC_STEP1,
    YSyncMessageType.SYNC_STEP2: Kind.SYNC_STEP2,
    YSyncMessageType.SYNC_UPDATE: Kind.UPDATE,
}


def parse_message(data: bytes) -> Message:
    """One message from a peer; :class:`MalformedMessage` unless ``data`` is exactly one
    sync (step 1, step 2, update), awareness, auth or query-awareness message."""
    if not isinstance(data, bytes):
        raise MalformedMessage("text frame: Yjs messages are binary")
    decoder = Decoder(data)
    try:
        message_type = decoder.read_var_uint()
        if message_type == YMessageType.SYNC:
            sub = decoder.read_var_uint()
            if sub not in _SYNC_KINDS:
                raise MalformedMessage(f"unknown sync message type {sub}")
            payload = _read_bytes(decoder)
            kind = _SYNC_KINDS[YSyncMessageType(sub)]
        elif message_type == YMessageType.AWARENESS:
            payload = _read_bytes(decoder)
            kind = Kind.AWARENESS
        elif message_type == MESSAGE_AUTH:
            decoder.read_var_uint()  # 0: permission denied
            payload, kind = _read_bytes(decoder), Kind.AUTH
        elif message_type == 3:
            payload, kind = b"", Kind.QUERY_AWARENESS
        else:
            raise MalformedMessage(f"unknown message type {message_type}")
    except (IndexError, RuntimeError) as err:
        raise MalformedMessage("truncated message") from err
    if decoder.length != 0:
        raise MalformedMessage("trailing bytes after the message")
    return Message(kind, payload)


def _read_bytes(decoder: Decoder) -> bytes:
    length = decoder.read_var_uint()
    if length > decoder.length:
        raise MalformedMessage("truncated message")
    payload = decoder.stream[decoder.i0 : decoder.i0 + length]
    decoder.i0 += length
    decoder.length -= length
    return bytes(payload)


def permission_denied_message(reason: str) -> bytes:
    """y-protocols' auth message "permission denied" with ``reason`` (``code: message``)."""
    encoded = reason.encode()
    return bytes([MESSAGE_AUTH, 0]) + write_var_uint(len(encoded)) + encoded


# -- awareness ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: dict | None
    """``None``: the client is gone (its state is removed)."""


def read_awareness(update: bytes) -> list[AwarenessEntry]:
    """The entries of an awareness update (y-protocols' encoding)."""
    decoder = Decoder(update)
    entries = []
    try:
        for _ in range(decoder.read_var_uint()):
            client_id = decoder.read_var_uint()
            clock = decoder.read_var_uint()
            raw = _read_bytes(decoder).decode("utf-8")
            state = json.loads(raw) if raw else None
            if state is not None and not isinstance(state, dict):
                raise MalformedMessage("an awareness state must be a JSON object or null")
            entries.append(AwarenessEntry(client_id, clock, state))
    except (IndexError, RuntimeError, UnicodeDecodeError, ValueError) as err:
        if isinstance(err, MalformedMessage):
            raise
        raise MalformedMessage("malformed awareness update") from err
    if decoder.length != 0:
        raise MalformedMessage("trailing bytes after the awareness update")
    return entries


def awareness_message(entries: list[AwarenessEntry]) -> bytes:
    """An awareness message (type 1) carrying ``entries``."""
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        state = "null" if entry.state is None else json.dumps(entry.state, separators=(",", ":"))
        # the length of the UTF-8 bytes (pycrdt's Encoder.write_var_string counts characters)
        parts += [write_var_uint(entry.client_id), write_var_uint(entry.clock)]
        parts.append(write_message(state.encode()))
    return create_awareness_message(b"".join(parts))
