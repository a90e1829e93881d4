"""Real server processes for tests that need more than the in-process server of pytest-jupyter:
several replicas of one deployment, a replica killed mid-stream, or JupyterLab in a browser.
Used through the ``ss_server_process`` fixture of :mod:`jupyter_studysession.pytest_plugin`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from .pytest_plugin import USERS, WsClient, token_for

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
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One real server process with the extension (``jupyter server`` or ``jupyter lab``), per-user
    tokens (``token-<name>``), started and killed by a test: for tests across processes
    (replicas, crashes) and for browser tests."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        db_url: str,
        bus_url: str = "",
        prefix: str = "studysession:",
        app: str = "jupyter_server",
        extra_config: str = "",
    ):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        root = workdir / name
        root.mkdir()
        self.log_path = root / "server.log"
        self.clients: list[WsClient] = []
        config = root / "jupyter_server_config.py"
        tokens = {token_for(u): u for u in USERS}
        config.write_text(
            CONFIG.format(tokens=tokens, db_url=db_url, bus_url=bus_url, prefix=prefix)
            + extra_config
        )
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root), "JUPYTER_DATA_DIR": str(root)}
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                app,
                f"--config={config}",
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
