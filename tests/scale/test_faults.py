"""Faults with real processes: a server killed with SIGKILL during a burst of sends, Redis killed
and restarted under two replicas, PostgreSQL's connections cut. What a client was told must stay
true: every acknowledged message is there exactly once, nothing answered with an error appears,
and no request is answered with a 500 (see docs/guarantees.md)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sqlalchemy.engine import make_url
from tornado.iostream import StreamClosedError

pytestmark = pytest.mark.timeout(120)

# many sends from one user in a few seconds: the chat limit is not what these tests are about
RELAXED = 'c.StudySessionApp.chat_limit = "10000/minute"\n'


async def started_session(host_server, guest_server, guests=("bob", "carol", "dave")) -> str:
    """alice hosts on ``host_server``; the guests join on ``guest_server``; it is started."""
    status, session = await host_server.fetch(
        "alice", "sessions", "POST", {"title": "Faults", "type": "group", "invite": list(guests)}
    )
    assert status == 201, session
    sid = session["id"]
    for guest in guests:
        assert (await guest_server.fetch(guest, f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await host_server.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200
    return sid


async def messages(ws, channel: str, count: int, timeout: float = 10) -> list[dict]:
    """The next ``count`` chat messages on ``channel`` (fails if they do not come in time)."""
    return [
        (await ws.event(channel=channel, type="chat.message", timeout=timeout))
        for _ in range(count)
    ]


async def history_texts(server, sid: str) -> list[str]:
    texts, before = [], None
    while True:
        path = f"sessions/{sid}/messages?limit=100" + (f"&before={before}" if before else "")
        status, page = await server.fetch("alice", path)
        assert status == 200, page
        texts = [m["text"] for m in page["items"]] + texts
        before = page["next_before"]
        if before is None:
            return texts


async def test_kill_9_during_a_burst_of_sends_should_lose_and_duplicate_nothing_acknowledged(
    ss_server_process, ss_sqlite_url
):
    server = ss_server_process("first", ss_sqlite_url, config=RELAXED)
    await server.wait_ready()
    sid = await started_session(server, server)
    channel = f"session:{sid}"
    since = (await (await server.ws("alice")).op("subscribe", channel=channel))["data"]["seq"]
    bob = await server.ws("bob")
    texts = [f"burst {n}" for n in range(40)]
    for n, text in enumerate(texts):
        frame = {"id": n, "op": "chat.send", "session_id": sid, "text": text}
        await bob.send_raw(json.dumps({**frame, "idempotency_key": f"burst-{n}"}))
    acked: dict[int, dict] = {}
    for n in range(5):
        acked[n] = await bob.ack(n)
    server.kill()  # mid-burst: some sends committed and unanswered, some never read
    for n in range(5, len(texts)):
        try:
            acked[n] = await bob.ack(n, timeout=1)
        except (ConnectionError, TimeoutError, StreamClosedError):
            break
    assert all(ack["ok"] for ack in acked.values()), acked

    again = ss_server_process("again", ss_sqlite_url, config=RELAXED)
    await again.wait_ready()
    bob = await again.ws("bob")
    # the client retries every send whose answer it did not get, with the same key; a retry of
    # an answered one returns the message it was answered with
    retried = {
        n: await bob.op("chat.send", session_id=sid, text=text, idempotency_key=f"burst-{n}")
        for n, text in enumerate(texts)
        if n not in acked or n == 0
    }
    assert all(ack["ok"] for ack in retried.values()), retried
    assert retried[0]["data"] == acked[0]["data"]

    alice = await again.ws("alice")
    ack = await alice.op("subscribe", channel=channel, since=since)
    assert ack["ok"] and ack["data"]["reset"] is False, ack
    events = await messages(alice, channel, len(texts))
    assert [e["seq"] for e in events] == list(range(since + 1, since + 1 + len(texts)))
    assert sorted(e["data"]["message"]["text"] for e in events) == sorted(texts)
    ids = {e["data"]["message"]["id"] for e in events}
    assert {a["data"]["id"] for a in acked.values()} <= ids
    await asyncio.sleep(0.3)
    assert [e for e in await alice.drain() if e["type"] == "chat.message"] == []
    assert sorted(await history_texts(again, sid)) == sorted(texts)


@pytest.mark.postgres
@pytest.mark.redis
async def test_redis_killed_and_restarted_should_keep_acks_truthful_and_deliver_live_again(
    ss_postgres_url, ss_own_redis, ss_server_process
):
    prefix = f"ss-test-{uuid.uuid4().hex[:8]}:"
    config = RELAXED + "c.RedisBus.retry_seconds = 0.2\n"
    replicas = []
    for name in ("a", "b"):  # one after the other: the first creates the schema
        replica = ss_server_process(
            name, ss_postgres_url, bus_url=ss_own_redis.url, prefix=prefix, config=config
        )
        await replica.wait_ready()
        replicas.append(replica)
    a, b = replicas
    sid = await started_session(a, b)
    channel = f"session:{sid}"
    # one listener on each replica, on the websockets they keep for the whole test
    listeners = [await a.ws("alice"), await b.ws("dave")]
    for ws in listeners:
        assert (await ws.op("subscribe", channel=channel))["ok"]
    writers = [await b.ws("bob"), await a.ws("carol")]  # one writer on each replica
    acks: dict[str, dict] = {}

    async def send(round: str) -> None:
        for i, ws in enumerate(writers):
            text = f"{round}-from-{i}"
            acks[text] = await ws.op("chat.send", session_id=sid, text=text, idempotency_key=text)

    for n in range(5):
        await send(f"before-{n}")
    ss_own_redis.kill()
    for n in range(5):
        await send(f"during-{n}")
        await asyncio.sleep(0.05)
    # a read that needs Redis says so: 503 with a reason, not 500
    status, body = await a.fetch("alice", f"presence?session={sid}")
    assert (status, body["reason"]) == (503, "bus_unavailable"), (status, body)
    assert body["message"]
    ss_own_redis.start()
    await send("after")
    acked = [text for text, ack in acks.items() if ack["ok"]]
    refused = [text for text, ack in acks.items() if not ack["ok"]]
    # a committed send is acknowledged as committed, outage or not
    assert refused == [], {t: acks[t] for t in refused}
    for ws in listeners:
        # back within 5 s of Redis' return, on the same socket: no reconnection
        events = await messages(ws, channel, len(acked), timeout=5)
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(seqs[0], seqs[0] + len(acked)))
        assert sorted(e["data"]["message"]["text"] for e in events) == sorted(acked)
        await asyncio.sleep(0.3)
        assert [e for e in await ws.drain() if e["type"] == "chat.message"] == []
    assert sorted(await history_texts(a, sid)) == sorted(acked)
    # and live again: the next message crosses replicas as usual
    assert (await writers[0].op("chat.send", session_id=sid, text="live"))["ok"]
    for ws in listeners:
        event = await ws.event(channel=channel, type="chat.message", timeout=5)
        assert event["data"]["message"]["text"] == "live"


async def terminate_connections(db_url: str) -> int:
    """``pg_terminate_backend`` on every other connection to the test's database."""
    import asyncpg

    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return len(rows)
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_connections_terminated_should_recover_without_a_500(
    ss_postgres_url, ss_server_process
):
    server = ss_server_process("pg", ss_postgres_url, config=RELAXED)
    await server.wait_ready()
    sid = await started_session(server, server)
    bob = await server.ws("bob")
    answers: list[tuple[str, object]] = []
    sent: list[str] = []

    async def traffic(rounds: int, tag: str) -> None:
        for n in range(rounds):
            text = f"{tag}-{n}"
            while True:  # a client retries a 503 with the same key
                ack = await bob.op("chat.send", session_id=sid, text=text, idempotency_key=text)
                answers.append(("ws", ack["ok"] or ack["error"]["code"]))
                if ack["ok"]:
                    break
                assert ack["error"]["code"] == "database_unavailable", ack
            sent.append(text)
            status, body = await server.fetch("alice", f"sessions/{sid}/messages")
            answers.append(("rest", status))
            assert status in (200, 503), body

    await traffic(3, "warm")
    during = asyncio.ensure_future(traffic(30, "during"))
    for _ in range(3):
        await asyncio.sleep(0.1)
        assert await terminate_connections(ss_postgres_url) >= 1
    await during
    assert ("rest", 500) not in answers and ("ws", "internal_error") not in answers, answers
    # afterwards: the pool replaced the cut connections, every request succeeds at once
    await terminate_connections(ss_postgres_url)
    answers.clear()
    await traffic(5, "after")
    assert set(answers) == {("ws", True), ("rest", 200)}, answers
    assert sorted(await history_texts(server, sid)) == sorted(sent)
