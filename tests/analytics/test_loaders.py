"""The loaders on a real database (SQLite and PostgreSQL), filled through the managers:
typed frames, attendance as the presence layer recorded it, read-only connections, Parquet."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jupyter_studysession.analytics import Analytics, AnalyticsSource, loaders, measures
from jupyter_studysession.analytics import schema as schemas
from jupyter_studysession.exceptions import DatabaseNotReady


@pytest.fixture
def source(ss_services, jp_asyncio_loop):
    source = AnalyticsSource(ss_services.store.url)
    yield source
    jp_asyncio_loop.run_until_complete(source.dispose())


async def load(source, name, **filters) -> pd.DataFrame:
    async with source.connect() as conn:
        return await loaders.LOADERS[name](conn, **filters)


async def test_every_loader_returns_its_documented_schema(ss_services, source, run_course):
    await run_course(ss_services)
    for table in schemas.ALL:
        frame = await load(source, table.name)
        assert list(frame.columns) == table.names, table.name
        assert dict(frame.dtypes.astype(str)) == table.dtypes, table.name
    sessions = await load(source, "sessions")
    assert sessions["started_at"].dt.tz is not None
    assert sessions.loc[0, ["title", "status", "host", "ended_by"]].tolist() == [
        "=Algebra",
        "completed",
        "alice",
        "alice",
    ]


async def test_a_reconnect_within_the_grace_period_is_one_interval_and_two_tabs_count_once(
    ss_services, source, run_course
):
    course = await run_course(ss_services)
    t0 = course["t0"]
    intervals = await load(source, "intervals")
    spans = {row.username: (row.joined_at - t0, row.left_at - t0) for row in intervals.itertuples()}
    assert len(intervals) == 3  # one interval each, however many tabs and drops
    minutes = timedelta(minutes=1)
    assert spans == {
        "alice": (0 * minutes, 30 * minutes),
        "bob": (1 * minutes, 20 * minutes),
        "carol": (5 * minutes, 30 * minutes),
    }
    async with source.connect() as conn:
        attendance = await loaders_report(conn)
    by_user = attendance.set_index("username")
    assert by_user["minutes_present"].to_dict() == {
        "alice": 30.0,
        "bob": 19.0,
        "carol": 25.0,
        "dave": 0.0,
    }
    assert by_user.loc["dave", "role"] == "participant" and not by_user.loc["dave", "present"]
    summary = (await load(source, "summaries")).iloc[0]
    assert summary["participant_count"] == 3  # what the server stored agrees


async def loaders_report(conn):
    from jupyter_studysession.analytics.reports import attendance_report

    return await attendance_report(conn)


async def test_chat_content_is_loaded_only_when_asked(ss_services, source, run_course):
    course = await run_course(ss_services)
    metadata = await load(source, "messages")
    assert metadata.loc[0, ["sender", "length"]].tolist() == ["carol", len("secret plan")]
    assert metadata["text"].isna().all()
    with_text = await load(source, "messages", session_id=course["session_id"], content=True)
    assert with_text["text"].tolist() == ["secret plan"]
    goals = await load(source, "goals")
    assert goals[["title", "done", "created_by"]].values.tolist() == [["Eigenvalues", True, "bob"]]


async def test_filters_select_sessions_by_when_they_started(ss_services, source, run_course):
    course = await run_course(ss_services)
    t0 = course["t0"]
    assert len(await load(source, "intervals", start=t0, end=t0 + timedelta(hours=1))) == 3
    assert len(await load(source, "intervals", start=t0 + timedelta(seconds=1))) == 0
    assert len(await load(source, "participants", end=t0)) == 0
    assert len(await load(source, "sessions", session_id="nope")) == 0


async def test_a_write_through_the_analytics_connection_fails(ss_services, source, run_course):
    await run_course(ss_services)
    async with source.connect() as conn:
        with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
            await conn.execute(text("UPDATE study_sessions SET title = 'changed'"))
    sessions = await load(source, "sessions")
    assert sessions.loc[0, "title"] == "=Algebra"


async def test_an_empty_database_is_refused_with_the_command_to_run(tmp_path):
    (tmp_path / "empty.sqlite").touch()
    source = AnalyticsSource(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        with pytest.raises(DatabaseNotReady, match="db upgrade"):
            async with source.connect():
                pass
    finally:
        await source.dispose()


async def test_the_facade_gives_the_same_frames_and_parquet_keeps_them(
    ss_services, tmp_path, run_course
):
    course = await run_course(ss_services)
    with Analytics.from_url(ss_services.store.url) as analytics:
        attendance = analytics.attendance(session_id=course["session_id"])
        sessions = analytics.sessions()
        participants = analytics.participants()
        intervals = analytics.intervals()
    expected = measures.attendance(sessions, participants, intervals)
    pd.testing.assert_frame_equal(attendance, expected)
    path = tmp_path / "attendance.parquet"
    attendance.to_parquet(path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), attendance)
    with pytest.raises(RuntimeError, match="closed"):
        analytics.sessions()


async def test_contributions_count_the_characters_each_participant_added_to_the_notes(
    ss_services, source
):
    from jupyter_studysession.identity import Identity
    from jupyter_studysession.models import CreateSession, JoinSession

    alice, bob = Identity("alice", "Alice"), Identity("bob", "Bob")
    session = await ss_services.sessions.create_session(
        alice, CreateSession(title="Notes", invite=["bob"])
    )
    await ss_services.participants.join_session(bob, session.id, JoinSession())
    await ss_services.sessions.start_session(alice, session.id)
    await ss_services.docs.append_notes(alice, session.id, "# Plan\n")
    await ss_services.docs.append_notes(bob, session.id, "- 3.1\n- 3.2\n")
    await ss_services.sessions.end_session(alice, session.id)

    frame = await load(source, "contributions", session_id=session.id)
    notes = frame[frame["document"] == "notes"].set_index("username")
    assert notes["inserted"].to_dict() == {"alice": 7, "bob": 12}
    assert notes["updates"].to_dict() == {"alice": 1, "bob": 1}
