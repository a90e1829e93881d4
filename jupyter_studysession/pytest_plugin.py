"""pytest fixtures for jupyter-studysession (``ss_*``), for our tests and downstream packages.

Use them with pytest-jupyter: point ``jp_server_config`` at ``ss_server_config`` in your
``conftest.py``; then ``ss_fetch("alice", "sessions", method="POST", body={...})`` calls the
API as ``alice`` on a real Jupyter server with a real database.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from .clock import FrozenClock

POSTGRES_URL_ENV = "STUDYSESSION_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "STUDYSESSION_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL_ENV = "STUDYSESSION_TEST_REDIS_URL"
REQUIRE_REDIS_ENV = "STUDYSESSION_REQUIRE_REDIS"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "prof", "tina"]
"""Test users; ``prof`` is an instructor and ``tina`` a TA in ``ss_server_config``."""


def token_for(username: str) -> str:
    return f"token-{username}"


@pytest.fixture
def ss_clock(ss_app) -> FrozenClock:
    """The server's clock, which the test moves by hand (``ss_clock.advance(minutes=5)``)."""
    return ss_app.clock


@pytest.fixture
def ss_sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'studysession.sqlite'}"


def _postgres_unavailable(reason: str):
    if os.environ.get(REQUIRE_POSTGRES_ENV):
        pytest.fail(f"PostgreSQL is required ({REQUIRE_POSTGRES_ENV} is set) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason} (set {POSTGRES_URL_ENV})")


@pytest.fixture
def ss_postgres_url(jp_asyncio_loop):
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    try:
        import asyncpg
    except ImportError:
        _postgres_unavailable("asyncpg is not installed")
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"ss_test_{uuid.uuid4().hex[:12]}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        jp_asyncio_loop.run_until_complete(execute(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as err:
        _postgres_unavailable(f"cannot use {admin.render_as_string()}: {err}")
    yield admin.set(database=name).render_as_string(hide_password=False)
    jp_asyncio_loop.run_until_complete(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def ss_redis_url(jp_asyncio_loop) -> str:
    """The URL of a reachable Redis (``$STUDYSESSION_TEST_REDIS_URL`` or the local one).

    Skips the test when there is none, or fails it when ``$STUDYSESSION_REQUIRE_REDIS`` is set.
    Redis is shared: give every key a prefix unique to the test.
    """
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    try:
        import redis.asyncio as redis
    except ImportError:
        reason = "the redis package is not installed"
    else:

        async def ping() -> None:
            client = redis.from_url(url, socket_connect_timeout=2)
            try:
                await client.ping()
            finally:
                await client.aclose()

        try:
            jp_asyncio_loop.run_until_complete(ping())
            return url
        except (OSError, redis.RedisError) as err:
            reason = f"cannot reach {url}: {err}"
    if os.environ.get(REQUIRE_REDIS_ENV):
        pytest.fail(f"Redis is required ({REQUIRE_REDIS_ENV} is set) but {reason}")
    pytest.skip(f"Redis not available: {reason} (set {REDIS_URL_ENV})")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ss_db_url(request) -> str:
    """The database URL, once per backend: the test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("ss_sqlite_url")
    return request.getfixturevalue("ss_postgres_url")


@pytest.fixture
def ss_server_config(ss_db_url) -> dict:
    """A server that requires authentication, with one token per test user."""
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyter_studysession": True,
                "jupyter_server_terminals": False,
            },
            "allow_unauthenticated_access": False,
            "identity_provider_class": "jupyter_studysession.tokens.UserTokensIdentityProvider",
        },
        "UserTokensIdentityProvider": {
            "user_tokens": {token_for(u): u for u in USERS},
            "display_names": {"prof": "Professor Plum", "tina": "Tina TA"},
        },
        "StudySessionApp": {
            "db_url": ss_db_url,
            "clock": FrozenClock(),
            "instructors": {"prof"},
            "tas": {"tina"},
            "cleanup_interval_seconds": 0,
            "presence_sweep_seconds": 0,
            "write_limit": "1000/minute",
        },
    }


@pytest.fixture
def ss_services(ss_db_url, jp_asyncio_loop):
    """The managers on a fresh database, without a server (for manager-level tests).

    The clock is a :class:`FrozenClock`: ``ss_services.clock.advance(minutes=5)``. The
    :data:`USERS` are known (they can be invited), as with ``ss_server_config``.
    """
    from .app import StudySessionApp
    from .tokens import user_for

    app = StudySessionApp(db_url=ss_db_url, clock=FrozenClock(), instructors={"prof"}, tas={"tina"})
    services = app.build_services()
    services.roster = [user_for(name) for name in USERS]
    jp_asyncio_loop.run_until_complete(services.open())
    yield services
    jp_asyncio_loop.run_until_complete(services.close())


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any


@pytest.fixture
def ss_fetch(jp_fetch):
    """Call ``/studysession/api/<path>`` as a user (or as nobody with ``user=None``).

    Returns a :class:`Reply` (status, decoded JSON body, headers); never raises on HTTP errors.
    """

    async def fetch(
        user: str | None,
        path: str,
        *,
        method: str = "GET",
        body: Any = None,
        params: dict | None = None,
        headers: dict | None = None,
    ) -> Reply:
        headers = dict(headers or {})
        headers.setdefault("Authorization", f"token {token_for(user)}" if user else "")
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PATCH", "PUT"):
            body = "{}"
        response = await jp_fetch(
            "studysession/api",
            *[urllib.parse.unquote(p) for p in path.split("/")],
            method=method,
            body=body,
            params=params,
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        raw = response.body.decode() if response.body else ""
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw
        return Reply(response.code, decoded, response.headers)

    return fetch


@pytest.fixture
def ss_create_session(ss_fetch):
    """Set up a session through the API, as its members would:
    ``sid = await ss_create_session("alice", co_host="bob", joined=["carol"], start=True)``.

    ``host`` creates it, inviting everyone named (other fields of the request, such as
    ``title`` or ``is_public``, as keyword arguments); ``co_host`` is made co-host, then joins;
    the ``joined`` users join; the ``invited`` ones are only invited; ``start`` makes it
    active. Every call is asserted to succeed. Returns the session's id.
    """

    async def create(
        host: str = "alice",
        *,
        co_host: str | None = None,
        joined: Iterable[str] = (),
        invited: Iterable[str] = (),
        start: bool = False,
        **fields: Any,
    ) -> str:
        guests = [co_host, *joined] if co_host else list(joined)
        body = {"title": "Study session", **fields, "invite": [*guests, *invited]}
        reply = await ss_fetch(host, "sessions", method="POST", body=body)
        assert reply.status == 201, reply.body
        sid = reply.body["id"]
        steps = [(guest, "POST", f"sessions/{sid}/join", None) for guest in guests]
        if co_host:
            promote = (host, "PATCH", f"sessions/{sid}/participants/{co_host}", {"role": "co_host"})
            steps.insert(0, promote)
        if start:
            steps.append((host, "POST", f"sessions/{sid}/start", None))
        for user, method, path, body in steps:
            reply = await ss_fetch(user, path, method=method, body=body)
            assert reply.status == 200, (user, method, path, reply.body)
        return sid

    return create


@pytest.fixture
def ss_app(jp_serverapp):
    """The running :class:`~jupyter_studysession.app.StudySessionApp`."""
    return next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_studysession"]))


class WsClient:
    """A test client of the realtime protocol over one real websocket.

    ``await ws.op("subscribe", channel="session:abc")`` sends an op and returns its ack (events
    that arrive meanwhile are kept); ``await ws.event(type="chat.message")`` returns the next
    matching event. Both fail after ``timeout`` seconds.
    """

    def __init__(self, connection, timeout: float = 5):
        self.connection = connection
        self.timeout = timeout
        self.events: list[dict] = []
        self._acks: dict[Any, dict] = {}
        self._next_id = 0

    async def send_raw(self, text: str) -> None:
        await self.connection.write_message(text)

    async def _read(self, deadline: float) -> None:
        import asyncio

        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError("no message from the server in time")
        message = await asyncio.wait_for(self.connection.read_message(), remaining)
        if message is None:
            raise ConnectionError("the server closed the websocket")
        frame = json.loads(message)
        if "re" in frame:
            self._acks[frame["re"]] = frame
        else:
            self.events.append(frame)

    async def ack(self, ref: Any, timeout: float | None = None) -> dict:
        """The ack of the op sent with id ``ref``."""
        import asyncio

        deadline = asyncio.get_running_loop().time() + (timeout or self.timeout)
        while ref not in self._acks:
            await self._read(deadline)
        return self._acks.pop(ref)

    async def op(self, name: str, **payload: Any) -> dict:
        """Send op ``name`` and return its ack ``{"re", "ok", "data" | "error"}``."""
        self._next_id += 1
        ref = self._next_id
        await self.send_raw(json.dumps({"id": ref, "op": name, **payload}))
        return await self.ack(ref)

    async def event(self, timeout: float | None = None, **match: Any) -> dict:
        """The first event (oldest first) whose fields equal ``match``; removed from the
        buffer. ``channel=``, ``type=`` are the usual keys."""
        import asyncio

        deadline = asyncio.get_running_loop().time() + (timeout or self.timeout)
        while True:
            for i, frame in enumerate(self.events):
                if all(frame.get(k) == v for k, v in match.items()):
                    return self.events.pop(i)
            await self._read(deadline)

    async def drain(self, quiet: float = 0.2) -> list[dict]:
        """Everything that arrives until the socket is quiet for ``quiet`` seconds."""
        import asyncio

        try:
            while True:
                await self._read(asyncio.get_running_loop().time() + quiet)
        except TimeoutError:
            pass
        events, self.events = self.events, []
        return events

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def ss_ws(jp_ws_fetch):
    """Open ``/studysession/api/ws`` as a user: ``ws = await ss_ws("alice")``.

    Returns a :class:`WsClient`; every client is closed when the test ends.
    """
    clients: list[WsClient] = []

    async def connect(user: str, timeout: float = 5) -> WsClient:
        connection = await jp_ws_fetch(
            "studysession", "api", "ws", headers={"Authorization": f"token {token_for(user)}"}
        )
        client = WsClient(connection, timeout)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def ss_doc(jp_ws_fetch):
    """Open a session's shared document as a user, as a pycrdt peer speaking the y-websocket
    protocol: ``notes = await ss_doc("alice", sid, "notes")``, then ``notes.text += "..."``
    and ``await notes.wait_for(...)`` (a :class:`~jupyter_studysession.testing.YDocClient`).
    Every client is closed when the test ends."""
    from .testing import YDocClient

    clients: list = []

    async def connect(user: str, session_id: str, name: str):
        connection = await jp_ws_fetch(
            "studysession",
            "api",
            "sessions",
            session_id,
            "docs",
            name,
            headers={"Authorization": f"token {token_for(user)}"},
        )
        client = YDocClient(connection, name)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def ss_server_process(tmp_path):
    """Start real server processes: ``server = ss_server_process("a", db_url, bus_url=...,
    app="jupyterlab")``, then ``await server.wait_ready()``. Each is stopped (and its websocket
    clients closed) when the test ends; ``server.kill()`` crashes it on purpose."""
    from .testing import ServerProcess

    started: list[ServerProcess] = []

    def start(name: str, db_url: str, **options: Any) -> ServerProcess:
        server = ServerProcess(name, tmp_path, db_url, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
