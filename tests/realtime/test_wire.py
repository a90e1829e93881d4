"""Events are framed once by the server; every frame size class reaches a real client intact."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("size", [10, 125, 126, 65_535, 65_536, 200_000])
async def test_event_of_any_size_should_arrive_intact(ss_app, ss_ws, size):
    ws = await ss_ws("alice")
    assert (await ws.op("subscribe", channel="user:alice"))["ok"]
    text = "x" * size
    await ss_app.services.outbox.publish_ephemeral("user:alice", "probe", {"text": text})
    event = await ws.event(type="probe")
    assert event["data"]["text"] == text
    assert event["seq"] is None


async def test_one_event_should_reach_every_tab_of_every_subscriber(ss_app, ss_ws):
    tabs = [await ss_ws("alice") for _ in range(3)]
    for ws in tabs:
        assert (await ws.op("subscribe", channel="user:alice"))["ok"]
    await ss_app.services.outbox.publish_ephemeral("user:alice", "probe", {"n": 1})
    for ws in tabs:
        assert (await ws.event(type="probe"))["data"] == {"n": 1}
