"""Outgoing messages, serialised and framed once whatever the number of recipients.

A chat message in a room of 1,000 is one JSON string and one websocket frame written to 1,000
streams, not 1,000 encodings, frames and tasks. A server's frames are never masked (RFC 6455
§5.1), so without compression the frame bytes are the same for every connection.
"""

from __future__ import annotations

import struct
from functools import cached_property

FIN_TEXT = 0x81  # FIN bit + opcode 1 (text)
FIN_BINARY = 0x82  # FIN bit + opcode 2 (binary)


def text_frame(payload: bytes, first_byte: int = FIN_TEXT) -> bytes:
    """One unmasked, unfragmented websocket text frame carrying ``payload`` (a binary frame
    with ``first_byte=FIN_BINARY``)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first_byte, size)
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", first_byte, 126, size)
    else:
        header = struct.pack("!BBQ", first_byte, 127, size)
    return header + payload


def binary_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented websocket binary frame carrying ``payload``."""
    return text_frame(payload, FIN_BINARY)


class Outgoing:
    """A server-to-client message: its text, and (computed on first use) its frame."""

    __slots__ = ("__dict__", "text")

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def frame(self) -> bytes:
        return text_frame(self.text.encode())
