"""The shared timer through a real server (REST and websocket), on SQLite and PostgreSQL.

The background task is off here: every state below comes from settling on read or change,
with the server's FrozenClock moved by hand.
"""

from __future__ import annotations

from datetime import datetime

import pytest


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["timer_tick_seconds"] = 0
    return ss_server_config


def remaining(timer: dict) -> float:
    """What a client shows: the phase's end minus the server's time."""
    ends = datetime.fromisoformat(timer["phase_ends_at"])
    return (ends - datetime.fromisoformat(timer["server_time"])).total_seconds()


async def act(ss_fetch, user: str, room: str, action: str, **body) -> dict:
    if action == "configure":
        reply = await ss_fetch(user, f"sessions/{room}/timer", method="PATCH", body=body)
    else:
        reply = await ss_fetch(user, f"sessions/{room}/timer/{action}", method="POST")
    assert reply.status == 200, (action, reply.body)
    return reply.body


async def timer(ss_fetch, room: str, user: str = "carol") -> dict:
    reply = await ss_fetch(user, f"sessions/{room}/timer")
    assert reply.status == 200, reply.body
    return reply.body


def shape(t: dict) -> tuple:
    return (t["phase"], t["cycle"], t["running"], t["remaining_seconds"])


async def test_a_new_timer_should_be_idle_with_the_default_durations(ss_fetch, make_room):
    room = await make_room()
    t = await timer(ss_fetch, room)
    assert shape(t) == ("idle", 1, False, 1500)
    assert t["phase_ends_at"] is None
    durations = (t["focus_minutes"], t["short_break_minutes"], t["long_break_minutes"])
    assert (*durations, t["cycles"]) == (25, 5, 15, 4)
    assert (t["focus_seconds"], t["break_seconds"], t["version"]) == (0, 0, 0)


async def test_two_clients_should_get_the_same_state_and_show_the_same_time(
    ss_fetch, open_tab, ss_clock, make_room
):
    room = await make_room()
    alice, carol = await open_tab("alice", room), await open_tab("carol", room)

    started = await alice.op("timer.start", session_id=room)
    assert started["ok"], started
    seen = [await ws.event(type="timer.state") for ws in (alice, carol)]
    assert seen[0] == seen[1]
    state = seen[0]["data"]["timer"]
    assert state == started["data"]
    assert (state["phase"], state["running"], state["updated_by"]) == ("focus", True, "alice")
    assert remaining(state) == 1500

    ss_clock.advance(minutes=10, seconds=30)
    views = [await timer(ss_fetch, room, user) for user in ("bob", "carol", "prof")]
    assert {v["phase_ends_at"] for v in views} == {state["phase_ends_at"]}
    assert {remaining(v) for v in views} == {870}
    assert {v["remaining_seconds"] for v in views} == {870}


# Expected statuses, in ``room_users`` order
# fmt: off
#          host co_host participant invited outsider instructor
READ    = (200,  200,    200,        403,    404,     200)
CONTROL = (200,  200,    403,        403,    404,     403)
ANYONE  = (200,  200,    200,        403,    404,     403)
# fmt: on


@pytest.mark.parametrize(
    ("timer_control", "method", "route", "expected"),
    [
        pytest.param("hosts", "GET", "", READ, id="read"),
        pytest.param("hosts", "PATCH", "", CONTROL, id="configure"),
        pytest.param("hosts", "POST", "/reset", CONTROL, id="reset"),
        pytest.param("everyone", "GET", "", READ, id="read_everyone"),
        pytest.param("everyone", "PATCH", "", ANYONE, id="configure_everyone"),
        pytest.param("everyone", "POST", "/reset", ANYONE, id="reset_everyone"),
    ],
)
async def test_timer_permissions_per_role(
    ss_fetch, make_room, room_users, timer_control, method, route, expected
):
    room = await make_room()
    if timer_control != "hosts":
        settings = {"settings": {"timer_control": timer_control}}
        reply = await ss_fetch("alice", f"sessions/{room}", method="PATCH", body=settings)
        assert reply.body["settings"]["timer_control"] == timer_control
    got = {}
    for role, user in room_users.items():
        body = {"focus_minutes": 30} if method == "PATCH" else None
        reply = await ss_fetch(user, f"sessions/{room}/timer{route}", method=method, body=body)
        got[role] = reply.status
    assert got == dict(zip(room_users, expected, strict=True))


async def test_every_action_should_be_for_controllers_only(ss_fetch, ss_ws, make_room):
    room = await make_room()
    await act(ss_fetch, "alice", room, "start")
    carol = await ss_ws("carol")
    codes = {}
    for action in ("start", "pause", "resume", "skip", "reset"):
        reply = await ss_fetch("carol", f"sessions/{room}/timer/{action}", method="POST")
        ack = await carol.op(f"timer.{action}", session_id=room)
        codes[action] = (reply.status, reply.body["reason"], ack["error"]["code"])
    ack = await carol.op("timer.configure", session_id=room, cycles=2)
    codes["configure"] = (403, "not_timer_controller", ack["error"]["code"])
    assert codes == dict.fromkeys(codes, (403, "not_timer_controller", "not_timer_controller"))
    assert shape(await timer(ss_fetch, room)) == ("focus", 1, True, 1500)  # untouched


async def test_everyone_joined_controls_the_timer_when_the_host_says_so(ss_fetch, make_room):
    room = await make_room()
    body = {"settings": {"timer_control": "everyone"}}
    assert (await ss_fetch("alice", f"sessions/{room}", method="PATCH", body=body)).status == 200
    started = await act(ss_fetch, "carol", room, "start")
    assert (started["phase"], started["updated_by"]) == ("focus", "carol")
    assert (await ss_fetch("carol", f"sessions/{room}/leave", method="POST")).status == 200
    left = await ss_fetch("carol", f"sessions/{room}/timer/pause", method="POST")
    assert (left.status, left.body["reason"]) == (403, "not_joined")


async def test_the_timer_should_start_only_in_an_active_session(ss_fetch, make_room):
    room = await make_room(start=False)
    configured = await act(ss_fetch, "alice", room, "configure", focus_minutes=50)
    assert shape(configured) == ("idle", 1, False, 3000)  # a scheduled room can prepare
    early = await ss_fetch("alice", f"sessions/{room}/timer/start", method="POST")
    assert (early.status, early.body["reason"]) == (409, "session_not_active")
    assert (await ss_fetch("alice", f"sessions/{room}/start", method="POST")).status == 200
    assert shape(await act(ss_fetch, "alice", room, "start")) == ("focus", 1, True, 3000)


async def test_phases_should_advance_with_time_up_to_a_long_break(ss_fetch, ss_clock, make_room):
    room = await make_room()
    await act(
        ss_fetch,
        "alice",
        room,
        "configure",
        focus_minutes=25,
        short_break_minutes=5,
        long_break_minutes=15,
        cycles=2,
    )
    await act(ss_fetch, "alice", room, "start")
    seen = []
    for minutes in (25, 5, 25, 15):
        ss_clock.advance(minutes=minutes)
        seen.append(shape(await timer(ss_fetch, room)))
    assert seen == [
        ("short_break", 1, True, 300),
        ("focus", 2, True, 1500),
        ("long_break", 2, True, 900),
        ("focus", 1, True, 1500),  # a new round
    ]
    t = await timer(ss_fetch, room)
    assert (t["focus_seconds"], t["break_seconds"]) == (50 * 60, 20 * 60)


async def test_a_jump_in_time_should_cross_several_phases_at_once(ss_fetch, ss_clock, make_room):
    room = await make_room()
    await act(ss_fetch, "alice", room, "configure", cycles=2)
    await act(ss_fetch, "alice", room, "start")
    ss_clock.advance(minutes=25 + 5 + 25 + 2)
    t = await timer(ss_fetch, room)
    assert shape(t) == ("long_break", 2, True, 13 * 60)
    assert (t["focus_seconds"], t["break_seconds"]) == (50 * 60, 7 * 60)
    paused = await act(ss_fetch, "bob", room, "pause")  # the change persists what was settled
    assert shape(paused) == ("long_break", 2, False, 13 * 60)


async def test_paused_time_should_count_as_neither_focus_nor_break(ss_fetch, ss_clock, make_room):
    room = await make_room()
    await act(ss_fetch, "alice", room, "start")
    ss_clock.advance(minutes=10)
    paused = await act(ss_fetch, "alice", room, "pause")
    assert shape(paused) == ("focus", 1, False, 900)
    assert paused["phase_ends_at"] is None
    ss_clock.advance(hours=2)
    still = await timer(ss_fetch, room)
    assert shape(still) == ("focus", 1, False, 900)
    assert still["focus_seconds"] == 600
    resumed = await act(ss_fetch, "bob", room, "resume")
    assert remaining(resumed) == 900
    ss_clock.advance(minutes=15)
    t = await timer(ss_fetch, room)
    assert shape(t) == ("short_break", 1, True, 300)
    assert (t["focus_seconds"], t["break_seconds"]) == (1500, 0)


async def test_skip_should_begin_the_next_phase_and_reset_should_keep_time_spent(
    ss_fetch, ss_clock, make_room
):
    room = await make_room()
    await act(ss_fetch, "alice", room, "start")
    ss_clock.advance(minutes=4)
    skipped = await act(ss_fetch, "alice", room, "skip")
    assert shape(skipped) == ("short_break", 1, True, 300)
    assert skipped["focus_seconds"] == 240
    skipped = await act(ss_fetch, "alice", room, "skip")
    assert shape(skipped) == ("focus", 2, True, 1500)
    ss_clock.advance(minutes=1)
    await act(ss_fetch, "alice", room, "pause")
    assert shape(await act(ss_fetch, "alice", room, "skip")) == ("short_break", 2, False, 300)
    reset = await act(ss_fetch, "alice", room, "reset")
    assert shape(reset) == ("idle", 1, False, 1500)
    assert (reset["focus_seconds"], reset["phase_ends_at"]) == (300, None)
    assert reset["version"] == 6  # configure-free: start, skip, skip, pause, skip, reset


@pytest.mark.parametrize(
    ("action", "before", "reason"),
    [
        ("start", "start", "timer_started"),
        ("pause", None, "timer_not_running"),
        ("resume", "start", "timer_not_paused"),
        ("resume", None, "timer_not_paused"),
        ("skip", None, "timer_idle"),
    ],
)
async def test_an_action_that_does_not_fit_the_state_is_a_409(
    ss_fetch, make_room, action, before, reason
):
    room = await make_room()
    if before:
        await act(ss_fetch, "alice", room, before)
    reply = await ss_fetch("alice", f"sessions/{room}/timer/{action}", method="POST")
    assert (reply.status, reply.body["reason"]) == (409, reason)


async def test_configuring_a_running_timer_applies_from_the_next_phase(
    ss_fetch, ss_clock, make_room
):
    room = await make_room()
    await act(ss_fetch, "alice", room, "start")
    ss_clock.advance(minutes=5)
    configured = await act(
        ss_fetch, "alice", room, "configure", focus_minutes=50, short_break_minutes=10
    )
    assert shape(configured) == ("focus", 1, True, 1200)
    assert (configured["focus_minutes"], configured["short_break_minutes"]) == (50, 10)
    ss_clock.advance(minutes=20)
    assert shape(await timer(ss_fetch, room)) == ("short_break", 1, True, 600)


async def test_ending_the_session_stops_the_timer_and_writes_focus_and_break_minutes(
    ss_fetch, open_tab, ss_clock, make_room
):
    room = await make_room()
    ws = await open_tab("carol", room)
    await act(ss_fetch, "alice", room, "start")
    ss_clock.advance(minutes=25 + 5 + 10)  # focus, short break, 10 min of focus
    await act(ss_fetch, "alice", room, "pause")
    ss_clock.advance(minutes=30)  # paused: counts nowhere
    await act(ss_fetch, "alice", room, "resume")
    ss_clock.advance(minutes=2, seconds=20)
    ended = await ss_fetch("alice", f"sessions/{room}/end", method="POST")
    assert ended.status == 200, ended.body
    summary = ended.body["summary"]
    assert (summary["focus_minutes"], summary["break_minutes"]) == (37, 5)

    states = [e["data"]["timer"] for e in await ws.drain() if e["type"] == "timer.state"]
    assert [(s["phase"], s["running"]) for s in states][-1] == ("idle", False)
    after = await timer(ss_fetch, room)
    assert shape(after) == ("idle", 1, False, 1500)
    assert (after["focus_seconds"], after["break_seconds"]) == (37 * 60 + 20, 300)
    late = await ss_fetch("alice", f"sessions/{room}/timer/start", method="POST")
    assert (late.status, late.body["reason"]) == (409, "session_ended")
    history = (await ss_fetch("carol", "sessions/history")).body["items"]
    assert history[0]["summary"]["focus_minutes"] == 37


async def test_a_session_without_a_timer_ends_with_zero_minutes(ss_fetch, make_room):
    room = await make_room()
    ended = await ss_fetch("alice", f"sessions/{room}/end", method="POST")
    assert (ended.body["summary"]["focus_minutes"], ended.body["summary"]["break_minutes"]) == (
        0,
        0,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"focus_minutes": 0}, "focus_minutes"),
        ({"focus_minutes": 181}, "focus_minutes"),
        ({"short_break_minutes": 61}, "short_break_minutes"),
        ({"long_break_minutes": 91}, "long_break_minutes"),
        ({"cycles": 0}, "cycles"),
        ({"cycles": 13}, "cycles"),
        ({"cycles": None}, "cycles"),
        ({"focus_minutes": "long"}, "focus_minutes"),
        ({"phase": "focus"}, "phase"),
    ],
)
async def test_bad_timer_settings_are_a_400_naming_the_field(ss_fetch, make_room, body, field):
    room = await make_room()
    reply = await ss_fetch("alice", f"sessions/{room}/timer", method="PATCH", body=body)
    assert (reply.status, reply.body["reason"]) == (400, "invalid_input"), reply.body
    assert reply.body["message"].startswith(field), reply.body["message"]
    assert (await timer(ss_fetch, room))["version"] == 0


async def test_timer_ops_should_ack_with_the_state_or_an_error(ss_ws, make_room):
    room = await make_room()
    alice = await ss_ws("alice")
    configured = await alice.op("timer.configure", session_id=room, focus_minutes=45, cycles=3)
    assert configured["ok"], configured
    assert (configured["data"]["focus_minutes"], configured["data"]["cycles"]) == (45, 3)
    bad = await alice.op("timer.configure", session_id=room, cycles=99)
    assert (bad["ok"], bad["error"]["code"]) == (False, "invalid_input")
    missing = await alice.op("timer.start")
    assert (missing["ok"], missing["error"]["code"]) == (False, "invalid_input")
    nowhere = await alice.op("timer.start", session_id="nope")
    assert (nowhere["ok"], nowhere["error"]["code"]) == (False, "session_not_found")
    dave = await ss_ws("dave")
    refused = await dave.op("timer.start", session_id=room)
    assert (refused["ok"], refused["error"]["code"]) == (False, "not_participant")
