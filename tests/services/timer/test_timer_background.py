"""Phases that end by themselves: the server's background task tells the room, once."""

from __future__ import annotations

import asyncio

import pytest

TICK = 0.05


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["timer_tick_seconds"] = TICK
    return ss_server_config


async def test_background_advance_should_publish_each_transition_exactly_once(
    jp_serverapp, ss_fetch, open_tab, ss_clock, make_room
):
    # start the background tasks as the server does once its loop runs (the test server
    # never gets that far by itself)
    await jp_serverapp.extension_manager.start_extension("jupyter_studysession")
    room = await make_room()
    alice, carol = await open_tab("alice", room), await open_tab("carol", room)
    started = await alice.op("timer.start", session_id=room)
    assert started["ok"], started
    for ws in (alice, carol):
        assert (await ws.event(type="timer.state"))["data"]["timer"]["phase"] == "focus"

    await asyncio.sleep(10 * TICK)  # not due yet: the task must stay quiet
    assert [e for e in await carol.drain(quiet=0.1) if e["type"] == "timer.state"] == []

    ss_clock.advance(minutes=25)
    transitions = []
    for ws in (alice, carol):
        event = await ws.event(type="timer.state")
        transitions.append(event)
        state = event["data"]["timer"]
        assert (state["phase"], state["cycle"], state["running"]) == ("short_break", 1, True)
        assert (state["updated_by"], state["version"]) == ("system", 2)
    assert transitions[0] == transitions[1]

    await asyncio.sleep(20 * TICK)  # many more ticks: nothing more to say
    for ws in (alice, carol):
        assert [e for e in await ws.drain(quiet=0.1) if e["type"] == "timer.state"] == []
    current = await ss_fetch("carol", f"sessions/{room}/timer")
    assert (current.body["phase"], current.body["version"]) == ("short_break", 2)
