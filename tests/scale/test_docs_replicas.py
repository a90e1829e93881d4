"""Shared documents on two replicas (one PostgreSQL, one Redis): peers connected to different
replicas edit one document and see each other's cursors."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]


async def test_peers_on_different_replicas_should_converge(ss_replicas):
    a, b = ss_replicas
    status, session = await a.fetch(
        "alice", "sessions", "POST", {"title": "Replicas", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await b.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    alice = await a.doc("alice", sid, "notes")
    bob = await b.doc("bob", sid, "notes")
    await asyncio.gather(alice.synced.wait(), bob.synced.wait())

    alice.text += "on a. "
    bob.text += "on b. "
    for n in range(20):  # concurrent typing on both replicas
        (alice if n % 2 else bob).text += str(n % 10)
    await alice.wait_for(lambda: len(str(alice.text)) == 32, timeout=10)
    await bob.wait_for(lambda: str(bob.text) == str(alice.text), timeout=10)

    bob.set_awareness({"cursor": 4})
    await alice.wait_for(lambda: bob.doc.client_id in alice.awareness, timeout=10)
    assert alice.awareness[bob.doc.client_id]["user"]["username"] == "bob"

    # a peer arriving later on either replica loads the same document from PostgreSQL
    late = await b.doc("alice", sid, "notes")
    await late.wait_for(lambda: str(late.text) == str(alice.text), timeout=10)
