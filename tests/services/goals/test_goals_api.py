"""Session goals through a real server (REST and websocket), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest


async def add_goal(ss_fetch, user: str, room: str, title: str = "Read chapter 3") -> dict:
    reply = await ss_fetch(user, f"sessions/{room}/goals", method="POST", body={"title": title})
    assert reply.status == 201, reply.body
    return reply.body


async def goal_ids(ss_fetch, room: str) -> list[str]:
    reply = await ss_fetch("alice", f"sessions/{room}/goals")
    assert reply.status == 200, reply.body
    assert [g["position"] for g in reply.body["items"]] == list(range(len(reply.body["items"])))
    return [g["id"] for g in reply.body["items"]]


async def test_goals_can_be_added_listed_changed_ticked_and_deleted(ss_fetch, ss_clock, make_room):
    room = await make_room()
    first = await add_goal(ss_fetch, "carol", room, "  Read chapter 3  ")
    assert first["title"] == "Read chapter 3"
    assert (first["created_by"], first["done"], first["done_at"], first["position"]) == (
        "carol",
        False,
        None,
        0,
    )
    second = await add_goal(ss_fetch, "alice", room, "Exercises 1-5")
    assert second["position"] == 1

    ss_clock.advance(minutes=3)
    ticked = await ss_fetch(
        "bob",
        f"sessions/{room}/goals/{first['id']}",
        method="PATCH",
        body={"done": True, "description": "Pages 40-62"},
    )
    assert ticked.status == 200, ticked.body
    assert ticked.body["done"] is True
    assert ticked.body["done_at"] == ss_clock.now().isoformat().replace("+00:00", "Z")
    assert ticked.body["description"] == "Pages 40-62"

    listed = await ss_fetch("prof", f"sessions/{room}/goals")
    assert listed.status == 200
    assert [g["title"] for g in listed.body["items"]] == ["Read chapter 3", "Exercises 1-5"]
    assert (listed.body["done"], listed.body["total"]) == (1, 2)

    unticked = await ss_fetch(
        "carol", f"sessions/{room}/goals/{first['id']}", method="PATCH", body={"done": False}
    )
    assert (unticked.body["done"], unticked.body["done_at"]) == (False, None)

    deleted = await ss_fetch("carol", f"sessions/{room}/goals/{first['id']}", method="DELETE")
    assert deleted.status == 200
    assert deleted.body["id"] == first["id"]
    assert await goal_ids(ss_fetch, room) == [second["id"]]  # positions renumbered from 0
    gone = await ss_fetch("carol", f"sessions/{room}/goals/{first['id']}", method="DELETE")
    assert (gone.status, gone.body["reason"]) == (404, "goal_not_found")


async def test_goals_work_in_a_scheduled_session_too(ss_fetch, make_room):
    room = await make_room(start=False)
    await add_goal(ss_fetch, "carol", room)
    assert len(await goal_ids(ss_fetch, room)) == 1


# Expected statuses, in ``room_users`` order
# fmt: off
#                     host co_host participant invited outsider instructor
READ               = (200,  200,    200,        403,    404,     200)
WRITE              = (200,  200,    200,        403,    404,     403)
CREATE             = (201,  201,    201,        403,    404,     403)
DELETE_OWN_OR_HOST = (200,  200,    200,        403,    404,     403)  # carol's goal
DELETE_HOSTS       = (200,  200,    403,        403,    404,     403)  # alice's goal
# fmt: on


@pytest.mark.parametrize(
    ("method", "route", "body", "author", "expected"),
    [
        pytest.param("GET", "", None, None, READ, id="list"),
        pytest.param("POST", "", {"title": "Mine"}, None, CREATE, id="create"),
        pytest.param("PATCH", "/{goal}", {"title": "Renamed"}, "carol", WRITE, id="rename"),
        pytest.param("PATCH", "/{goal}", {"done": True}, "alice", WRITE, id="tick"),
        pytest.param("DELETE", "/{goal}", None, "carol", DELETE_OWN_OR_HOST, id="delete_carols"),
        pytest.param("DELETE", "/{goal}", None, "alice", DELETE_HOSTS, id="delete_alices"),
        pytest.param("POST", "/order", "ORDER", "carol", WRITE, id="reorder"),
    ],
)
async def test_goal_permissions_per_role(
    ss_fetch, make_room, room_users, method, route, body, author, expected
):
    room = await make_room()
    got = {}
    for role, user in room_users.items():
        goal = await add_goal(ss_fetch, author, room) if author else None
        path = f"sessions/{room}/goals" + route.format(goal=goal and goal["id"])
        payload = {"goal_ids": await goal_ids(ss_fetch, room)} if body == "ORDER" else body
        reply = await ss_fetch(user, path, method=method, body=payload)
        got[role] = reply.status
    assert got == dict(zip(room_users, expected, strict=True))


async def test_refusals_say_why(ss_fetch, make_room):
    room = await make_room()
    goal = await add_goal(ss_fetch, "alice", room)
    reasons = {}
    for name, user, method, path in [
        ("invited_reads", "dave", "GET", ""),
        ("staff_writes", "prof", "POST", ""),
        ("participant_deletes_hosts_goal", "carol", "DELETE", f"/{goal['id']}"),
        ("outsider_changes", "erin", "PATCH", f"/{goal['id']}"),
    ]:
        body = {"title": "x"} if method in ("POST", "PATCH") else None
        reply = await ss_fetch(user, f"sessions/{room}/goals{path}", method=method, body=body)
        reasons[name] = reply.body["reason"]
    assert reasons == {
        "invited_reads": "not_participant",
        "staff_writes": "not_joined",
        "participant_deletes_hosts_goal": "not_goal_author",
        "outsider_changes": "goal_not_found",  # not "forbidden": the goal stays hidden
    }


async def test_a_participant_who_left_can_read_but_not_change_goals(ss_fetch, make_room):
    room = await make_room()
    goal = await add_goal(ss_fetch, "carol", room)
    assert (await ss_fetch("carol", f"sessions/{room}/leave", method="POST")).status == 200
    assert (await ss_fetch("carol", f"sessions/{room}/goals")).status == 200
    path = f"sessions/{room}/goals/{goal['id']}"
    changed = await ss_fetch("carol", path, method="PATCH", body={"done": True})
    assert (changed.status, changed.body["reason"]) == (403, "not_joined")
    deleted = await ss_fetch("carol", path, method="DELETE")
    assert (deleted.status, deleted.body["reason"]) == (403, "not_goal_author")


async def test_goals_of_an_ended_session_are_read_only(ss_fetch, make_room):
    room = await make_room()
    goal = await add_goal(ss_fetch, "carol", room)
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    goals = f"sessions/{room}/goals"
    got = {}
    for name, method, path, body in [
        ("create", "POST", goals, {"title": "Late"}),
        ("tick", "PATCH", f"{goals}/{goal['id']}", {"done": True}),
        ("delete", "DELETE", f"{goals}/{goal['id']}", None),
        ("reorder", "POST", f"{goals}/order", {"goal_ids": [goal["id"]]}),
    ]:
        reply = await ss_fetch("alice", path, method=method, body=body)
        got[name] = (reply.status, reply.body["reason"])
    assert got == dict.fromkeys(["create", "tick", "delete", "reorder"], (409, "session_ended"))
    listed = await ss_fetch("carol", goals)
    assert (listed.status, listed.body["total"]) == (200, 1)


async def test_reorder_takes_a_permutation_of_the_sessions_goals(ss_fetch, make_room):
    room = await make_room()
    a, b, c = [(await add_goal(ss_fetch, "carol", room, t))["id"] for t in "abc"]
    other = await make_room()
    foreign = (await add_goal(ss_fetch, "carol", other))["id"]
    order = f"sessions/{room}/goals/order"

    reordered = await ss_fetch("carol", order, method="POST", body={"goal_ids": [c, a, b]})
    assert reordered.status == 200, reordered.body
    assert [g["id"] for g in reordered.body["items"]] == [c, a, b]
    assert [g["position"] for g in reordered.body["items"]] == [0, 1, 2]
    assert await goal_ids(ss_fetch, room) == [c, a, b]

    for bad in ([a, b], [a, b, c, c], [a, b, foreign], [a, b, c, foreign], []):
        reply = await ss_fetch("carol", order, method="POST", body={"goal_ids": bad})
        assert (reply.status, reply.body["reason"]) == (400, "invalid_order"), bad
        assert reply.body["message"].startswith("goal_ids")
    assert await goal_ids(ss_fetch, room) == [c, a, b]  # unchanged


async def test_patching_position_moves_a_goal_and_renumbers_the_rest(ss_fetch, make_room):
    room = await make_room()
    a, b, c = [(await add_goal(ss_fetch, "carol", room, t))["id"] for t in "abc"]
    moved = await ss_fetch(
        "carol", f"sessions/{room}/goals/{c}", method="PATCH", body={"position": 0}
    )
    assert moved.body["position"] == 0
    assert await goal_ids(ss_fetch, room) == [c, a, b]
    await ss_fetch("carol", f"sessions/{room}/goals/{c}", method="PATCH", body={"position": 99})
    assert await goal_ids(ss_fetch, room) == [a, b, c]


async def test_goal_in_another_session_is_not_found_under_this_one(ss_fetch, make_room):
    room, other = await make_room(), await make_room()
    goal = await add_goal(ss_fetch, "carol", other)
    reply = await ss_fetch(
        "carol", f"sessions/{room}/goals/{goal['id']}", method="PATCH", body={"done": True}
    )
    assert (reply.status, reply.body["reason"]) == (404, "goal_not_found")


async def test_progress_shows_in_the_session_and_its_summary(ss_fetch, make_room):
    room = await make_room()
    ids = [(await add_goal(ss_fetch, "carol", room, t))["id"] for t in "abc"]
    for goal in ids[:2]:
        await ss_fetch("bob", f"sessions/{room}/goals/{goal}", method="PATCH", body={"done": True})
    session = (await ss_fetch("carol", f"sessions/{room}")).body
    assert (session["goals_done"], session["goals_total"]) == (2, 3)
    listed = (await ss_fetch("carol", "sessions")).body["items"]
    assert [(s["goals_done"], s["goals_total"]) for s in listed] == [(2, 3)]
    ended = (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).body
    assert (ended["summary"]["goals_done"], ended["summary"]["goals_total"]) == (2, 3)


@pytest.mark.parametrize(
    ("method", "route", "body", "field"),
    [
        ("POST", "", {"title": ""}, "title"),
        ("POST", "", {"title": "   "}, "title"),
        ("POST", "", {"title": "x" * 201}, "title"),
        ("POST", "", {"title": "ok", "description": "d" * 2001}, "description"),
        ("POST", "", {"title": "ok", "created_by": "bob"}, "created_by"),
        ("PATCH", "/{goal}", {"title": None}, "title"),
        ("PATCH", "/{goal}", {"done": "maybe"}, "done"),
        ("PATCH", "/{goal}", {"position": -1}, "position"),
        ("POST", "/order", {"goal_ids": "all"}, "goal_ids"),
        ("POST", "/order", {}, "goal_ids"),
    ],
)
async def test_bad_goal_input_is_a_400_naming_the_field(
    ss_fetch, make_room, method, route, body, field
):
    room = await make_room()
    goal = await add_goal(ss_fetch, "carol", room, "Keep me")
    path = f"sessions/{room}/goals" + route.format(goal=goal["id"])
    reply = await ss_fetch("carol", path, method=method, body=body)
    assert (reply.status, reply.body["reason"]) == (400, "invalid_input"), reply.body
    assert reply.body["message"].startswith(field), reply.body["message"]
    listed = (await ss_fetch("carol", f"sessions/{room}/goals")).body["items"]
    assert [(g["title"], g["done"]) for g in listed] == [("Keep me", False)]


async def test_goal_ops_reach_another_users_websocket_live(ss_fetch, ss_ws, open_tab, make_room):
    room = await make_room()
    channel = f"session:{room}"
    watcher, actor = await open_tab("bob", room), await ss_ws("carol")

    created = await actor.op("goal.create", session_id=room, title="Proofs", description="2.1")
    assert created["ok"], created
    goal = created["data"]
    event = await watcher.event(type="goal.created")
    assert event["channel"] == channel
    assert event["data"]["goal"] == goal

    updated = await actor.op("goal.update", goal_id=goal["id"], done=True)
    assert updated["ok"] and updated["data"]["done"] is True
    event = await watcher.event(type="goal.updated")
    assert event["data"]["goal"]["done"] is True and event["data"]["goal"]["done_at"]

    second = (await actor.op("goal.create", session_id=room, title="Lemmas"))["data"]
    reordered = await actor.op("goal.reorder", session_id=room, goal_ids=[second["id"], goal["id"]])
    assert reordered["ok"], reordered
    event = await watcher.event(type="goal.reordered")
    assert event["data"] == {"session_id": room, "goal_ids": [second["id"], goal["id"]]}

    deleted = await actor.op("goal.delete", goal_id=goal["id"])
    assert deleted["ok"], deleted
    event = await watcher.event(type="goal.deleted")
    assert event["data"]["goal"]["id"] == goal["id"]

    seqs = [e["seq"] for e in await watcher.drain() if e["channel"] == channel]
    assert seqs == sorted(seqs)
    rest = await ss_fetch("bob", f"sessions/{room}/goals")
    assert [g["id"] for g in rest.body["items"]] == [second["id"]]


async def test_goal_ops_refuse_with_error_acks(ss_ws, make_room):
    room = await make_room()
    dave, carol = await ss_ws("dave"), await ss_ws("carol")
    refused = await dave.op("goal.create", session_id=room, title="Sneaky")
    assert (refused["ok"], refused["error"]["code"]) == (False, "not_participant")
    bad = await carol.op("goal.create", session_id=room, title="")
    assert (bad["ok"], bad["error"]["code"]) == (False, "invalid_input")
    goal = (await carol.op("goal.create", session_id=room, title="Fine"))["data"]
    bad = await carol.op("goal.update", goal_id=goal["id"], done=None)
    assert (bad["ok"], bad["error"]["code"]) == (False, "invalid_input")
    missing = await carol.op("goal.delete", goal_id="nope")
    assert (missing["ok"], missing["error"]["code"]) == (False, "goal_not_found")
    spoofed = await carol.op("goal.create", session_id=room, title="x", created_by="alice")
    assert (spoofed["ok"], spoofed["error"]["code"]) == (False, "invalid_input")
