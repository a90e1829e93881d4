"""A session's study notebook through a real server: choosing it (checked against the
server's contents), moving along with a rename, a delete announced; "Study this notebook
together"."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("../outside.ipynb", 400, "invalid_path"),
        ("algebra/../../outside.ipynb", 400, "invalid_path"),
        ("/", 400, "invalid_path"),
        ("missing.ipynb", 404, "notebook_not_found"),
        ("notes.txt", 400, "not_a_notebook"),
        ("algebra", 400, "not_a_notebook"),
        ("", 400, "invalid_input"),
    ],
)
async def test_a_study_notebook_should_be_a_notebook_inside_the_servers_root(
    ss_fetch, make_room, places, jp_root_dir, path, status, reason
):
    (jp_root_dir / "notes.txt").write_text("not a notebook")
    room = await make_room()
    reply = await ss_fetch("alice", f"sessions/{room}/notebook", method="PUT", body={"path": path})
    assert (reply.status, reply.body["reason"]) == (status, reason)
    assert reply.body["message"]


async def test_the_host_and_co_hosts_should_choose_the_study_notebook(
    ss_fetch, make_room, places, room_users, follow_tab
):
    room = await make_room()
    carol = await follow_tab("carol", room)
    got = {}
    for role, user in room_users.items():
        body = {"path": "/algebra/lesson.ipynb"}
        reply = await ss_fetch(user, f"sessions/{room}/notebook", method="PUT", body=body)
        got[role] = reply.status
    assert got == {
        "host": 200,
        "co_host": 200,
        "participant": 403,
        "invited": 403,
        "outsider": 404,
        "instructor": 403,
    }
    state = (await ss_fetch("carol", f"sessions/{room}/follow")).body
    assert state["notebook"]["path"] == "algebra/lesson.ipynb"
    assert (state["notebook"]["exists"], state["notebook"]["set_by"]) == (True, "bob")
    event = await carol.event(type="follow.notebook")
    assert event["seq"] is not None  # durable: replayed to a tab that reconnects
    assert event["data"]["notebook"]["path"] == "algebra/lesson.ipynb"


async def test_another_server_is_not_supported_yet(ss_fetch, study_room):
    room = await study_room()
    body = {"path": "algebra/lesson.ipynb", "server": "bob"}
    reply = await ss_fetch("alice", f"sessions/{room}/notebook", method="PUT", body=body)
    assert (reply.status, reply.body["reason"]) == (400, "server_not_supported")


async def test_renaming_the_notebook_on_the_server_should_move_the_study_notebook(
    ss_fetch, study_room, follow_tab, jp_fetch, eventually
):
    room = await study_room()
    carol = await follow_tab("carol", room)
    await jp_fetch(
        "api",
        "contents",
        "algebra",
        "lesson.ipynb",
        method="PATCH",
        body='{"path": "algebra/lesson-1.ipynb"}',
        headers={"Authorization": "token token-alice"},
    )
    moved = await carol.event(type="follow.notebook")
    assert moved["data"]["notebook"]["path"] == "algebra/lesson-1.ipynb"

    async def follow():
        return (await ss_fetch("carol", f"sessions/{room}/follow")).body

    assert (await follow())["notebook"] == {**moved["data"]["notebook"], "exists": True}


async def test_deleting_the_notebook_should_tell_the_room_and_stop_new_leads(
    ss_fetch, study_room, follow_tab, jp_fetch
):
    room = await study_room()
    alice, carol = await follow_tab("alice", room), await follow_tab("carol", room)
    await jp_fetch(
        "api",
        "contents",
        "algebra",
        "lesson.ipynb",
        method="DELETE",
        headers={"Authorization": "token token-alice"},
    )
    gone = await carol.event(type="follow.notebook")
    assert (gone["data"]["notebook"]["path"], gone["data"]["notebook"]["exists"]) == (
        "algebra/lesson.ipynb",
        False,
    )
    state = (await ss_fetch("carol", f"sessions/{room}/follow")).body
    assert state["notebook"]["exists"] is False
    refused = await alice.op("nav.lead", session_id=room)
    assert refused["error"]["code"] == "notebook_missing"


async def test_study_this_notebook_together_should_start_a_session_led_by_its_host(
    ss_fetch, places, ss_ws
):
    bob = await ss_ws("bob")
    assert (await bob.op("subscribe", channel="user:bob"))["ok"]
    body = {"notebook_path": "algebra/lesson.ipynb", "invite": ["bob", "carol"]}
    reply = await ss_fetch("alice", "notebook-sessions", method="POST", body=body)
    assert reply.status == 201, reply.body
    session = reply.body
    assert (session["status"], session["title"], session["my_role"]) == ("active", "lesson", "host")
    assert session["settings"]["starting_point"]["notebook_path"] == "algebra/lesson.ipynb"

    invite = await bob.event(type="notification")
    notification = invite["data"]
    assert notification["kind"] == "study_invite"
    assert notification["data"] == {
        "session_id": session["id"],
        "notebook_path": "algebra/lesson.ipynb",
    }
    # one click: join, and the room studies the notebook with alice leading
    assert (await ss_fetch("bob", f"sessions/{session['id']}/join", method="POST")).status == 200
    state = (await ss_fetch("bob", f"sessions/{session['id']}/follow")).body
    assert (state["leader"]["username"], state["notebook"]["path"]) == (
        "alice",
        "algebra/lesson.ipynb",
    )


async def test_study_this_notebook_together_should_refuse_a_missing_notebook(ss_fetch, places):
    body = {"notebook_path": "algebra/nothing.ipynb", "invite": ["bob"]}
    reply = await ss_fetch("alice", "notebook-sessions", method="POST", body=body)
    assert (reply.status, reply.body["reason"]) == (404, "notebook_not_found")
    mine = (await ss_fetch("alice", "sessions")).body["items"]
    assert mine == []


async def test_a_groups_study_session_should_start_from_the_notebook_and_invite_the_group(
    ss_fetch, places
):
    body = {"name": "Algebra", "invite": ["bob"]}
    gid = (await ss_fetch("alice", "groups", method="POST", body=body)).body["id"]
    assert (await ss_fetch("bob", f"groups/{gid}/join", method="POST")).status == 200
    body = {"notebook_path": "algebra/lesson.ipynb", "group_id": gid}
    reply = await ss_fetch("alice", "notebook-sessions", method="POST", body=body)
    assert reply.status == 201, reply.body
    assert reply.body["group_id"] == gid
    state = (await ss_fetch("alice", f"sessions/{reply.body['id']}/follow")).body
    assert state["notebook"]["path"] == "algebra/lesson.ipynb"
    assert (state["leader"], state["can_lead"]) == (None, True)
