"""The REST side of the shared documents, role by role, and membership changes reaching open
connections (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from jupyter_studysession.services.docs.protocol import CloseCode


async def test_each_role_should_append_to_the_notes_exactly_as_allowed(
    ss_fetch, make_room, room_users, ss_doc
):
    room = await make_room()
    carol = await ss_doc("carol", room, "notes")
    await carol.synced.wait()
    # host, co-host, participant append; invited, outsider, instructor (not joined) cannot
    expected = [200, 200, 200, 403, 404, 409]
    statuses = []
    for user in room_users.values():
        reply = await ss_fetch(
            user, f"sessions/{room}/docs/notes/append", method="POST", body={"text": f"{user}\n"}
        )
        statuses.append(reply.status)
    assert statuses == expected
    assert reply.body["reason"] == "not_joined"
    notes = "alice\nbob\ncarol\n"
    await carol.wait_for(lambda: str(carol.text) == notes)  # live, to every open editor
    assert (await ss_fetch("prof", f"sessions/{room}/docs/notes.md")).body == notes
    empty = await ss_fetch("carol", f"sessions/{room}/docs/notes/append", method="POST", body={})
    assert (empty.status, empty.body["reason"]) == (400, "invalid_input")


async def test_only_the_host_or_a_co_host_should_clear_the_whiteboard(ss_fetch, make_room, ss_doc):
    room = await make_room()
    carol = await ss_doc("carol", room, "whiteboard")
    await carol.synced.wait()
    for n in range(3):
        carol.shapes[f"s{n}"] = {"type": "line", "points": [0, 0, n, n], "z": n}
    await asyncio.sleep(0.2)
    refused = await ss_fetch("carol", f"sessions/{room}/docs/whiteboard/clear", method="POST")
    assert (refused.status, refused.body["reason"]) == (403, "not_host")
    cleared = await ss_fetch("bob", f"sessions/{room}/docs/whiteboard/clear", method="POST")
    assert cleared.status == 200, cleared.body
    assert cleared.body["removed"] == 3
    await carol.wait_for(lambda: len(carol.shapes) == 0)


async def test_exports_should_be_readable_by_participants_and_staff_only(
    ss_fetch, make_room, room_users
):
    room = await make_room()
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    statuses = [
        (await ss_fetch(user, f"sessions/{room}/docs/whiteboard.svg")).status
        for user in [*room_users.values(), "tina", None]
    ]
    # host, co-host, participant, invited, outsider, instructor, TA, anonymous
    assert statuses == [200, 200, 200, 403, 404, 200, 200, 403]
    svg = await ss_fetch("carol", f"sessions/{room}/docs/whiteboard.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.headers["Content-Disposition"] == 'attachment; filename="whiteboard.svg"'
    assert svg.body.startswith("<svg")
    history = await ss_fetch("carol", f"sessions/{room}")
    assert history.body["summary"]["notes_characters"] == 0


async def test_a_removed_participant_should_be_disconnected_and_one_who_left_should_read_only(
    ss_fetch, make_room, ss_doc
):
    room = await make_room()
    bob = await ss_doc("bob", room, "notes")
    carol = await ss_doc("carol", room, "notes")
    await asyncio.gather(bob.synced.wait(), carol.synced.wait())
    assert (await ss_fetch("bob", f"sessions/{room}/leave", method="POST")).status == 200
    removed = await ss_fetch(
        "alice", f"sessions/{room}/participants/carol", method="PATCH", body={"state": "removed"}
    )
    assert removed.status == 200, removed.body
    # no polling: the membership change revokes access on every replica at once
    code, reason = await carol.wait_closed()
    assert code == CloseCode.FORBIDDEN and reason.startswith("forbidden")
    await bob.wait_for(lambda: bob.denied)
    assert bob.denied == ["not_joined: " + bob.denied[0].split(": ", 1)[1]]
    bob.text += "after leaving"
    await asyncio.sleep(0.2)
    assert not (await ss_fetch("alice", f"sessions/{room}/docs/notes.md")).body


async def test_revoke_should_close_every_connection_of_the_user_at_once(make_room, ss_doc, docs):
    room = await make_room()
    notes, board = await ss_doc("carol", room, "notes"), await ss_doc("carol", room, "whiteboard")
    alice = await ss_doc("alice", room, "notes")
    await asyncio.gather(notes.synced.wait(), board.synced.wait(), alice.synced.wait())
    assert await docs.revoke(room, "carol") == 2
    for peer in (notes, board):
        assert (await peer.wait_closed())[0] == CloseCode.FORBIDDEN
    alice.text += "still here"
    await asyncio.sleep(0.1)
    assert alice.close_code is None
