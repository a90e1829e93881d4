"""A server killed mid-session loses nothing any peer had seen of the shared documents."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)


async def test_a_killed_server_should_keep_every_update_a_peer_had_seen(
    ss_server_process, ss_sqlite_url
):
    first = ss_server_process("first", ss_sqlite_url)
    await first.wait_ready()
    status, session = await first.fetch(
        "alice", "sessions", "POST", {"title": "Restart", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await first.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    alice = await first.doc("alice", sid, "notes")
    bob = await first.doc("bob", sid, "notes")
    await alice.synced.wait()
    for word in ("Proof ", "by ", "induction"):
        alice.text += word
    await bob.wait_for(lambda: str(bob.text) == "Proof by induction")
    first.kill()  # SIGKILL: no shutdown, nothing flushed on the way out

    second = ss_server_process("second", ss_sqlite_url)
    await second.wait_ready()
    again = await second.doc("bob", sid, "notes")
    await again.wait_for(lambda: str(again.text) == "Proof by induction")
