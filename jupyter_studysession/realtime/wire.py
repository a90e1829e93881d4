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


class SocketWriter:
    """Writes shared frames to one websocket (made when it opens): straight to the socket when
    nothing is queued (no Future or callback per write, most of a fan-out's cost), else queued
    on the stream in order; through ``write_message`` when compression is on.

    A peer that stops reading cannot make the server buffer without bound: once more than
    ``max_buffered`` bytes would wait for it, it is closed with :data:`TOO_SLOW` instead
    (nothing more is queued for it; tornado aborts the socket if even the close frame is not
    read within seconds)."""

    __slots__ = ("compressed", "direct", "handler", "max_buffered", "protocol", "stream")

    def __init__(self, handler, max_buffered: int):
        self.handler = handler
        self.protocol = handler.ws_connection
        self.stream = self.protocol.stream
        self.compressed = handler.get_compression_options() is not None
        self.direct = not self.compressed and type(self.stream) is IOStream
        self.max_buffered = max_buffered

    def backlog(self):
        """While the hub replays: an awaitable for the socket to take what is queued once half
        of ``max_buffered`` waits, else None (a replay goes at the client's pace)."""
        if self.protocol.is_closing() or queued_bytes(self.stream) <= self.max_buffered // 2:
            return None
        return flushed(self.stream)

    def write(self, frame: bytes, payload: str | bytes) -> bool:
        """Write ``frame`` (``payload`` when compressed); whether it was written."""
        stream = self.stream
        if self.protocol.is_closing():
            return False
        try:
            if self.direct and not stream.writing():
                try:
                    sent = stream.socket.send(frame)
                except OSError:  # would block, or broken: the stream retries or closes
                    sent = 0
                if sent == len(frame):
                    return True
                frame = memoryview(frame)[sent:]  # the rest follows through the stream
            waiting = queued_bytes(stream)
            if waiting + len(frame) > self.max_buffered:
                handler = self.handler
                user = getattr(handler.current_user, "username", "?")
                log.warning("Closing %s's websocket: it stopped reading (%d bytes)", user, waiting)
                handler.close(TOO_SLOW, "too_slow: reconnect and resume")
                return False
            if self.compressed:
                self.handler.write_message(payload, binary=isinstance(payload, bytes))
            else:
                stream.write(frame)
            return True
        except (WebSocketClosedError, StreamClosedError):
            return False
