"""One SQLite file, one server: a second server process on the same file without a shared bus
is refused at start-up, saying how to fix it; the first one goes on as if nothing happened."""

from __future__ import annotations

import asyncio

import pytest
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.timeout(120)


async def first_answer(server, timeout: float = 60):
    """The first answer of ``server`` to ``GET /me`` as alice, whatever its status."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await server.fetch("alice", "me")
        except (OSError, HTTPClientError):
            if asyncio.get_running_loop().time() > deadline or server.process.poll() is not None:
                raise
            await asyncio.sleep(0.3)


async def test_a_second_server_on_the_same_sqlite_file_should_be_refused_with_the_fix_named(
    ss_server_process, ss_sqlite_url
):
    first = ss_server_process("first", ss_sqlite_url)
    await first.wait_ready()
    second = ss_server_process("second", ss_sqlite_url)
    status, body = await first_answer(second)

    assert (status, body["reason"]) == (503, "database_in_use")
    for words in (f"pid {first.process.pid}", "c.StudySessionApp.db_url", "bus_url"):
        assert words in body["message"]
    assert "Another Jupyter server" in second.log_path.read_text()
    with pytest.raises(HTTPClientError) as refused:  # its websocket too
        await second.ws("alice")
    assert refused.value.code == 503
    status, session = await first.fetch("alice", "sessions", "POST", {"title": "Still fine"})
    assert status == 201, session

    first.stop()  # the file is free again: a server started now is served
    third = ss_server_process("third", ss_sqlite_url)
    await third.wait_ready()
