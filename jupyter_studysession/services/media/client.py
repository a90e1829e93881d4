"""The server's side of the process boundary: one :class:`MediaWorkerClient` per room's worker.

It starts ``python -m jupyter_studysession.services.media.worker``, sends requests as JSON lines
and awaits their answers, passes the worker's events to ``on_event``, copies its log into the
server's, and calls ``on_exit`` once if the process ends while the room still needs it (a crash,
a kill): the room's media is over, the server goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

WORKER_MODULE = "jupyter_studysession.services.media.worker"


class MediaWorkerError(Exception):
    """The worker refused a request (the message is for people) or is not running."""


class MediaWorkerClient:
    """One worker process (``command``: another command server of the same protocol, such
    as the benchmark's load generators; by default, the media worker)."""

    def __init__(
        self,
        name: str,
        config: dict[str, Any],
        *,
        udp_ports: str = "",
        on_event: Callable[[dict], None],
        on_exit: Callable[[int | None], None],
        request_timeout: float = 30,
        command: list[str] | None = None,
    ):
        self.name = name
        self.config = config
        self.udp_ports = udp_ports
        self.on_event = on_event
        self.on_exit = on_exit
        self.request_timeout = request_timeout
        self.command = command or [sys.executable, "-m", WORKER_MODULE]
        self.process: asyncio.subprocess.Process | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False
        self._ready = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, timeout: float = 30) -> None:
        args = list(self.command)
        if self.udp_ports:
            args.append(self.udp_ports)
        self.process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1 << 22,
        )
        self._write(self.config)
        for coro in (self._read_stdout(), self._read_stderr()):
            task = asyncio.ensure_future(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except asyncio.TimeoutError:
            await self.stop()
            raise MediaWorkerError("The media server did not start in time.") from None

    async def request(self, cmd: str, **args: Any) -> dict:
        """Send ``cmd`` and return its answer's data; :class:`MediaWorkerError` if refused."""
        if not self.running:
            raise MediaWorkerError("The media server of this room is not running.")
        self._next_id += 1
        ref = self._next_id
        future = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        self._write({"id": ref, "cmd": cmd, "args": args})
        try:
            return await asyncio.wait_for(future, self.request_timeout)
        except asyncio.TimeoutError:
            raise MediaWorkerError("The media server did not answer in time.") from None
        finally:
            self._pending.pop(ref, None)

    def _write(self, message: dict) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("media %s: a line that is not JSON", self.name)
                continue
            if "re" in message:
                future = self._pending.get(message["re"])
                if future is not None and not future.done():
                    if message.get("ok"):
                        future.set_result(message.get("data") or {})
                    else:
                        future.set_exception(MediaWorkerError(message.get("error", "failed")))
            elif message.get("event") == "ready":
                self._ready.set()
            else:
                try:
                    self.on_event(message)
                except Exception:
                    log.exception("media %s: handling %s failed", self.name, message.get("event"))
        code = await self.process.wait()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(MediaWorkerError("The media server of this room stopped."))
        if not self._stopping:
            log.error("media %s: the worker process ended (exit code %s)", self.name, code)
            self.on_exit(code)

    async def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            log.warning("media %s: %s", self.name, line.decode(errors="replace").rstrip())

    async def stop(self, timeout: float = 5) -> None:
        """Ask the worker to close its connections and exit; kill it if it does not."""
        if self.process is None or self._stopping:
            return
        self._stopping = True
        if self.process.returncode is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                self._write({"id": 0, "cmd": "shutdown", "args": {}})
                self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)
