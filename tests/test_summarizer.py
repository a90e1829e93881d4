"""Summarisers on their own: the default extractive one, its configuration, and the guard that
keeps a slow or broken summariser from spoiling a session's end."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

from traitlets.config import Config

from jupyter_studysession.app import StudySessionApp
from jupyter_studysession.summarizer import (
    ChatLine,
    ExtractiveSummarizer,
    GoalLine,
    SessionRecord,
    Summarizer,
    plain_sentences,
    summarize_session,
)

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=timezone.utc)


def record(messages=(), goals=(), title="Study session") -> SessionRecord:
    return SessionRecord(
        session_id="s1",
        title=title,
        description="",
        started_at=T0,
        ended_at=T0 + timedelta(hours=1),
        messages=tuple(
            ChatLine("alice", text, T0 + timedelta(minutes=i)) for i, text in enumerate(messages)
        ),
        goals=tuple(GoalLine(title, done) for title, done in goals),
        attendance={"alice": 60},
    )


def test_a_session_with_no_chat_and_no_goals_done_has_no_text():
    summarizer = ExtractiveSummarizer()
    assert summarizer.summarize(record()) == ""
    assert summarizer.summarize(record(["hi", "ok thanks!"], [("Read ch. 2", False)])) == ""


def test_the_goals_done_are_listed_in_order_without_a_chat():
    goals = [("Read chapter 2", True), ("Exercises 1-5", False), ("Exercise 6", True)]
    assert ExtractiveSummarizer().summarize(record(goals=goals)) == (
        "Goals done: Read chapter 2; Exercise 6."
    )


def test_a_sentence_that_repeats_a_picked_one_is_not_picked_again():
    chat = [
        "Recursion needs a base case and a recursive case that shrinks the input.",
        "Recursion needs a base case and a recursive case that shrinks the input!!",
        "The recursive case calls the function on a smaller input until the base case.",
        "Memoization stores results of recursive calls to avoid recomputing them.",
    ]
    lines = ExtractiveSummarizer(max_sentences=2).summarize(record(chat)).splitlines()
    assert len(lines) == 2
    assert not (chat[0] in lines and chat[1] in lines)


def test_code_blocks_links_and_markup_are_not_quoted():
    message = "Use **`groupby`** first, see [the docs](https://pandas.pydata.org).\n```py\nx=1\n```"
    assert plain_sentences(message) == ["Use groupby first, see the docs."]


def test_a_long_sentence_is_cut():
    long = "Gradient descent " + "converges slowly on ill conditioned problems " * 10 + "."
    chat = [long, "Gradient descent with momentum converges faster on ill conditioned problems."]
    text = ExtractiveSummarizer(max_sentences=2, max_sentence_chars=60).summarize(record(chat))
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.splitlines()[0].endswith("…")


def test_the_summarizer_is_configured_through_the_app(ss_sqlite_url, jp_asyncio_loop):
    config = Config()
    config.ExtractiveSummarizer.max_sentences = 1
    config.Summarizer.timeout_seconds = 2.5
    services = StudySessionApp(config=config, db_url=ss_sqlite_url).build_services()
    try:
        summarizer = services.sessions.summarizer
        assert type(summarizer) is ExtractiveSummarizer
        assert (summarizer.max_sentences, summarizer.timeout_seconds) == (1, 2.5)
    finally:
        jp_asyncio_loop.run_until_complete(services.close())


class SlowSummarizer(Summarizer):
    def summarize(self, record: SessionRecord) -> str:
        time.sleep(1)
        return "too late"


class WrongTypeSummarizer(Summarizer):
    def summarize(self, record: SessionRecord) -> str:
        return ["not", "text"]  # type: ignore[return-value]


async def test_a_summarizer_past_its_time_limit_gives_no_text(caplog):
    with caplog.at_level(logging.ERROR, logger="jupyter_studysession.summarizer"):
        text = await summarize_session(SlowSummarizer(timeout_seconds=0.2), record(["x"]))
    assert text == ""
    assert "SlowSummarizer took longer than 0.2 s for session s1" in caplog.text


async def test_a_summarizer_that_returns_no_text_gives_no_text(caplog):
    with caplog.at_level(logging.ERROR, logger="jupyter_studysession.summarizer"):
        assert await summarize_session(WrongTypeSummarizer(), record()) == ""
    assert "WrongTypeSummarizer returned list, not text" in caplog.text


async def test_the_text_is_stripped():
    class Padded(Summarizer):
        def summarize(self, record: SessionRecord) -> str:
            return f"  {record.title}\n"

    assert await summarize_session(Padded(), record(title="Graphs")) == "Graphs"
