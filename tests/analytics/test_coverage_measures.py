"""Section coverage of study notebooks: time per section and who was present. Hand-made
cases."""

from __future__ import annotations

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas


def place(at, session_id, index, section, rank, notebook="la.ipynb"):
    return {
        "session_id": session_id,
        "username": "alice",
        "at": at,
        "notebook_path": notebook,
        "cell_id": f"c{index}",
        "cell_index": index,
        "section": section,
        "section_index": rank,
    }


def stay(at, session_id, username, joined, left):
    return {
        "session_id": session_id,
        "username": username,
        "joined_at": at(joined),
        "left_at": left and at(left),
    }


def test_section_coverage_counts_time_per_section_and_who_was_there(frame, at, session_row):
    sessions = frame(schemas.SESSIONS, session_row("s1", "10:00", "11:00"))
    places = frame(
        schemas.PLACES,
        place(at("10:00"), "s1", 0, "Intro", 1),
        place(at("10:10"), "s1", 4, "Eigenvalues", 2),
        place(at("10:30"), "s1", 9, "Eigenvalues", 2),
        place(at("10:40"), "s1", 2, "Intro", 1),
    )
    intervals = frame(
        schemas.INTERVALS,
        stay(at, "s1", "alice", "10:00", "11:00"),
        stay(at, "s1", "bob", "10:00", "10:05"),  # only in the introduction
        stay(at, "s1", "carol", "10:20", "10:35"),  # only in §2
    )
    coverage = measures.section_coverage(places, sessions, intervals)
    rows = coverage[["section", "minutes", "first_cell", "furthest_cell", "present"]]
    assert rows.values.tolist() == [["Intro", 10.0 + 20.0, 0, 2, 2], ["Eigenvalues", 30.0, 4, 9, 2]]


def test_sections_studied_counts_sessions_and_distinct_people(frame, at, session_row):
    sessions = frame(
        schemas.SESSIONS,
        session_row("s1", "10:00", "10:30"),
        session_row("s2", "14:00", "14:20"),
        session_row("running", "15:00", None),
    )
    places = frame(
        schemas.PLACES,
        place(at("10:00"), "s1", 0, "Intro", 1),
        place(at("14:00"), "s2", 0, "Intro", 1),
        place(at("14:10"), "s2", 5, "Eigenvalues", 2),
        place(at("15:00"), "running", 0, "Intro", 1),  # counts no time yet
    )
    intervals = frame(
        schemas.INTERVALS,
        stay(at, "s1", "bob", "10:00", "10:30"),
        stay(at, "s2", "bob", "14:00", "14:20"),
        stay(at, "s2", "carol", "14:15", None),  # still there: until the section's end
    )
    studied = measures.sections_studied(places, sessions, intervals)
    assert studied[["section", "sessions", "people", "minutes"]].values.tolist() == [
        ["Intro", 3, 1, 30.0 + 10.0],
        ["Eigenvalues", 1, 2, 10.0],
    ]


def test_no_places_give_empty_frames_with_their_columns(frame, session_row):
    sessions = frame(schemas.SESSIONS, session_row("s1", "10:00", "11:00"))
    empty = frame(schemas.PLACES)
    none = frame(schemas.INTERVALS)
    assert measures.section_coverage(empty, sessions, none).columns.tolist() == (
        measures.SECTION_COVERAGE.names
    )
    assert measures.sections_studied(empty, sessions, none).empty
