"""Fixtures of the office-hours tests: people, an open queue, and joining it."""

from __future__ import annotations

import pytest

from jupyter_studysession.identity import CourseRole, Identity
from jupyter_studysession.models import CreateOfficeHours, JoinQueue


def person(name: str) -> Identity:
    role = {"prof": CourseRole.instructor, "tina": CourseRole.ta}.get(name, CourseRole.student)
    return Identity(username=name, display_name=name.title(), course_role=role)


@pytest.fixture
def people() -> dict[str, Identity]:
    """Identities for the manager tests: prof (instructor), tina (TA), students."""
    names = ["prof", "tina", "alice", "bob", "carol", "dave", "erin", "frank"]
    return {n: person(n) for n in names}


@pytest.fixture
def open_queue(ss_services, people):
    """``oh = await open_queue()``: office hours created by prof and opened by hand."""

    async def open_queue(title: str = "Office hours") -> str:
        oh = await ss_services.officehours.create_officehours(
            people["prof"], CreateOfficeHours(title=title)
        )
        await ss_services.officehours.set_open(people["prof"], oh.id, True)
        return oh.id

    return open_queue


@pytest.fixture
def join(ss_services, people):
    """``entry = await join(oh, "alice", topic="loops")``."""

    async def join(oh: str, name: str, topic: str | None = None, question: str = "Help?"):
        return await ss_services.queue.join_queue(
            people[name], oh, JoinQueue(question=question, topic=topic)
        )

    return join


@pytest.fixture
def api_queue(ss_fetch):
    """``oh = await api_queue()``: office hours created by prof over REST, opened by hand."""

    async def api_queue() -> str:
        reply = await ss_fetch("prof", "officehours", method="POST", body={"title": "OH"})
        assert reply.status == 201, reply.body
        oh = reply.body["id"]
        reply = await ss_fetch("prof", f"officehours/{oh}/open", method="POST")
        assert reply.status == 200 and reply.body["is_open"], reply.body
        return oh

    return api_queue
