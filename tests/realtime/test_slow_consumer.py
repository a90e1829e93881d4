"""A tab that stops reading: the server closes it instead of buffering without bound, the
other subscribers are not held up, and the tab resumes from the outbox without loss."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct

import pytest

from jupyter_studysession.pytest_plugin import token_for

BUFFER = 256 * 1024
EVENTS, BLOB = 200, "x" * 60_000  # 12 MB in all: more than the socket buffers hold


@pytest.fixture
def ss_db_url(ss_sqlite_url):
    return ss_sqlite_url


@pytest.fixture
def jp_server_config(ss_server_config):
    app = {**ss_server_config["StudySessionApp"], "websocket_buffer_bytes": BUFFER}
    return {**ss_server_config, "StudySessionApp": app}


class StalledTab:
    """A websocket client over a bare socket with a tiny receive buffer, which reads only when
    told to: a frozen tab, or a network that stalled."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, path: str, user: str) -> StalledTab:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: token {token_for(user)}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    def send(self, message: dict) -> None:
        payload, mask = json.dumps(message).encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: ``(opcode, payload)``."""
        first, second = await self.reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(size)


async def test_a_tab_that_stops_reading_is_closed_and_resumes_from_the_outbox_without_loss(
    ss_app, ss_ws, jp_serverapp, jp_base_url
):
    services, channel = ss_app.services, "user:alice"
    await services.store.open()
    stalled = await StalledTab.open(jp_serverapp.port, f"{jp_base_url}studysession/api/ws", "alice")
    stalled.send({"id": 1, "op": "subscribe", "channel": channel})
    opcode, ack = await asyncio.wait_for(stalled.frame(), 5)
    assert json.loads(ack)["ok"] is True
    reading = await ss_ws("alice")
    assert (await reading.op("subscribe", channel=channel))["ok"]

    async def produce() -> None:
        for n in range(1, EVENTS + 1):
            async with services.store.transaction() as db:
                await services.outbox.append(db, channel, "probe", {"n": n, "blob": BLOB})

    async def consume() -> list[tuple[int, int]]:
        return [
            ((e := await reading.event(type="probe", timeout=10))["seq"], e["data"]["n"])
            for _ in range(EVENTS)
        ]

    # the stalled tab reads nothing while 12 MB of events are written to the channel; the tab
    # that reads gets every event, in order: nobody waits for the stalled one
    _, received = await asyncio.gather(produce(), consume())
    assert received == [(n, n) for n in range(1, EVENTS + 1)]

    # the stalled tab, reading again, finds what was queued before it was cut off, then a
    # close frame saying why: the server dropped the rest instead of holding it
    got: list[int] = []
    while True:
        opcode, payload = await asyncio.wait_for(stalled.frame(), 10)
        if opcode == 0x8:
            break
        got.append(json.loads(payload)["seq"])
    code = struct.unpack("!H", payload[:2])[0]
    assert (code, payload[2:].decode()) == (1013, "too_slow: reconnect and resume")
    assert got == list(range(1, len(got) + 1)) and len(got) < EVENTS
    stalled.writer.close()

    # as its client does, it reconnects and resumes with since: nothing lost, nothing twice
    resumed = await ss_ws("alice")
    since = got[-1] if got else 0
    ack = await resumed.op("subscribe", channel=channel, since=since)
    assert ack["ok"] and ack["data"]["reset"] is False
    rest = [(await resumed.event(type="probe", timeout=10))["seq"] for _ in range(since, EVENTS)]
    assert got + rest == list(range(1, EVENTS + 1))
