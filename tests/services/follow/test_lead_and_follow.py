"""Lead and follow through a real server: who may lead, who receives places, hand-over and
its races, a leader who goes away (websocket and REST, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

# Expected outcomes, in ``room_users`` order
# fmt: off
#             host  co_host  participant   invited           outsider             instructor
SUBSCRIBE = (True, True,    True,         "not_participant", "session_not_found", "not_joined")
LEAD      = (True, True,    "not_host",   "not_participant", "session_not_found", "not_host")
# fmt: on


async def test_only_joined_participants_may_follow_and_only_hosts_may_lead(
    ss_ws, study_room, room_users
):
    room = await study_room()
    subscribed, led = {}, {}
    for role, user in room_users.items():
        ws = await ss_ws(user)
        ack = await ws.op("subscribe", channel=f"follow:{room}")
        subscribed[role] = ack["ok"] or ack["error"]["code"]
        ack = await ws.op("nav.lead", session_id=room)
        led[role] = ack["ok"] or ack["error"]["code"]
        if ack["ok"]:
            assert (await ws.op("nav.release", session_id=room))["ok"]
    assert subscribed == dict(zip(room_users, SUBSCRIBE, strict=True))
    assert led == dict(zip(room_users, LEAD, strict=True))


async def test_a_participant_who_left_should_no_longer_subscribe_to_places(
    ss_ws, ss_fetch, study_room
):
    room = await study_room()
    assert (await ss_fetch("carol", f"sessions/{room}/leave", method="POST")).status == 200
    ack = await (await ss_ws("carol")).op("subscribe", channel=f"follow:{room}")
    assert ack["error"]["code"] == "not_joined"


async def test_the_leaders_place_should_reach_every_follower_and_nobody_elses(
    lead, follow_tab, study_room, places
):
    room = await study_room()
    alice, bob, carol = [await follow_tab(u, room) for u in ("alice", "bob", "carol")]
    epoch = await lead(alice, room)
    for ws in (alice, bob, carol):
        changed = await ws.event(type="follow.leader")
        assert (changed["data"]["leader"]["username"], changed["data"]["epoch"]) == ("alice", 1)

    ack = await alice.op("nav.place", session_id=room, epoch=epoch, **places[3], offset=0.25)
    assert ack == {"re": ack["re"], "ok": True, "data": {"epoch": 1, "relayed": True}}
    for ws in (bob, carol):
        event = await ws.event(type="nav.place")
        assert event["seq"] is None  # ephemeral: never stored, never replayed
        assert event["data"]["leader"] == "alice"
        assert event["data"]["place"] == {**places[3], "offset": 0.25}

    refused = await carol.op("nav.place", session_id=room, epoch=epoch, **places[5])
    assert refused["error"]["code"] == "not_leader"
    assert "alice leads" in refused["error"]["message"]
    assert not [e for e in await bob.drain() if e["type"] == "nav.place"]


async def test_a_place_outside_the_study_notebook_should_be_refused(
    lead, follow_tab, study_room, places
):
    room = await study_room()
    alice = await follow_tab("alice", room)
    epoch = await lead(alice, room)
    elsewhere = {**places[0], "notebook_path": "other.ipynb"}
    ack = await alice.op("nav.place", session_id=room, epoch=epoch, **elsewhere)
    assert ack["error"]["code"] == "not_study_notebook"
    bad = await alice.op(
        "nav.place", session_id=room, epoch=epoch, **{**places[0], "cell_index": -1}
    )
    assert bad["error"]["code"] == "invalid_input"


async def test_places_sent_faster_than_the_interval_should_be_coalesced_into_the_last(
    lead, follow_tab, study_room, places
):
    room = await study_room()
    alice, carol = await follow_tab("alice", room), await follow_tab("carol", room)
    epoch = await lead(alice, room)
    acks = [
        await alice.op("nav.place", session_id=room, epoch=epoch, **place) for place in places[:6]
    ]
    assert acks[0]["data"]["relayed"] is True
    received = [e for e in await carol.drain(quiet=0.3) if e["type"] == "nav.place"]
    assert 1 < len(received) <= 6
    assert received[-1]["data"]["place"]["cell_id"] == places[5]["cell_id"]


async def test_a_co_host_should_take_the_lead_only_when_nobody_leads_and_the_host_always(
    lead, follow_tab, study_room
):
    room = await study_room()
    alice, bob = await follow_tab("alice", room), await follow_tab("bob", room)
    assert await lead(bob, room) == 1
    taken = await alice.op("nav.lead", session_id=room)
    assert (taken["data"]["leader"]["username"], taken["data"]["epoch"]) == ("alice", 2)
    refused = await bob.op("nav.lead", session_id=room)
    assert refused["error"]["code"] == "lead_taken"


async def test_two_co_hosts_taking_the_lead_at_once_should_leave_one_leader(
    ss_fetch, follow_tab, study_room
):
    room = await study_room()
    body = {"role": "co_host"}
    assert (
        await ss_fetch("alice", f"sessions/{room}/participants/carol", method="PATCH", body=body)
    ).status == 200
    bob, carol = await follow_tab("bob", room), await follow_tab("carol", room)
    acks = await asyncio.gather(
        bob.op("nav.lead", session_id=room), carol.op("nav.lead", session_id=room)
    )
    outcomes = sorted(str(a["ok"] or a["error"]["code"]) for a in acks)
    assert outcomes == ["True", "lead_taken"]
    winner = next(a for a in acks if a["ok"])["data"]["leader"]["username"]
    state = await ss_fetch("alice", f"sessions/{room}/follow")
    assert (state.body["leader"]["username"], state.body["epoch"]) == (winner, 1)
    announced = [e for e in await bob.drain() if e["type"] == "follow.leader"]
    assert [e["data"]["leader"]["username"] for e in announced] == [winner]


async def test_handing_the_lead_should_refuse_the_old_leaders_tab_and_accept_the_new_one(
    lead, follow_tab, study_room, places, ss_fetch
):
    room = await study_room()
    alice, bob, carol = [await follow_tab(u, room) for u in ("alice", "bob", "carol")]
    old = await lead(alice, room)
    handed = await alice.op("nav.hand", session_id=room, to="bob")
    assert (handed["data"]["leader"]["username"], handed["data"]["epoch"]) == ("bob", 2)
    event = await carol.event(type="follow.leader", timeout=2)
    event = await carol.event(type="follow.leader", timeout=2)
    assert (event["data"]["leader"]["username"], event["data"]["reason"]) == ("bob", "handed")

    # alice's tab still thinks it leads: refused, and told who does
    stale = await alice.op("nav.place", session_id=room, epoch=old, **places[1])
    assert (stale["error"]["code"], "bob leads" in stale["error"]["message"]) == (
        "not_leader",
        True,
    )
    # bob's place, under the lead he holds, goes through; under an older one it does not
    assert (await bob.op("nav.place", session_id=room, epoch=old, **places[2]))["error"][
        "code"
    ] == "stale_lead"
    assert (await bob.op("nav.place", session_id=room, epoch=2, **places[2]))["ok"]
    assert (await carol.event(type="nav.place"))["data"]["leader"] == "bob"

    cannot = await bob.op("nav.hand", session_id=room, to="carol")  # a participant
    assert cannot["error"]["code"] == "cannot_lead"
    not_leader = await carol.op("nav.hand", session_id=room, to="carol")
    assert not_leader["error"]["code"] == "not_host"
    state = await ss_fetch("carol", f"sessions/{room}/follow")
    assert (state.body["leader"]["username"], state.body["can_lead"]) == ("bob", False)


async def test_a_leader_who_leaves_should_pass_the_lead_to_a_connected_host(
    lead, follow_tab, study_room, ss_fetch
):
    room = await study_room()
    _alice, bob, carol = [await follow_tab(u, room) for u in ("alice", "bob", "carol")]
    await lead(bob, room)
    assert (await ss_fetch("bob", f"sessions/{room}/leave", method="POST")).status == 200
    await carol.event(type="follow.leader")
    passed = await carol.event(type="follow.leader")
    assert (passed["data"]["leader"]["username"], passed["data"]["reason"]) == ("alice", "left")


async def test_a_leader_removed_with_no_host_connected_should_stop_the_lead(
    lead, follow_tab, study_room, ss_fetch
):
    room = await study_room()
    bob, carol = await follow_tab("bob", room), await follow_tab("carol", room)
    await lead(bob, room)
    body = {"state": "removed"}
    reply = await ss_fetch("alice", f"sessions/{room}/participants/bob", method="PATCH", body=body)
    assert reply.status == 200
    await carol.event(type="follow.leader")
    stopped = await carol.event(type="follow.leader")
    assert (stopped["data"]["leader"], stopped["data"]["reason"]) == (None, "left")


async def test_a_leader_whose_tab_closes_should_pass_the_lead_after_the_grace_period(
    lead, follow_tab, study_room, eventually, ss_fetch
):
    room = await study_room()
    _alice, bob, carol = [await follow_tab(u, room) for u in ("alice", "bob", "carol")]
    await lead(bob, room)
    bob.close()

    async def passed():
        state = (await ss_fetch("carol", f"sessions/{room}/follow")).body
        return state["leader"] and state["leader"]["username"] == "alice" and state

    assert (await eventually(passed))["epoch"] == 2
    events = [e for e in await carol.drain() if e["type"] == "follow.leader"]
    assert events[-1]["data"]["reason"] == "disconnected"


async def test_a_leader_back_within_the_grace_period_should_keep_the_lead(
    lead, follow_tab, study_room, ss_fetch
):
    room = await study_room()
    bob = await follow_tab("bob", room)
    await lead(bob, room)
    again = await follow_tab("bob", room)  # a second tab, then the first one closes
    bob.close()
    await asyncio.sleep(0.6)
    state = (await ss_fetch("carol", f"sessions/{room}/follow")).body
    assert (state["leader"]["username"], state["epoch"]) == ("bob", 1)
    assert again is not None


async def test_follow_states_should_be_announced_and_listed(follow_tab, study_room, ss_fetch):
    room = await study_room()
    alice, carol = await follow_tab("alice", room), await follow_tab("carol", room)
    ack = await carol.op("nav.status", session_id=room, state="paused")
    assert ack["ok"], ack
    event = await alice.event(type="nav.status")
    assert (event["data"]["user"]["username"], event["data"]["state"]) == ("carol", "paused")
    listed = (await ss_fetch("alice", f"sessions/{room}/follow")).body["statuses"]
    assert [(s["user"]["username"], s["state"]) for s in listed] == [("carol", "paused")]
    carol.close()
    gone = await alice.event(type="nav.status")
    assert (gone["data"]["user"]["username"], gone["data"]["state"]) == ("carol", None)


async def test_leading_should_need_an_active_session_with_a_study_notebook(
    ss_ws, make_room, study_room
):
    scheduled = await study_room(start=False)
    alice = await ss_ws("alice")
    ack = await alice.op("nav.lead", session_id=scheduled)
    assert ack["error"]["code"] == "session_not_active"
    bare = await make_room()
    ack = await alice.op("nav.lead", session_id=bare)
    assert ack["error"]["code"] == "no_study_notebook"


@pytest.mark.parametrize("op", ["nav.lead", "nav.release", "nav.status", "nav.place", "nav.hand"])
async def test_nav_ops_should_reject_bad_input_with_a_clear_error(ss_ws, op):
    ws = await ss_ws("alice")
    ack = await ws.op(op, session_id="")
    assert ack["error"]["code"] == "invalid_input"
    assert "session_id" in ack["error"]["message"]
