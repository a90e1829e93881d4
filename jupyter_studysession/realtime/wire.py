"""Outgoing messages, serialised and framed once whatever the number of recipients.

A chat message in a room of 1,000 is one JSON string and one websocket frame written to 1,000
streams, not 1,000 encodings, frames and tasks. A server's frames are never masked (RFC 6455
§5.1), so without compression the frame bytes are the same for every connection.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from functools import cached_property

from tornado.iostream import IOStream, StreamClosedError
from tornado.websocket import WebSocketClosedError

log = logging.getLogger(__name__)

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


TOO_SLOW = 1013
"""The close code for a peer that stopped reading (RFC 6455 "try again later"): its client
reconnects and resumes from the outbox (``since``) or, for a document, with a fresh sync."""


def queued_bytes(stream: IOStream) -> int:
    """Bytes written to ``stream`` that its socket has not taken yet (tornado keeps the count
    only in its private buffer)."""
    return len(stream._write_buffer)


async def flushed(stream: IOStream) -> None:
    """Until ``stream``'s socket took everything queued so far (or the stream closed)."""
    with contextlib.suppress(StreamClosedError):
        await stream.write(b"")


def write_shared(handler, frame: bytes, payload: str | bytes, max_buffered: int) -> bool:
    """Write a shared frame to ``handler``'s websocket: straight to the socket when nothing is
    queued (no Future or callback per write, most of a fan-out's cost), else queued on the
    stream in order; through ``write_message`` with ``payload`` when compression is on.

    A peer that stops reading cannot make the server buffer without bound: once more than
    ``max_buffered`` bytes would wait for it, it is closed with :data:`TOO_SLOW` instead
    (nothing more is queued for it; tornado aborts the socket if even the close frame is not
    read within seconds). Returns whether the frame was written."""
    protocol = handler.ws_connection
    if protocol is None or protocol.is_closing():
        return False
    stream = protocol.stream
    compressed = handler.get_compression_options() is not None
    try:
        if not compressed and type(stream) is IOStream and not stream.writing():
            try:
                sent = stream.socket.send(frame)
            except OSError:  # would block, or broken: the stream retries or closes
                sent = 0
            if sent == len(frame):
                return True
            frame = memoryview(frame)[sent:]  # the rest follows through the stream, in order
        waiting = queued_bytes(stream)
        if waiting + len(frame) > max_buffered:
            user = getattr(handler.current_user, "username", "?")
            log.warning("Closing %s's websocket: it stopped reading (%d bytes wait)", user, waiting)
            handler.close(TOO_SLOW, "too_slow: reconnect and resume")
            return False
        if compressed:
            handler.write_message(payload, binary=isinstance(payload, bytes))
        else:
            stream.write(frame)
        return True
    except (WebSocketClosedError, StreamClosedError):
        return False
