"""Group sessions: scheduled and "start now", one active session per group (also under a
race), and the group's last place kept at the end and offered next time."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from jupyter_studysession.exceptions import Conflict, NotAuthorized
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateGroup, JoinGroup, StartGroupSession
from jupyter_studysession.orm import StudySession
from jupyter_studysession.services.groups.access import admin_group, group_membership

ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")


async def test_scheduled_group_session_should_invite_every_member(ss_fetch, make_group):
    group = await make_group()
    reply = await ss_fetch(
        "bob",
        f"groups/{group}/sessions",
        method="POST",
        body={"title": "Chapter 2", "scheduled_at": "2030-01-01T10:00:00Z"},
    )
    assert reply.status == 201, reply.body
    session = reply.body
    assert (session["group_id"], session["status"], session["host"]["username"]) == (
        group,
        "scheduled",
        "bob",
    )
    assert session["max_participants"] == 20  # the group's capacity
    people = (await ss_fetch("bob", f"sessions/{session['id']}/participants")).body["items"]
    assert sorted((p["user"]["username"], p["state"]) for p in people) == [
        ("alice", "invited"),
        ("bob", "joined"),
    ]
    listed = (await ss_fetch("alice", f"groups/{group}/sessions")).body["items"]
    assert [s["id"] for s in listed] == [session["id"]]


async def test_start_now_should_allow_one_active_session_per_group(ss_fetch, make_group):
    group = await make_group()
    first = await ss_fetch("bob", f"groups/{group}/sessions/now", method="POST")
    assert first.status == 201, first.body
    assert (first.body["status"], first.body["host"]["username"]) == ("active", "bob")
    assert first.body["title"] == "Linear algebra"
    second = await ss_fetch("alice", f"groups/{group}/sessions/now", method="POST")
    assert (second.status, second.body["reason"]) == (409, "group_session_active")
    described = (await ss_fetch("alice", f"groups/{group}")).body
    assert described["active_session_id"] == first.body["id"]
    # a scheduled session of the group cannot start while another one is active
    planned = await ss_fetch(
        "alice", f"groups/{group}/sessions", method="POST", body={"title": "p"}
    )
    start = await ss_fetch("alice", f"sessions/{planned.body['id']}/start", method="POST")
    assert (start.status, start.body["reason"]) == (409, "group_session_active")
    ended = await ss_fetch("bob", f"sessions/{first.body['id']}/end", method="POST")
    assert ended.status == 200, ended.body
    start = await ss_fetch("alice", f"sessions/{planned.body['id']}/start", method="POST")
    assert start.status == 200, start.body


async def test_two_start_now_at_once_over_rest_should_start_one_session(ss_fetch, make_group):
    group = await make_group()
    replies = await asyncio.gather(
        *[
            ss_fetch(user, f"groups/{group}/sessions/now", method="POST")
            for user in ("alice", "bob")
        ]
    )
    assert sorted(r.status for r in replies) == [201, 409]
    sessions = (await ss_fetch("alice", f"groups/{group}/sessions")).body["items"]
    assert [s["status"] for s in sessions] == ["active"]


async def test_concurrent_start_now_in_the_manager_should_let_exactly_one_win(ss_services):
    groups = ss_services.groups
    group = await groups.create_group(ALICE, CreateGroup(name="Race", is_public=True))
    await groups.join_group(BOB, group.id, JoinGroup())
    for _ in range(3):
        results = await asyncio.gather(
            *[
                ss_services.group_sessions.start_group_session(who, group.id, StartGroupSession())
                for who in (ALICE, BOB, ALICE, BOB)
            ],
            return_exceptions=True,
        )
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1, results
        assert all(isinstance(e, Conflict) and e.reason == "group_session_active" for e in lost)
        await ss_services.sessions.end_session(
            Identity(won[0].host.username, won[0].host.display_name), won[0].id
        )


async def test_a_start_now_that_waited_for_the_removal_of_its_member_should_be_refused(
    ss_services,
):
    """Start now checks the membership, then waits for the group's lock while an admin
    removes the member; once it gets the lock it must see the member gone."""
    groups = ss_services.groups
    group = await groups.create_group(ALICE, CreateGroup(name="Race", is_public=True))
    await groups.join_group(BOB, group.id, JoinGroup())
    async with ss_services.store.transaction() as db:
        await admin_group(db, group.id, ALICE)  # what remove_member locks
        start = asyncio.create_task(
            ss_services.group_sessions.start_group_session(BOB, group.id, StartGroupSession())
        )
        await asyncio.sleep(0.5)  # the start checks the membership and waits for the lock
        await db.delete(await group_membership(db, group.id, BOB.username))
    with pytest.raises(NotAuthorized) as refused:
        await start
    assert refused.value.reason == "not_member"
    async with ss_services.store.read() as db:
        started = await db.scalar(select(func.count()).where(StudySession.group_id == group.id))
    assert started == 0


async def test_last_place_should_be_kept_at_the_end_and_offered_next_time(
    ss_fetch, ss_ws, make_group
):
    group = await make_group()
    bob = await ss_ws("bob")
    await bob.op("subscribe", channel=f"group:{group}")
    place = {"notebook_path": "la/ch1.ipynb", "section": "Eigenvalues", "cell": 12}
    reply = await ss_fetch("bob", f"groups/{group}/last-place", method="PUT", body=place)
    assert reply.status == 200, reply.body
    assert {k: reply.body["last_place"][k] for k in place} == place
    assert reply.body["last_place"]["set_by"] == "bob"
    assert (await bob.event(type="group.last_place"))["data"]["group"]["last_place"]["cell"] == 12
    started = (await ss_fetch("alice", f"groups/{group}/sessions/now", method="POST")).body
    assert started["settings"]["starting_point"] == place
    assert (await bob.event(type="group.session_started"))["data"]["session"]["id"] == started["id"]
    # set during the session, then kept when the session ends without a place
    during = {"notebook_path": "la/ch2.ipynb", "section": "Bases", "cell": "cell-7f"}
    await ss_fetch("alice", f"groups/{group}/last-place", method="PUT", body=during)
    await ss_fetch("alice", f"sessions/{started['id']}/end", method="POST")
    kept = (await ss_fetch("bob", f"groups/{group}")).body["last_place"]
    assert {k: kept[k] for k in during} == during and kept["session_id"] == started["id"]
    ended = await bob.event(type="group.session_ended")
    assert ended["data"]["session"]["status"] == "completed"
    # the end of the next session carries where it stopped
    second = (await ss_fetch("bob", f"groups/{group}/sessions/now", method="POST")).body
    assert second["settings"]["starting_point"] == during
    stop = {"notebook_path": "la/ch3.ipynb", "section": None, "cell": 0}
    ended = await ss_fetch(
        "bob", f"sessions/{second['id']}/end", method="POST", body={"last_place": stop}
    )
    assert ended.status == 200, ended.body
    group_now = (await ss_fetch("alice", f"groups/{group}")).body
    assert {k: group_now["last_place"][k] for k in stop} == stop
    assert group_now["active_session_id"] is None
    third = await ss_fetch("alice", f"groups/{group}/sessions", method="POST", body={"title": "t"})
    assert third.body["settings"]["starting_point"] == stop
    bad = await ss_fetch("bob", f"groups/{group}/last-place", method="PUT", body={"cell": 1})
    assert bad.status == 400


async def test_deleting_a_group_should_keep_its_sessions(ss_fetch, make_group):
    group = await make_group()
    session = (await ss_fetch("alice", f"groups/{group}/sessions/now", method="POST")).body
    await ss_fetch("alice", f"groups/{group}/messages", method="POST", body={"text": "bye"})
    assert (await ss_fetch("alice", f"groups/{group}", method="DELETE")).status == 200
    kept = await ss_fetch("alice", f"sessions/{session['id']}")
    assert (kept.status, kept.body["group_id"]) == (200, None)
    assert (await ss_fetch("alice", f"sessions/{session['id']}/end", method="POST")).status == 200
