"""Exactly-once delivery across dropped connections, while events keep being written."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest


async def append(services, channel: str, n: int) -> None:
    async with services.store.transaction() as db:
        await services.outbox.append(db, channel, "probe", {"n": n})


@pytest.mark.parametrize("seed", range(5))
async def test_reconnecting_at_random_points_should_deliver_every_event_once_in_order(
    ss_app, ss_ws, seed
):
    rng = random.Random(seed)
    services, channel, total = ss_app.services, "user:alice", 60
    produced = asyncio.Event()
    await services.store.open()

    async def produce() -> None:
        for n in range(1, total + 1):
            await append(services, channel, n)
            if rng.random() < 0.3:
                await asyncio.sleep(rng.uniform(0, 0.01))
        produced.set()

    producer = asyncio.ensure_future(produce())
    received: list[int] = []
    since = 0
    while not (produced.is_set() and received and received[-1] == total):
        ws = await ss_ws("alice")
        ack = await ws.op("subscribe", channel=channel, since=since)
        assert ack["ok"] and ack["data"]["reset"] is False
        # read a random number of events, then drop the connection mid-stream
        for _ in range(rng.randint(0, 15)):
            try:
                event = await ws.event(type="probe", timeout=0.5)
            except TimeoutError:
                break
            received.append(event["data"]["n"])
            assert event["seq"] == since + 1
            since = event["seq"]
        ws.close()
    await producer
    assert received == list(range(1, total + 1))


async def test_resume_after_pruned_events_should_ask_the_client_to_reload(ss_app, ss_ws, ss_clock):
    services = ss_app.services
    await services.store.open()
    for n in range(3):
        await append(services, "user:alice", n)
    ss_clock.advance(days=3)
    assert await services.outbox.prune(older_than=timedelta(days=2)) == 3
    ws = await ss_ws("alice")
    ack = await ws.op("subscribe", channel="user:alice", since=1)
    assert ack["data"] == {"channel": "user:alice", "seq": 3, "reset": True}
    await append(services, "user:alice", 4)
    assert (await ws.event(type="probe"))["seq"] == 4


async def test_resume_from_a_seq_the_server_never_had_should_ask_the_client_to_reload(
    ss_app, ss_ws
):
    await ss_app.services.store.open()
    await append(ss_app.services, "user:alice", 1)
    ws = await ss_ws("alice")
    ack = await ws.op("subscribe", channel="user:alice", since=40)
    assert ack["data"] == {"channel": "user:alice", "seq": 1, "reset": True}


async def test_events_published_out_of_order_should_reach_subscribers_in_order(ss_app, ss_ws):
    """Writers on one channel commit in seq order, but their publications may overtake each
    other. Subscribers still get every event once, in order."""
    from jupyter_studysession.realtime.outbox import Event

    services = ss_app.services
    await services.store.open()
    ws = await ss_ws("alice")
    since = (await ws.op("subscribe", channel="user:alice"))["data"]["seq"]
    for n in (1, 3, 2):
        event = Event("user:alice", "probe", {"n": n}, since + n)
        await services.bus.publish("user:alice", event.to_json())
    got = await ws.drain()
    assert [(e["seq"], e["data"]["n"]) for e in got] == [(since + n, n) for n in (1, 2, 3)]
