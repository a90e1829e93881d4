"""The session summary's text: written by the configured summariser when a session ends,
stored with the summary, shown in the history and in the ``session.ended`` event; a
summariser that fails never stops a session from ending."""

from __future__ import annotations

import logging

import pytest

from jupyter_studysession.identity import Identity
from jupyter_studysession.models import (
    CreateGoal,
    CreateMessage,
    CreateSession,
    JoinSession,
    UpdateGoal,
)
from jupyter_studysession.summarizer import SessionRecord, Summarizer


class FirstMessageSummarizer(Summarizer):
    """A deployment's own summariser: the first message, and who was there."""

    def summarize(self, record: SessionRecord) -> str:
        first = record.messages[0]
        return f"{first.sender} opened with: {first.text} ({', '.join(record.attendance)})"


class BrokenSummarizer(Summarizer):
    def summarize(self, record: SessionRecord) -> str:
        raise RuntimeError("the summary service is down")


@pytest.fixture
def summarizer_class():
    """The summariser the server is configured with (tests parametrize it)."""
    return FirstMessageSummarizer


@pytest.fixture
def jp_server_config(ss_server_config, summarizer_class):
    ss_server_config["StudySessionApp"]["summarizer_class"] = summarizer_class
    return ss_server_config


async def test_the_configured_summarizer_writes_the_text_shown_in_the_history(
    ss_fetch, ss_app, ss_clock, ss_create_session, open_tab
):
    assert type(ss_app.services.sessions.summarizer) is FirstMessageSummarizer
    sid = await ss_create_session("alice", joined=["bob"], start=True, title="Proofs")
    watcher = await open_tab("bob", sid)
    for user, text in (("bob", "Induction on n, base case first."), ("alice", "Agreed.")):
        reply = await ss_fetch(user, f"sessions/{sid}/messages", method="POST", body={"text": text})
        assert reply.status == 201, reply.body
    ss_clock.advance(minutes=30)

    ended = await ss_fetch("alice", f"sessions/{sid}/end", method="POST")

    assert ended.status == 200, ended.body
    expected = "bob opened with: Induction on n, base case first. (bob)"
    assert ended.body["summary"]["text"] == expected
    assert ended.body["summary"]["message_count"] == 2
    one = await ss_fetch("bob", f"sessions/{sid}")
    assert one.body["summary"]["text"] == expected
    history = await ss_fetch("bob", "sessions/history")
    assert [(s["id"], s["summary"]["text"]) for s in history.body["items"]] == [(sid, expected)]
    event = await watcher.event(channel=f"session:{sid}", type="session.ended")
    assert event["data"]["summary"]["text"] == expected  # the event's summary, with the text
    assert event["data"]["summary"]["attendance"] == {"bob": 30}


@pytest.mark.parametrize("summarizer_class", [BrokenSummarizer])
async def test_a_failing_summarizer_does_not_stop_the_session_from_ending(
    ss_fetch, ss_clock, ss_create_session, caplog
):
    sid = await ss_create_session("alice", joined=["bob"], start=True, title="Proofs")
    reply = await ss_fetch("bob", f"sessions/{sid}/messages", method="POST", body={"text": "Hi"})
    assert reply.status == 201
    ss_clock.advance(minutes=5)

    with caplog.at_level(logging.ERROR, logger="jupyter_studysession.summarizer"):
        ended = await ss_fetch("alice", f"sessions/{sid}/end", method="POST")

    assert ended.status == 200, ended.body
    assert ended.body["session"]["status"] == "completed"
    assert ended.body["summary"]["text"] == ""
    assert ended.body["summary"]["message_count"] == 1
    failures = [r for r in caplog.records if r.name == "jupyter_studysession.summarizer"]
    assert len(failures) == 1
    assert "BrokenSummarizer failed for session" in failures[0].getMessage()
    assert "the summary service is down" in failures[0].exc_text
    assert (await ss_fetch("bob", f"sessions/{sid}")).body["summary"]["text"] == ""


ALICE, BOB, CAROL = (Identity(u, u.title()) for u in ("alice", "bob", "carol"))

CHAT = [
    (BOB, "hi all!"),
    (ALICE, "Hey. Shall we start with the eigenvalues of problem 2?"),
    (CAROL, "The eigenvalues of a triangular matrix are its diagonal entries."),
    (BOB, "lol ok"),
    (ALICE, "For problem 3 we need the characteristic polynomial of the matrix."),
    (CAROL, "I got the **characteristic polynomial** wrong: the determinant's sign flipped."),
    (BOB, "Eigenvectors for distinct eigenvalues are linearly independent, see [the notes](x)."),
    (CAROL, "thanks!"),
    (ALICE, "Break time?"),
]


async def test_the_default_summary_picks_the_chats_key_sentences_and_the_goals_done(
    ss_services,
):
    sessions, participants, chat, goals = (
        ss_services.sessions,
        ss_services.participants,
        ss_services.chat,
        ss_services.goals,
    )
    s = await sessions.create_session(
        ALICE, CreateSession(title="Eigenvalues", is_public=True, invite=["bob", "carol"])
    )
    for who in (BOB, CAROL):
        await participants.join_session(who, s.id, JoinSession())
    await sessions.start_session(ALICE, s.id)
    for who, text in CHAT:
        ss_services.clock.advance(seconds=40)
        await chat.send_message(who, s.id, CreateMessage(text=text))
    done = await goals.create_goal(BOB, s.id, CreateGoal(title="Problem set 4, questions 1-3"))
    await goals.create_goal(CAROL, s.id, CreateGoal(title="Review the spectral theorem"))
    await goals.update_goal(CAROL, done.id, UpdateGoal(done=True))

    result = await sessions.end_session(ALICE, s.id)

    lines = result.summary.text.splitlines()
    assert len(lines) == 4  # three sentences (max_sentences), in chat order, then the goals
    assert lines[0] == "The eigenvalues of a triangular matrix are its diagonal entries."
    assert lines[1] == "For problem 3 we need the characteristic polynomial of the matrix."
    assert lines[2] in {  # as frequent as each other; markup and link targets gone
        "I got the characteristic polynomial wrong: the determinant's sign flipped.",
        "Eigenvectors for distinct eigenvalues are linearly independent, see the notes.",
    }
    assert lines[3] == "Goals done: Problem set 4, questions 1-3."
    assert (result.summary.goals_done, result.summary.goals_total) == (1, 2)
    assert result.summary.message_count == len(CHAT)
