"""A burst of students queueing at once (the start of office hours) on PostgreSQL: they wait
for each other in memory, not each holding one of the database pool's connections while the
queue's row is locked (which left every other request of the server without a connection)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from jupyter_studysession.identity import CourseRole, Identity
from jupyter_studysession.models import JoinQueue

pytestmark = pytest.mark.postgres
STUDENTS = 40


@pytest.fixture
def ss_db_url(ss_postgres_url):
    return ss_postgres_url


async def test_a_burst_of_joins_holds_one_connection_and_everyone_gets_a_place(
    ss_services, open_queue
):
    oh = await open_queue()
    pool = ss_services.store._write_engine.sync_engine.pool
    held = most = 0

    def checkout(*_):
        nonlocal held, most
        held += 1
        most = max(most, held)

    def checkin(*_):
        nonlocal held
        held -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        students = [
            Identity(username=f"q{n:02d}", display_name=f"Q {n}", course_role=CourseRole.student)
            for n in range(STUDENTS)
        ]
        joined = await asyncio.gather(
            *(ss_services.queue.join_queue(s, oh, JoinQueue(question="Help?")) for s in students)
        )
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    # each got its own place, in the order they were let in
    assert sorted(e.position for e in joined) == list(range(1, STUDENTS + 1))
    # one join at a time inside a transaction: the pool's other connections stay free
    assert most == 1, f"{most} connections held at once"
