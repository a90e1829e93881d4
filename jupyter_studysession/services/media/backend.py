"""Where media flows: the seam between the call's rules and the media plane.

:class:`~.manager.MediaManager` decides who may do what (Jupyter identity, session membership,
host rights) and keeps the record (call time, recordings, events). A :class:`MediaBackend`
carries the media. The default, :class:`AiortcMediaBackend`, runs one worker process per room
(``worker.py``) reached through ``client.py``. A backend for an external SFU (LiveKit, say)
would implement the same methods: ``join`` returns what the browser needs to connect there (a
URL and a token minted for this user and room) instead of an SDP offer, ``leave`` removes the
participant through the SFU's API, and the signalling, rules and records stay as they are
(``docs/media.md``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from traitlets import Dict, Int, List, Unicode, validate
from traitlets.config import LoggingConfigurable

from .client import MediaWorkerClient, MediaWorkerError
from .network import parse_ports


class MediaBackendError(Exception):
    """The media plane refused or failed; the message is for people."""


class MediaBackend(LoggingConfigurable):
    """The media plane of every room. Rooms are session ids; people are usernames.

    The manager sets the callbacks: ``on_offer(room, username, offer)`` (a new offer for a
    participant: send it to their tab), ``on_peer_failed(room, username)``,
    ``on_recording_stopped(room, recording_id, reason, files)`` (it stopped by itself), and
    ``on_room_failed(room, message)`` (the room's media is gone)."""

    on_offer: Callable[[str, str, dict], None] = staticmethod(lambda room, username, offer: None)
    on_peer_failed: Callable[[str, str], None] = staticmethod(lambda room, username: None)
    on_recording_stopped: Callable[..., None] = staticmethod(lambda room, *args: None)
    on_room_failed: Callable[[str, str], None] = staticmethod(lambda room, message: None)

    def client_config(self) -> dict:
        """What every browser needs to connect (e.g. ``ice_servers``)."""
        return {}

    async def join(self, room: str, username: str, state: dict) -> dict:
        raise NotImplementedError

    async def answer(self, room: str, username: str, sdp: str) -> None:
        raise NotImplementedError

    async def candidate(self, room: str, username: str, candidate: str, sdp_mid: str | None):
        raise NotImplementedError

    async def update(self, room: str, username: str, state: dict) -> None:
        raise NotImplementedError

    async def leave(self, room: str, username: str) -> None:
        raise NotImplementedError

    async def start_recording(self, room: str, recording_id: str, directory: str, **limits):
        raise NotImplementedError

    async def stop_recording(self, room: str) -> list[dict]:
        raise NotImplementedError

    async def close_room(self, room: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class AiortcMediaBackend(MediaBackend):
    """The self-hosted media server: aiortc in one worker process per room, forwarding each
    participant's encoded frames to the others (no decoding, no re-encoding)."""

    ice_servers = List(
        Dict(),
        config=True,
        help="""STUN and TURN servers, as the browser's ``RTCIceServer`` dictionaries:
        ``[{"urls": "turn:turn.example.org:3478", "username": "u", "credential": "p"}]``.
        Both the media server and the browsers use them. Empty by default: no third-party
        service is contacted; on a LAN or loopback none is needed. Behind JupyterHub's proxy
        (HTTP only) browsers usually need a TURN server or an open ``udp_ports`` range.""",
    )
    ice_addresses = List(
        Unicode(),
        config=True,
        help="""The addresses the media server offers its ICE candidates on. Empty: every
        address of the machine but loopback (loopback if it has no other). Give the address
        browsers can reach (e.g. the host's public address, or ``127.0.0.1`` for a browser on
        the same machine started with ``--allow-loopback-in-peer-connection``).""",
    )
    udp_ports = Unicode(
        "",
        config=True,
        help="""A UDP port range for media, e.g. ``40000-40100``, so a firewall can open
        exactly it (each participant uses one port). Empty: any free port.""",
    )
    video_codec = Unicode(
        "VP8",
        config=True,
        help="""The video codec of every call (``VP8`` or ``H264``). Every participant's video
        is forwarded as it was sent, so everyone sends and receives this one codec; VP8 is
        the one every browser decodes.""",
    )
    max_call_size = Int(
        16,
        min=2,
        config=True,
        help="""The most people in one call. Each forwards to every other, so the media
        server's work grows with people x people (see docs/media.md for the cost).""",
    )
    log_level = Unicode("WARNING", config=True, help="The log level of the media workers.")

    @validate("udp_ports")
    def _validate_ports(self, proposal):
        parse_ports(proposal["value"])
        return proposal["value"]

    @validate("video_codec")
    def _validate_codec(self, proposal):
        if proposal["value"] not in ("VP8", "H264"):
            raise ValueError("video_codec must be VP8 or H264")
        return proposal["value"]

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.workers: dict[str, MediaWorkerClient] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self._stopping: set[asyncio.Task] = set()

    def client_config(self) -> dict:
        return {"ice_servers": list(self.ice_servers)}

    async def _worker(self, room: str, start: bool = False) -> MediaWorkerClient:
        async with self._starting.setdefault(room, asyncio.Lock()):
            worker = self.workers.get(room)
            if worker is not None and worker.running:
                return worker
            if not start:
                raise MediaBackendError("There is no call in this room.")
            worker = MediaWorkerClient(
                room,
                {
                    "ice_servers": list(self.ice_servers),
                    "ice_addresses": list(self.ice_addresses),
                    "video_codec": self.video_codec,
                    "max_peers": self.max_call_size,
                    "log_level": self.log_level,
                },
                udp_ports=self.udp_ports,
                on_event=lambda event: self._on_event(room, event),
                on_exit=lambda code: self._on_exit(room, worker, code),
            )
            try:
                await worker.start()
            except (OSError, MediaWorkerError) as err:
                raise MediaBackendError(f"The media server could not start: {err}") from err
            self.workers[room] = worker
            self.log.info("Study sessions: media worker %s for room %s", worker.pid, room)
            return worker

    def _on_event(self, room: str, event: dict) -> None:
        kind = event.pop("event")
        if kind == "offer":
            self.on_offer(room, event.pop("username"), event)
        elif kind == "peer_failed":
            self.on_peer_failed(room, event["username"])
        elif kind == "recording_stopped":
            self.on_recording_stopped(room, event["recording_id"], event["reason"], event["files"])

    def _on_exit(self, room: str, worker: MediaWorkerClient, code: int | None) -> None:
        if self.workers.get(room) is worker:
            del self.workers[room]
            self.on_room_failed(room, f"the media process ended unexpectedly (exit code {code})")

    async def _request(self, room: str, cmd: str, start: bool = False, **args) -> dict:
        worker = await self._worker(room, start=start)
        try:
            return await worker.request(cmd, **args)
        except MediaWorkerError as err:
            raise MediaBackendError(str(err)) from err

    async def join(self, room: str, username: str, state: dict) -> dict:
        return await self._request(room, "join", start=True, username=username, state=state)

    async def answer(self, room: str, username: str, sdp: str) -> None:
        await self._request(room, "answer", username=username, sdp=sdp)

    async def candidate(self, room: str, username: str, candidate: str, sdp_mid: str | None):
        await self._request(
            room, "candidate", username=username, candidate=candidate, sdp_mid=sdp_mid
        )

    async def update(self, room: str, username: str, state: dict) -> None:
        await self._request(room, "update", username=username, state=state)

    async def leave(self, room: str, username: str) -> None:
        if room in self.workers:
            await self._request(room, "leave", username=username)

    async def start_recording(self, room: str, recording_id: str, directory: str, **limits):
        await self._request(
            room, "record_start", recording_id=recording_id, directory=directory, **limits
        )

    async def stop_recording(self, room: str) -> list[dict]:
        if room not in self.workers:
            return []
        return (await self._request(room, "record_stop")).get("files", [])

    async def stats(self, room: str) -> dict:
        return await self._request(room, "stats")

    async def close_room(self, room: str) -> None:
        worker = self.workers.pop(room, None)
        self._starting.pop(room, None)
        if worker is not None:
            # A worker once asked to stop is waited for even if the caller is cancelled (a
            # tab's disconnect cut short by the server stopping), so no process is left over.
            stopping = asyncio.ensure_future(worker.stop())
            self._stopping.add(stopping)
            stopping.add_done_callback(self._stopping.discard)
            await asyncio.shield(stopping)

    async def close(self) -> None:
        await asyncio.gather(*(self.close_room(room) for room in list(self.workers)))
        if self._stopping:
            await asyncio.wait(self._stopping)
