"""The media worker: one room's aiortc media in its own process, off the Jupyter server's loop.

Started by :class:`~.client.MediaWorkerClient` as ``python -m
jupyter_studysession.services.media.worker``. It speaks JSON lines:

- stdin, first line: the configuration (``ice_servers``, ``ice_addresses``, ``udp_ports``,
  ``video_codec``, ``max_peers``, ``log_level``, and ``room_class`` to replace
  :class:`~.room.MediaRoom`, as the benchmark's baseline does); then requests
  ``{"id", "cmd", "args"}``;
- stdout: answers ``{"re": id, "ok": true, "data"}`` or ``{"re": id, "ok": false, "error"}``,
  and events ``{"event": name, ...}`` (``offer``, ``peer_failed``, ``recording_stopped``);
- stderr: its log.

When stdin closes (the server stopped or died) it closes every peer connection and exits, so a
worker never outlives its server. If the worker dies, only its room's media ends.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from .network import PortRangeEventLoop, parse_ports, use_host_addresses
from .recorder import Recorder
from .room import MediaError, MediaRoom

log = logging.getLogger("jupyter_studysession.media.worker")


class CommandServer:
    """A JSON-lines command server: request ``cmd`` runs method ``cmd_<cmd>(**args)``."""

    def __init__(self, config: dict[str, Any], write):
        self.write = write
        self.done = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    def emit(self, event: str, **data: Any) -> None:
        self.write({"event": event, **data})

    def submit(self, request: dict) -> None:
        """Handle one request in its own task (a slow ICE gathering blocks no one else)."""
        task = asyncio.ensure_future(self.handle(request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, request: dict) -> None:
        ref = request.get("id")
        cmd, args = request.get("cmd"), request.get("args") or {}
        handler = getattr(self, f"cmd_{cmd}", None) if isinstance(cmd, str) else None
        try:
            if handler is None:
                raise MediaError(f"Unknown command {cmd!r}.")
            data = await handler(**args)
        except MediaError as err:
            self.write({"re": ref, "ok": False, "error": str(err)})
        except Exception as err:
            log.exception("media worker: %s failed", cmd)
            self.write({"re": ref, "ok": False, "error": f"The media server failed: {err}"})
        else:
            self.write({"re": ref, "ok": True, "data": data})

    async def cmd_shutdown(self) -> dict:
        self.done.set()
        return {}

    async def close(self) -> None:
        pass


def load_class(path: str) -> type:
    """``"package.module:Name"`` -> the class."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class Worker(CommandServer):
    """Dispatches the server's requests to the room and the recorder."""

    def __init__(self, config: dict[str, Any], write):
        super().__init__(config, write)
        room_class = load_class(config["room_class"]) if config.get("room_class") else MediaRoom
        self.room = room_class(
            self.emit,
            ice_servers=config.get("ice_servers", []),
            video_codec=config.get("video_codec", "VP8"),
            max_peers=config.get("max_peers", 16),
        )
        self.room.publication_listeners.append(self._publication_ready)
        self.recorder: Recorder | None = None
        self.recording_id: str | None = None

    # -- commands ------------------------------------------------------------------------

    async def cmd_join(self, username: str, state: dict | None = None) -> dict:
        return await self.room.join(username, state)

    async def cmd_answer(self, username: str, sdp: str) -> dict:
        return await self.room.answer(username, sdp)

    async def cmd_candidate(self, username: str, candidate: str, sdp_mid: str | None = None):
        return await self.room.candidate(username, candidate, sdp_mid)

    async def cmd_update(self, username: str, state: dict) -> dict:
        return await self.room.update(username, **state)

    async def cmd_leave(self, username: str) -> dict:
        return await self.room.leave(username)

    async def cmd_stats(self) -> dict:
        return self.room.stats()

    async def cmd_record_start(
        self, recording_id: str, directory: str, max_bytes: int, min_free_bytes: int
    ) -> dict:
        if self.recorder is not None:
            raise MediaError("The room is already recording.")
        self.recording_id = recording_id
        self.recorder = Recorder(
            Path(directory),
            max_bytes=max_bytes,
            min_free_bytes=min_free_bytes,
            on_stop=lambda reason: asyncio.get_running_loop().call_soon(
                self._stopped_by_itself, recording_id, reason
            ),
        )
        for peer in self.room.peers.values():
            if peer.answered:
                for publication in peer.publications.values():
                    self.recorder.add(publication)
        return {}

    async def cmd_record_stop(self) -> dict:
        if self.recorder is None:
            return {"files": []}
        return {"files": self._finish_recording()}

    # -- recording -----------------------------------------------------------------------

    def _publication_ready(self, publication) -> None:
        if self.recorder is not None:
            self.recorder.add(publication)

    def _finish_recording(self) -> list[dict]:
        recorder, self.recorder = self.recorder, None
        for peer in self.room.peers.values():
            for publication in peer.publications.values():
                recorder.remove(publication)
        return recorder.stop()

    def _stopped_by_itself(self, recording_id: str, reason: str) -> None:
        if self.recording_id != recording_id or self.recorder is None:
            return
        files = self._finish_recording()
        self.emit("recording_stopped", recording_id=recording_id, reason=reason, files=files)

    async def close(self) -> None:
        if self.recorder is not None:
            self._finish_recording()
        await self.room.close()


async def serve(reader: asyncio.StreamReader, write, server_class=None) -> None:
    config = json.loads(await reader.readline() or b"{}")
    logging.basicConfig(
        stream=sys.stderr,
        level=config.get("log_level", "WARNING"),
        format="%(levelname)s %(name)s: %(message)s",
    )
    use_host_addresses(config.get("ice_addresses", []))
    worker = (server_class or Worker)(config, write)
    write({"event": "ready"})
    while not worker.done.is_set():
        line_task = asyncio.ensure_future(reader.readline())
        done_task = asyncio.ensure_future(worker.done.wait())
        await asyncio.wait({line_task, done_task}, return_when=asyncio.FIRST_COMPLETED)
        done_task.cancel()
        if not line_task.done():
            line_task.cancel()
            break
        line = line_task.result()
        if not line:  # the server is gone
            break
        try:
            request = json.loads(line)
        except ValueError:
            log.warning("media worker: ignoring a line that is not JSON")
            continue
        worker.submit(request)
    await worker.close()


async def _main(server_class=None) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout
    )
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)

    def write(message: dict) -> None:
        writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    await serve(reader, write, server_class)
    await writer.drain()


def main(argv: list[str] | None = None, server_class=None) -> None:
    """Run a command server (a :class:`Worker` unless ``server_class``) on stdin/stdout; the
    first argument, if any, is the UDP port range."""
    args = argv if argv is not None else sys.argv[1:]
    ports = parse_ports(args[0]) if args else None
    loop = PortRangeEventLoop(ports)
    try:
        loop.run_until_complete(_main(server_class))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
