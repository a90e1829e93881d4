"""Progress and coverage: the leader's places are recorded, and the end of the session stores
what it covered (summary, History, a group's last place), with the server's clock moved by
hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from jupyter_studysession.orm import PlaceRecord
from jupyter_studysession.services.follow.coverage import Visit, compute_coverage

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def visit(minute: float, index: int, section: str | None, rank: int | None) -> Visit:
    return Visit(T0 + timedelta(minutes=minute), "a.ipynb", index, f"c{index}", section, rank)


def test_coverage_should_span_the_first_to_the_furthest_cell_with_time_per_section():
    visits = [
        visit(0, 3, "Eigenvalues", 2),
        visit(5, 6, "Eigenvalues", 2),
        visit(12, 14, "Diagonalisation", 3),
        visit(20, 9, "Eigenvalues", 2),  # back to look at something
    ]
    coverage = compute_coverage(visits, T0 + timedelta(minutes=30))
    assert coverage.text == "Covered: §2 Eigenvalues (cell 4) → §3 Diagonalisation (cell 15)"
    assert (coverage.first.cell_id, coverage.furthest.cell_id) == ("c3", "c14")
    assert (coverage.ending.cell_index, coverage.ending.section) == (9, "Eigenvalues")
    assert [(s.section, s.seconds, s.first_cell, s.furthest_cell) for s in coverage.sections] == [
        ("Eigenvalues", (12 + 10) * 60, 3, 9),
        ("Diagonalisation", 8 * 60, 14, 14),
    ]


def test_coverage_of_one_place_and_of_cells_outside_any_heading():
    assert compute_coverage([], T0) is None
    one = compute_coverage([visit(0, 0, None, None)], T0 + timedelta(minutes=1))
    assert one.text == "Covered: cell 1"
    assert one.sections[0].seconds == 60


def test_coverage_should_count_the_notebook_the_session_ended_in():
    moved = Visit(T0 + timedelta(minutes=3), "b.ipynb", 2, "x", "Two", 1)
    coverage = compute_coverage([visit(0, 7, "One", 1), moved], T0 + timedelta(minutes=4))
    assert (coverage.notebook_path, coverage.text) == ("b.ipynb", "Covered: §1 Two (cell 3)")


async def walk(ws, room, epoch, places, clock, steps):
    """The leader moves: ``steps`` are (minutes after the previous place, cell index)."""
    for minutes, index in steps:
        clock.advance(minutes=minutes)
        ack = await ws.op("nav.place", session_id=room, epoch=epoch, **places[index])
        assert ack["ok"], ack


async def test_ending_should_store_what_the_leader_walked_through(
    ss_fetch, ss_clock, study_room, follow_tab, lead, places
):
    room = await study_room()
    alice, carol = await follow_tab("alice", room), await follow_tab("carol", room)
    epoch = await lead(alice, room)
    # §1 cell 1 (2 min), §2 cell 5 (10 min), §3 cell 12 (5 min), back to §2 for 3 min
    await walk(alice, room, epoch, places, ss_clock, [(0, 0), (2, 4), (10, 11)])
    ss_clock.advance(minutes=5)
    ack = await alice.op("nav.place", session_id=room, epoch=epoch, **places[6])  # back to §2
    assert ack["ok"]
    ss_clock.advance(minutes=3)

    ended = await ss_fetch("alice", f"sessions/{room}/end", method="POST")
    assert ended.status == 200, ended.body
    coverage = ended.body["summary"]["coverage"]
    assert coverage["text"] == "Covered: §1 Introduction (cell 1) → §3 Diagonalisation (cell 12)"
    assert [(s["section"], s["seconds"]) for s in coverage["sections"]] == [
        ("Introduction", 120),
        ("Eigenvalues", 600 + 180),
        ("Diagonalisation", 300),
    ]
    assert coverage["ending"]["cell_id"] == places[6]["cell_id"]
    done = await carol.event(type="follow.ended")
    assert done["data"]["coverage"] == coverage

    history = (await ss_fetch("carol", "sessions/history")).body["items"]
    assert history[0]["summary"]["coverage"]["text"] == coverage["text"]
    state = (await ss_fetch("alice", f"sessions/{room}/follow")).body
    assert (state["leader"], state["can_lead"]) == (None, False)
    late = await alice.op("nav.place", session_id=room, epoch=epoch, **places[10])
    assert late["error"]["code"] == "session_not_active"


async def test_places_should_be_written_as_they_come_not_only_at_the_end(
    ss_app, study_room, follow_tab, lead, places
):
    room = await study_room()
    alice = await follow_tab("alice", room)
    epoch = await lead(alice, room)
    for index in (0, 0, 1, 2):  # the same cell twice is one record
        assert (await alice.op("nav.place", session_id=room, epoch=epoch, **places[index]))["ok"]
    services = ss_app.services
    await services.follow.relay.flush(room)
    async with services.store.read() as db:
        rows = list(await db.scalars(select(PlaceRecord).where(PlaceRecord.session_id == room)))
    assert [(r.cell_id, r.username) for r in rows] == [
        ("h1", "alice"),
        ("c1-0", "alice"),
        ("c1-1", "alice"),
    ]


async def test_a_group_session_should_leave_the_group_at_its_ending_place(
    ss_fetch, ss_clock, follow_tab, lead, places
):
    gid = (await ss_fetch("alice", "groups", method="POST", body={"name": "Algebra"})).body["id"]
    body = {"notebook_path": "algebra/lesson.ipynb", "group_id": gid}
    room = (await ss_fetch("alice", "notebook-sessions", method="POST", body=body)).body["id"]
    alice = await follow_tab("alice", room)
    epoch = await lead(alice, room)
    await walk(alice, room, epoch, places, ss_clock, [(0, 3), (4, 7)])
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    group = (await ss_fetch("alice", f"groups/{gid}")).body
    assert {
        k: group["last_place"][k] for k in ("notebook_path", "section", "cell", "session_id")
    } == {
        "notebook_path": "algebra/lesson.ipynb",
        "section": "Eigenvalues",
        "cell": places[7]["cell_id"],
        "session_id": room,
    }
    # the group's next session starts there
    again = await ss_fetch("alice", f"groups/{gid}/sessions/now", method="POST")
    assert again.body["settings"]["starting_point"]["cell"] == places[7]["cell_id"]


async def test_a_session_that_followed_nothing_should_have_no_coverage(ss_fetch, make_room):
    room = await make_room()
    ended = await ss_fetch("alice", f"sessions/{room}/end", method="POST")
    assert ended.body["summary"]["coverage"] is None
