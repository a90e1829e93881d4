"""Real server processes for tests that need more than the in-process server of pytest-jupyter:
several replicas of one deployment, a replica killed mid-stream, or JupyterLab in a browser.
Used through the ``ss_server_process`` fixture of :mod:`jupyter_studysession.pytest_plugin`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

from pycrdt import create_sync_message, create_update_message, handle_sync_message
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from .pytest_plugin import USERS, WsClient, token_for
from .services.docs.documents import new_document, notes_text, whiteboard_shapes
from .services.docs.protocol import (
    AwarenessEntry,
    Kind,
    awareness_message,
    parse_message,
    read_awareness,
)

CONFIG = """\
c.ServerApp.jpserver_extensions = {{"jupyter_studysession": True}}
c.ServerApp.allow_unauthenticated_access = False
c.ServerApp.identity_provider_class = "jupyter_studysession.tokens.UserTokensIdentityProvider"
c.UserTokensIdentityProvider.user_tokens = {tokens!r}
c.StudySessionApp.db_url = {db_url!r}
c.StudySessionApp.bus_url = {bus_url!r}
c.RedisBus.prefix = {prefix!r}
c.StudySessionApp.tas = {{"tina"}}
c.StudySessionApp.instructors = {{"prof"}}
c.StudySessionApp.cleanup_interval_seconds = 0
c.StudySessionApp.write_limit = "10000/minute"
c.StudySessionApp.lab_state_per_user = True
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
"""


QUIET_LAB_SETTINGS = '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}'
"""JupyterLab's defaults for everyone on the server (labconfig/default_setting_overrides.json):
no "get notified about Jupyter news?" question."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RawWebSocket:
    """A websocket client over a bare socket that does only what it is told: it never answers
    a ping and reads only when asked (a tab whose network went away, or that stopped reading).
    ``receive_buffer`` makes the socket's receive window small (a stalled reader fills it)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(
        cls, port: int, base_url: str, user: str, receive_buffer: int | None = None
    ) -> RawWebSocket:
        sock = socket.socket()
        if receive_buffer is not None:  # before connect: it sets the window offered
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {base_url}studysession/api/ws HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Authorization: token {token_for(user)}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        return cls(reader, writer)

    def send(self, message: dict) -> None:
        """One masked text frame carrying ``message`` as JSON."""
        data, mask = json.dumps(message).encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        if len(data) < 126:
            length = struct.pack("!B", 0x80 | len(data))
        else:
            length = struct.pack("!BH", 0x80 | 126, len(data))
        self.writer.write(b"\x81" + length + mask + masked)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: ``(opcode, payload)`` (pings included)."""
        first, second = await self.reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(size)

    def close(self) -> None:
        self.writer.close()


class ServerProcess:
    """One real server process with the extension (``jupyter server`` or ``jupyter lab``), per-user
    tokens (``token-<name>``), started and killed by a test: for tests across processes
    (replicas, crashes) and for browser tests. ``config`` is appended to its configuration
    file (``c.StudySessionApp.presence_timeout_seconds = 3``, say)."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        db_url: str,
        bus_url: str = "",
        prefix: str = "studysession:",
        app: str = "jupyter_server",
        config: str = "",
    ):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        root = workdir / name
        root.mkdir()
        self.root = root  # the server's root directory (its notebooks)
        self.log_path = root / "server.log"
        self.clients: list[WsClient] = []
        config_file = root / "jupyter_server_config.py"
        tokens = {token_for(u): u for u in USERS}
        config_file.write_text(
            CONFIG.format(tokens=tokens, db_url=db_url, bus_url=bus_url, prefix=prefix) + config
        )
        (root / "labconfig").mkdir()
        (root / "labconfig" / "default_setting_overrides.json").write_text(QUIET_LAB_SETTINGS)
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root), "JUPYTER_DATA_DIR": str(root)}
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                app,
                f"--config={config_file}",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                "--no-browser",
                "--allow-root",
                f"--ServerApp.root_dir={root}",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                reply = await self.fetch("alice", "me")
                if reply[0] == 200:
                    return
            except (OSError, HTTPClientError):
                pass
            await asyncio.sleep(0.3)
        raise RuntimeError(f"replica {self.name} did not start:\n{self.log_path.read_text()}")

    async def fetch(self, user: str, path: str, method: str = "GET", body=None):
        """``(status, decoded JSON)`` of ``/studysession/api/<path>`` as ``user``."""
        request = HTTPRequest(
            f"{self.url}/studysession/api/{path}",
            method=method,
            headers={"Authorization": f"token {token_for(user)}"},
            body=json.dumps(body if body is not None else {}) if method != "GET" else None,
        )
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        return response.code, json.loads(response.body) if response.body else None

    async def ws(self, user: str) -> WsClient:
        request = HTTPRequest(
            f"ws://127.0.0.1:{self.port}/studysession/api/ws",
            headers={"Authorization": f"token {token_for(user)}"},
        )
        client = WsClient(await websocket_connect(request), timeout=10)
        self.clients.append(client)
        return client

    async def doc(self, user: str, session_id: str, name: str) -> YDocClient:
        """A pycrdt peer of the session's document ``name`` on this server, as ``user``."""
        request = HTTPRequest(
            f"ws://127.0.0.1:{self.port}/studysession/api/sessions/{session_id}/docs/{name}",
            headers={"Authorization": f"token {token_for(user)}"},
        )
        return YDocClient(await websocket_connect(request), name)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no goodbyes; what a crashed replica looks like."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class YDocClient:
    """A pycrdt peer of a session's shared document over a real websocket, speaking the
    y-websocket protocol as the browser does: ``client.text`` (notes) or ``client.shapes``
    (whiteboard) change locally and sync; ``await client.wait_for(check)`` waits for the
    server. What the server said is kept: ``denied`` (permission-denied reasons),
    ``awareness`` (client id -> state), ``close_code`` and ``close_reason``."""

    def __init__(self, connection, name: str):
        self.connection = connection
        self.doc = new_document(name)
        self.text = notes_text(self.doc)  # the notes' Markdown (notes)
        self.shapes = whiteboard_shapes(self.doc)  # the shapes (whiteboard)
        self.denied: list[str] = []
        self.awareness: dict[int, dict] = {}
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.synced = asyncio.Event()
        self._applying = False
        self._clock = 0
        self._subscription = self.doc.observe(self._local_change)
        self.send_raw(create_sync_message(self.doc))
        self._reader = asyncio.ensure_future(self._read())

    def send_raw(self, data: bytes) -> None:
        with contextlib.suppress(Exception):  # closed: the reader records why
            self.connection.write_message(data, binary=True)

    def set_awareness(self, state: dict | None, client_id: int | None = None) -> None:
        """Send an awareness state for ``client_id`` (default: this document's client)."""
        self._clock += 1
        cid = self.doc.client_id if client_id is None else client_id
        self.send_raw(awareness_message([AwarenessEntry(cid, self._clock, state)]))

    def _local_change(self, event) -> None:
        if not self._applying:
            self.send_raw(create_update_message(event.update))

    def _apply(self, update: bytes) -> None:
        self._applying = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying = False

    async def _read(self) -> None:
        while True:
            data = await self.connection.read_message()
            if data is None:
                self.close_code = self.connection.close_code
                self.close_reason = self.connection.close_reason
                return
            message = parse_message(data)
            if message.kind is Kind.SYNC_STEP1:
                self.send_raw(handle_sync_message(data[1:], self.doc))
            elif message.kind in (Kind.SYNC_STEP2, Kind.UPDATE):
                self._apply(message.payload)
                self.synced.set()
            elif message.kind is Kind.AWARENESS:
                for entry in read_awareness(message.payload):
                    if entry.state is None:
                        self.awareness.pop(entry.client_id, None)
                    else:
                        self.awareness[entry.client_id] = entry.state
            elif message.kind is Kind.AUTH:
                self.denied.append(message.payload.decode())

    async def wait_for(self, check, timeout: float = 5) -> None:
        """Until ``check()`` is true (or the socket closed and it is still false)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not check():
            if self._reader.done() and not check():
                raise AssertionError(f"closed ({self.close_code} {self.close_reason})")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    async def wait_closed(self, timeout: float = 5) -> tuple[int | None, str | None]:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.close_code, self.close_reason

    def close(self) -> None:
        self.connection.close()
        self._reader.cancel()
