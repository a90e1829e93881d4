"""The shared documents in the database, without a server: the update log, compaction, the
contributions and the files written at the end (SQLite and PostgreSQL)."""

from __future__ import annotations

from pycrdt import Doc, Map, Text
from sqlalchemy import func, select

from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateSession, JoinSession
from jupyter_studysession.orm import CrdtContribution, CrdtUpdate
from jupyter_studysession.services.docs.documents import (
    new_document,
    notes_markdown,
    whiteboard_svg,
)
from jupyter_studysession.services.docs.store import (
    append_updates,
    compact_document,
    read_document,
)

ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")


async def active_session(services) -> str:
    session = await services.sessions.create_session(
        ALICE, CreateSession(title="Notes", invite=["bob"])
    )
    await services.participants.join_session(BOB, session.id, JoinSession())
    await services.sessions.start_session(ALICE, session.id)
    return session.id


def keystrokes(text: str, author_doc: Doc) -> list[bytes]:
    """One update per character typed into ``author_doc``'s notes, as an editor sends them."""
    updates: list[bytes] = []
    subscription = author_doc.observe(lambda event: updates.append(event.update))
    notes = author_doc.get("source", type=Text)
    for character in text:
        notes.insert(len(notes), character)
    author_doc.unobserve(subscription)
    return updates


async def test_compaction_should_keep_the_document_identical_and_much_smaller(ss_services):
    sid = await active_session(ss_services)
    typed = ("Eigenvalues of a symmetric matrix are real. " * 120)[:5000]
    alice_doc, bob_doc = Doc(), Doc()
    updates = [("alice", u) for u in keystrokes(typed[:4000], alice_doc)]
    updates += [("bob", u) for u in keystrokes(typed[4000:], bob_doc)]
    now = ss_services.clock.now()
    async with ss_services.store.transaction() as db:
        verdicts = await append_updates(db, sid, "notes", updates, now)
    assert all(v.allowed for v in verdicts.values())
    async with ss_services.store.read() as db:
        before = await read_document(db, sid, "notes")
    original = new_document("notes", *(u for *_, u in before.log))
    assert len(before.log) == 5000

    async with ss_services.store.transaction() as db:
        compacted = await compact_document(db, sid, "notes", now)
    async with ss_services.store.read() as db:
        after = await read_document(db, sid, "notes")
        remaining = await db.scalar(select(func.count()).select_from(CrdtUpdate))
        counts = {
            c.username: (c.inserted, c.updates) for c in await db.scalars(select(CrdtContribution))
        }
    reloaded = new_document("notes", after.snapshot)
    assert remaining == 0 and after.log == []
    assert notes_markdown(reloaded) == notes_markdown(original) == notes_markdown(compacted)
    assert sorted(notes_markdown(reloaded)) == sorted(typed)  # two writers, 5,000 characters
    # the same history, not only the text: neither has an update the other lacks
    assert reloaded.get_update(original.get_state()) == b"\x00\x00"
    assert original.get_update(reloaded.get_state()) == b"\x00\x00"
    assert len(after.snapshot) * 4 < before.size  # a fraction of one row per keystroke
    assert counts == {"alice": (4000, 4000), "bob": (1000, 1000)}


async def test_updates_after_a_compaction_should_load_on_top_of_the_snapshot(ss_services):
    sid = await active_session(ss_services)
    doc = Doc()
    first, second = keystrokes("ab", doc), keystrokes("cd", doc)
    now = ss_services.clock.now()
    async with ss_services.store.transaction() as db:
        await append_updates(db, sid, "notes", [("alice", u) for u in first], now)
    async with ss_services.store.transaction() as db:
        await compact_document(db, sid, "notes", now)
        await append_updates(db, sid, "notes", [("bob", u) for u in second], now)
    async with ss_services.store.read() as db:
        stored = await read_document(db, sid, "notes")
    assert len(stored.log) == 2
    assert notes_markdown(new_document("notes", stored.snapshot, *(u for *_, u in stored.log))) == (
        "abcd"
    )


async def test_only_joined_participants_of_an_open_session_should_have_updates_stored(
    ss_services,
):
    sid = await active_session(ss_services)
    update = keystrokes("x", Doc())[0]
    now = ss_services.clock.now()
    async with ss_services.store.transaction() as db:
        verdicts = await append_updates(
            db, sid, "notes", [("alice", update), ("carol", update)], now
        )
    assert verdicts["alice"].allowed and not verdicts["carol"].allowed
    await ss_services.sessions.end_session(ALICE, sid)
    async with ss_services.store.transaction() as db:
        verdicts = await append_updates(db, sid, "notes", [("alice", update)], now)
    assert verdicts["alice"].reason == "session_ended"


async def test_ending_a_session_should_export_the_notes_and_the_drawing(ss_services):
    sid = await active_session(ss_services)
    notes, board = Doc(), Doc()
    text_updates = keystrokes("# Plan\n- [x] 3.1", notes)
    shapes = board.get("shapes", type=Map)
    board_updates: list[bytes] = []
    board.observe(lambda event: board_updates.append(event.update))
    shapes["a"] = {"type": "ellipse", "points": [0, 0, 40, 20], "color": "#2ca02c", "z": 1}
    shapes["b"] = {"type": "text", "points": [5, 50], "text": "x < y & z", "z": 2}
    shapes["junk"] = {"type": "script", "points": [1, 2]}  # not a shape: not drawn
    now = ss_services.clock.now()
    async with ss_services.store.transaction() as db:
        await append_updates(db, sid, "notes", [("bob", u) for u in text_updates], now)
        await append_updates(db, sid, "whiteboard", [("alice", u) for u in board_updates], now)

    ended = await ss_services.sessions.end_session(ALICE, sid)
    assert ended.summary.notes_characters == len("# Plan\n- [x] 3.1")
    assert ended.summary.whiteboard_shapes == 2
    media_type, markdown = await ss_services.docs.export_file(BOB, sid, "notes.md")
    assert (media_type, markdown) == ("text/markdown", "# Plan\n- [x] 3.1")
    media_type, svg = await ss_services.docs.export_file(BOB, sid, "whiteboard.svg")
    assert media_type == "image/svg+xml"
    assert "<ellipse" in svg and "x &lt; y &amp; z" in svg and "script" not in svg
    assert svg == whiteboard_svg(new_document("whiteboard", *board_updates))
    async with ss_services.store.read() as db:
        counts = {
            (c.name, c.username): c.inserted for c in await db.scalars(select(CrdtContribution))
        }
    assert counts == {("notes", "bob"): 16, ("whiteboard", "alice"): 3}
