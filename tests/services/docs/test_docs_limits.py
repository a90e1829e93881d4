"""Limits and bad input on the shared documents, through a real server: a peer over a limit
or sending garbage is closed with a reason; the other peers and the stored document are
untouched (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from pycrdt import Doc, Text, create_update_message

from jupyter_studysession.services.docs.protocol import CloseCode


async def two_peers(ss_doc, room: str):
    alice = await ss_doc("alice", room, "notes")
    carol = await ss_doc("carol", room, "notes")
    await asyncio.gather(alice.synced.wait(), carol.synced.wait())
    alice.text += "Kept"
    await carol.wait_for(lambda: str(carol.text) == "Kept")
    return alice, carol


async def notes_md(ss_fetch, room: str) -> str:
    reply = await ss_fetch("alice", f"sessions/{room}/docs/notes.md")
    assert reply.status == 200, reply.body
    return reply.body


async def test_malformed_messages_should_close_only_their_sender(ss_doc, make_room, ss_fetch):
    room = await make_room()
    alice, carol = await two_peers(ss_doc, room)
    for garbage in (
        b"\x00\x02\x05\x01\x02",  # an update message whose update is cut short
        b"\x00\x02\x03\xff\xff\xff",  # an "update" that pycrdt cannot decode
        b"\x07\x00",  # an unknown message type
        b"\x01\x0a{\xff",  # an awareness message with a bad length
    ):
        mallory = await ss_doc("bob", room, "notes")
        await mallory.synced.wait()
        mallory.send_raw(garbage)
        code, reason = await mallory.wait_closed()
        assert code == CloseCode.MALFORMED, (garbage, reason)
        assert reason.startswith("malformed")
    alice.text += "!"
    await carol.wait_for(lambda: str(carol.text) == "Kept!")
    assert await notes_md(ss_fetch, room) == "Kept!"


async def test_an_oversized_update_should_be_refused_and_the_document_kept(
    ss_doc, make_room, ss_fetch, docs
):
    room = await make_room()
    alice, carol = await two_peers(ss_doc, room)
    big = Doc()
    big.get("source", type=Text).insert(0, "x" * (docs.limits.max_update_bytes + 10))
    carol.send_raw(create_update_message(big.get_update()))
    code, reason = await carol.wait_closed()
    assert code == CloseCode.TOO_LARGE and reason.startswith("too_large")
    assert await notes_md(ss_fetch, room) == "Kept"
    assert str(alice.text) == "Kept"


async def test_a_document_should_not_grow_past_its_size_limit(ss_doc, make_room, ss_fetch, docs):
    room = await make_room()
    alice, carol = await two_peers(ss_doc, room)
    chunk = "y" * (docs.limits.max_update_bytes // 2)
    for _ in range(docs.limits.max_document_bytes // len(chunk) + 1):
        carol.text += chunk
    code, reason = await carol.wait_closed()
    assert code == CloseCode.TOO_LARGE and "document" in reason
    await (await docs.room(room, "notes")).idle()
    stored = await notes_md(ss_fetch, room)
    assert stored.startswith("Kept") and len(stored) < docs.limits.max_document_bytes
    await alice.wait_for(lambda: str(alice.text) == stored)


async def test_a_user_over_the_update_rate_should_be_closed_and_lose_nothing(
    ss_doc, make_room, ss_fetch, ss_clock
):
    room = await make_room()
    alice, carol = await two_peers(ss_doc, room)
    for n in range(250):  # over 200/minute; the server's clock is frozen in tests
        carol.text += str(n % 10)
    code, reason = await carol.wait_closed()
    assert code == CloseCode.TRY_AGAIN_LATER and reason.startswith("rate_limited")
    stored = await notes_md(ss_fetch, room)
    assert stored.startswith("Kept") and len(stored) < 4 + 250
    # what was not stored is still in carol's document: the sync on reconnecting sends it
    ss_clock.advance(minutes=1)
    again = await ss_doc("carol", room, "notes")
    again.doc.apply_update(carol.doc.get_update())
    await alice.wait_for(lambda: str(alice.text) == str(carol.text))


async def test_a_forged_awareness_flood_should_be_closed(ss_doc, make_room):
    room = await make_room()
    _, carol = await two_peers(ss_doc, room)
    carol.set_awareness({"cursor": "x" * 20_000})
    code, _ = await carol.wait_closed()
    assert code == CloseCode.TOO_LARGE
