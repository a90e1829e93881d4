"""A tab that stops reading: the server closes it instead of buffering without bound, the
other subscribers are not held up, and the tab resumes from the outbox without loss."""

from __future__ import annotations

import asyncio
import json
import struct

import pytest

from jupyter_studysession.testing import RawWebSocket

BUFFER = 256 * 1024
EVENTS, BLOB = 200, "x" * 60_000  # 12 MB in all: more than the socket buffers hold


@pytest.fixture
def ss_db_url(ss_sqlite_url):
    return ss_sqlite_url


@pytest.fixture
def jp_server_config(ss_server_config):
    app = {**ss_server_config["StudySessionApp"], "websocket_buffer_bytes": BUFFER}
    return {**ss_server_config, "StudySessionApp": app}


async def test_a_tab_that_stops_reading_is_closed_and_resumes_from_the_outbox_without_loss(
    ss_app, ss_ws, jp_serverapp, jp_base_url
):
    services, channel = ss_app.services, "user:alice"
    await services.store.open()
    # a tab with a tiny receive window that reads only when told to: frozen, or its network
    # stalled
    stalled = await RawWebSocket.connect(jp_serverapp.port, jp_base_url, "alice", 4096)
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
    stalled.close()

    # as its client does, it reconnects and resumes with since: nothing lost, nothing twice
    resumed = await ss_ws("alice")
    since = got[-1] if got else 0
    ack = await resumed.op("subscribe", channel=channel, since=since)
    assert ack["ok"] and ack["data"]["reset"] is False
    rest = [(await resumed.event(type="probe", timeout=10))["seq"] for _ in range(since, EVENTS)]
    assert got + rest == list(range(1, EVENTS + 1))
