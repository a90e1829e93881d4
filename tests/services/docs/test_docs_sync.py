"""Shared notes and whiteboard through a real server, with pycrdt peers speaking the
y-websocket protocol: sync, who may do what, awareness identity (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_studysession.services.docs.protocol import CloseCode


async def test_two_participants_should_converge_on_concurrent_edits(ss_doc, make_room, ss_fetch):
    room = await make_room()
    alice = await ss_doc("alice", room, "notes")
    carol = await ss_doc("carol", room, "notes")
    await asyncio.gather(alice.synced.wait(), carol.synced.wait())

    alice.text += "# Eigenvalues\n"
    carol.text += "Ask about diagonalisation\n"  # at the same time, from the same empty text
    await alice.wait_for(lambda: "diagonalisation" in str(alice.text))
    await carol.wait_for(lambda: "Eigenvalues" in str(carol.text))
    assert str(alice.text) == str(carol.text)

    # a peer that arrives later gets the stored document
    bob = await ss_doc("bob", room, "notes")
    await bob.wait_for(lambda: str(bob.text) == str(alice.text))
    live = await ss_fetch("carol", f"sessions/{room}/docs/notes.md")
    assert live.status == 200
    assert live.body == str(alice.text)
    assert live.headers["Content-Type"].startswith("text/markdown")


async def test_a_drawing_should_reach_the_other_participants(ss_doc, make_room, ss_fetch):
    room = await make_room()
    alice = await ss_doc("alice", room, "whiteboard")
    carol = await ss_doc("carol", room, "whiteboard")
    await asyncio.gather(alice.synced.wait(), carol.synced.wait())
    alice.shapes["s1"] = {
        "type": "rect",
        "points": [10, 10, 110, 60],
        "color": "#1f77b4",
        "width": 3,
        "z": 1,
        "author": "alice",
    }
    await carol.wait_for(lambda: "s1" in carol.shapes)
    assert carol.shapes["s1"]["type"] == "rect"
    svg = await ss_fetch("carol", f"sessions/{room}/docs/whiteboard.svg")
    assert svg.status == 200
    assert '<rect x="10" y="10" width="100" height="50" fill="none" stroke="#1f77b4"' in svg.body


async def test_outsiders_and_invitees_should_be_refused_before_any_document_byte(
    ss_doc, make_room, jp_ws_fetch
):
    room = await make_room()
    for user, code in (("erin", CloseCode.NOT_FOUND), ("dave", CloseCode.FORBIDDEN)):
        peer = await ss_doc(user, room, "notes")
        closed, reason = await peer.wait_closed()
        assert closed == code, (user, reason)
        assert not peer.synced.is_set() and not peer.awareness and not peer.denied
    unknown = await ss_doc("alice", room, "diary")
    assert (await unknown.wait_closed())[0] == CloseCode.NOT_FOUND
    with pytest.raises(HTTPClientError) as anonymous:  # no login: no upgrade at all
        await jp_ws_fetch(
            "studysession", "api", "sessions", room, "docs", "notes", headers={"Authorization": ""}
        )
    assert anonymous.value.code == 403


async def test_staff_should_read_the_notes_but_their_edits_should_not_be_stored(
    ss_doc, make_room, ss_fetch
):
    room = await make_room()
    alice = await ss_doc("alice", room, "notes")
    alice.text += "Lemma 2"
    tina = await ss_doc("tina", room, "notes")  # a TA who did not join
    await tina.wait_for(lambda: str(tina.text) == "Lemma 2")

    tina.text += " is false"
    tina.text += "!"
    await tina.wait_for(lambda: tina.denied)
    await asyncio.sleep(0.2)
    assert len(tina.denied) == 1  # told once, not once per update
    assert tina.denied[0].startswith("not_joined:")
    assert str(alice.text) == "Lemma 2"
    assert (await ss_fetch("alice", f"sessions/{room}/docs/notes.md")).body == "Lemma 2"


async def test_after_the_end_no_one_should_change_the_documents(ss_doc, make_room, ss_fetch):
    room = await make_room()
    carol = await ss_doc("carol", room, "notes")
    carol.text += "Before the end"
    await carol.wait_for(lambda: carol.synced.is_set())
    await asyncio.sleep(0.1)
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200

    carol.text += ", and after"
    await carol.wait_for(lambda: carol.denied)
    assert carol.denied[0].startswith("session_ended:")
    again = await ss_doc("carol", room, "notes")
    await again.wait_for(lambda: str(again.text) == "Before the end")
    assert again.denied and again.denied[0].startswith("session_ended:")
    again.text += "!"
    await asyncio.sleep(0.2)
    assert len(again.denied) == 1
    exported = await ss_fetch("carol", f"sessions/{room}/docs/notes.md")
    assert exported.body == "Before the end"


async def test_awareness_should_carry_the_server_verified_identity(ss_doc, make_room):
    room = await make_room()
    alice = await ss_doc("alice", room, "notes")
    carol = await ss_doc("carol", room, "notes")
    await asyncio.gather(alice.synced.wait(), carol.synced.wait())

    carol.set_awareness({"user": {"name": "Alice", "username": "alice"}, "cursor": 3})
    await alice.wait_for(lambda: carol.doc.client_id in alice.awareness)
    state = alice.awareness[carol.doc.client_id]
    assert state["user"]["username"] == "carol"
    assert state["user"]["name"] == "Carol"  # her display name, from the server
    assert state["cursor"] == 3

    # nor can carol speak for alice's client
    alice.set_awareness({"cursor": 1})
    await carol.wait_for(lambda: alice.doc.client_id in carol.awareness)
    carol.set_awareness({"cursor": 99}, client_id=alice.doc.client_id)
    carol.set_awareness(None, client_id=alice.doc.client_id)
    await asyncio.sleep(0.2)
    assert alice.doc.client_id in carol.awareness
    assert carol.awareness[alice.doc.client_id]["cursor"] == 1

    carol.close()  # her cursor disappears for the others
    await alice.wait_for(lambda: carol.doc.client_id not in alice.awareness)
