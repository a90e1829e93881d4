"""Real calls for the media tests: a Jupyter server with the aiortc media backend, and
participants that are real aiortc peers (:class:`SyntheticPeer`) signalling over the real
websocket. ICE is restricted to loopback on both sides (aioice leaves 127.0.0.1 out)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aioice.ice
import pytest
from tornado.websocket import WebSocketClientConnection

from jupyter_studysession.pytest_plugin import token_for
from jupyter_studysession.services.media.network import use_host_addresses
from jupyter_studysession.services.media.synthetic import SyntheticPeer

pytest.importorskip("aiortc")


@pytest.fixture
def ss_db_url(ss_sqlite_url):
    """Media tests run on SQLite only: what they test is not in the database."""
    return ss_sqlite_url


@pytest.fixture
def jp_server_config(ss_server_config, tmp_path):
    return {
        **ss_server_config,
        "StudySessionApp": {**ss_server_config["StudySessionApp"], "media_sweep_seconds": 0},
        "AiortcMediaBackend": {"ice_addresses": ["127.0.0.1"]},
        "RecordingStore": {"root_dir": str(tmp_path / "recordings")},
    }


@pytest.fixture(autouse=True)
def loopback_ice():
    """This process's aiortc peers offer candidates on 127.0.0.1 only."""
    original = aioice.ice.get_host_addresses
    use_host_addresses(["127.0.0.1"])
    yield
    aioice.ice.get_host_addresses = original


class CallClient:
    """One participant's tab in a call: a websocket (subscribed to the session) that answers
    the server's offers with its :class:`SyntheticPeer`, and keeps every event it gets."""

    def __init__(self, user: str, connection: WebSocketClientConnection, peer: SyntheticPeer):
        self.user = user
        self.connection = connection
        self.peer = peer
        self.events: list[dict] = []
        self._acks: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._reader = asyncio.ensure_future(self._read())
        self._tasks: set[asyncio.Task] = set()

    async def op(self, name: str, **payload: Any) -> dict:
        self._next_id += 1
        ref = self._next_id
        future = asyncio.get_running_loop().create_future()
        self._acks[ref] = future
        await self.connection.write_message(json.dumps({"id": ref, "op": name, **payload}))
        return await asyncio.wait_for(future, 20)

    async def join(self, session_id: str, **flags: bool) -> dict:
        ack = await self.op("rtc.join", session_id=session_id, **flags)
        if ack["ok"]:
            await self._answer(session_id, ack["data"]["offer"])
        return ack

    async def _answer(self, session_id: str, offer: dict) -> None:
        sdp = await self.peer.accept(offer)
        ack = await self.op("rtc.answer", session_id=session_id, sdp=sdp)
        assert ack["ok"], ack

    async def _read(self) -> None:
        while (message := await self.connection.read_message()) is not None:
            frame = json.loads(message)
            if "re" in frame:
                future = self._acks.pop(frame["re"], None)
                if future is not None and not future.done():
                    future.set_result(frame)
                continue
            self.events.append(frame)
            if frame["type"] == "rtc.offer":
                task = asyncio.ensure_future(
                    self._answer(frame["data"]["session_id"], frame["data"])
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def got(self, type: str, **match: Any) -> list[dict]:
        return [
            e["data"]
            for e in self.events
            if e["type"] == type and all(e["data"].get(k) == v for k, v in match.items())
        ]

    async def close(self) -> None:
        self._reader.cancel()
        self.connection.close()
        await self.peer.close()


@pytest.fixture
def call_tab(jp_ws_fetch, jp_asyncio_loop):
    """``tab = await call_tab("bob", room)``: bob's tab, subscribed to the room, with a
    synthetic peer (other keyword arguments go to :class:`SyntheticPeer`). Not in the call yet:
    ``await tab.join(room)``."""
    tabs: list[CallClient] = []

    async def open_tab(
        user: str, session_id: str, subscribe: bool = True, **peer_options: Any
    ) -> CallClient:
        connection = await jp_ws_fetch(
            "studysession", "api", "ws", headers={"Authorization": f"token {token_for(user)}"}
        )
        tab = CallClient(user, connection, SyntheticPeer(user, **peer_options))
        tabs.append(tab)
        if subscribe:
            ack = await tab.op("subscribe", channel=f"session:{session_id}")
            assert ack["ok"], ack
        return tab

    yield open_tab
    for tab in tabs:
        jp_asyncio_loop.run_until_complete(tab.close())


async def _until(check, timeout: float = 15.0, interval: float = 0.1):
    """Poll ``check()`` (sync) until it returns something truthy, and return that."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
    return result


@pytest.fixture
def until():
    """``await until(check)``: poll ``check()`` (not async) until it returns something
    truthy, and return that; fail after 15 s."""
    return _until


@pytest.fixture
def make_video_room(ss_create_session):
    """``room = await make_video_room()``: like ``make_room``'s room (alice hosts, bob is a
    co-host, carol joined, dave invited; active), with video and screen sharing on."""

    async def make(**settings: Any) -> str:
        return await ss_create_session(
            "alice",
            co_host="bob",
            joined=["carol"],
            invited=["dave"],
            start=True,
            title="Room",
            settings={"tools": ["chat", "video", "screen_share"], **settings},
        )

    return make


@pytest.fixture
def media_room(make_video_room, call_tab):
    """``room, tabs = await media_room("alice", "bob", "carol")``: the usual active room with
    those users in its call (each receiving the others), tabs by name."""

    async def in_call(*users: str, **peer_options: Any):
        room = await make_video_room()
        tabs = {}
        for user in users:
            tabs[user] = await call_tab(user, room, **peer_options)
            ack = await tabs[user].join(room)
            assert ack["ok"], ack
        for user, tab in tabs.items():
            for other in users:
                if other != user:
                    await _until(
                        lambda t=tab, o=other: len(t.peer.reception(o, "camera").frames) > 3
                    )
        return room, tabs

    return in_call
