"""Recording the forwarded packets with PyAV (runs in the worker process).

Nothing is decoded or encoded: the encoded frames the room forwards are muxed as they are into
one WebM file per participant and track (``<user>-audio.webm`` Opus, ``<user>-camera.webm`` and
``<user>-screen.webm`` VP8). Every file's timestamps count from the start of the recording, so
the files of one recording line up when played together (or merged losslessly:
``ffmpeg -i bob-audio.webm -i bob-camera.webm -c copy bob.webm``).

Files are flushed packet by packet in clusters of at most a second, so a file stays readable
(minus its last second) if the worker is killed. The recording stops by itself, with a reason,
when it reaches its byte budget or the disk's free space falls under the reserve.
"""

from __future__ import annotations

import errno
import fractions
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import av

from .forward import EncodedFrame, Publication

log = logging.getLogger(__name__)

MILLISECONDS = fractions.Fraction(1, 1000)
MUXER_OPTIONS = {"flush_packets": "1", "cluster_time_limit": "1000"}
FREE_SPACE_CHECK_SECONDS = 1.0


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 key frame's header (RFC 6386 9.1), else None."""
    if len(data) < 10 or data[0] & 0x01 or data[3:6] != b"\x9d\x01\x2a":
        return None
    return (
        int.from_bytes(data[6:8], "little") & 0x3FFF,
        int.from_bytes(data[8:10], "little") & 0x3FFF,
    )


class TrackFile:
    """One participant's track, written to one WebM file from its first usable frame."""

    def __init__(self, path: Path, publication: Publication, started: float):
        self.path = path
        self.username = publication.owner
        self.source = publication.source
        self.kind = publication.kind
        self.started = started
        self.clock_rate = 48000 if self.kind == "audio" else 90000
        self.container = None
        self.stream = None
        self.first: tuple[int, int] | None = None  # (RTP timestamp, pts in ms) of the first frame
        self.last_pts = 0
        self.frames = 0

    def write(self, frame: EncodedFrame) -> int:
        """Mux one frame; returns the bytes written (0 while waiting for a keyframe)."""
        if self.container is None and not self._open(frame):
            return 0
        if self.first is None:
            self.first = (frame.timestamp, int((frame.arrival - self.started) * 1000))
        pts = self.first[1] + (frame.timestamp - self.first[0]) * 1000 // self.clock_rate
        if pts <= self.last_pts and self.frames:
            pts = self.last_pts + 1
        packet = av.Packet(frame.data)
        packet.pts = packet.dts = pts
        packet.time_base = MILLISECONDS
        packet.stream = self.stream
        packet.is_keyframe = frame.keyframe
        self.container.mux(packet)
        self.last_pts = pts
        self.frames += 1
        return len(frame.data)

    def _open(self, frame: EncodedFrame) -> bool:
        if self.kind == "audio":
            container = av.open(str(self.path), "w", format="webm", options=MUXER_OPTIONS)
            stream = container.add_stream("libopus", rate=48000)
            stream.layout = "stereo"
        else:
            size = vp8_size(frame.data) if frame.keyframe else None
            if size is None:
                return False
            container = av.open(str(self.path), "w", format="webm", options=MUXER_OPTIONS)
            stream = container.add_stream("libvpx", rate=30)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
        self.container, self.stream = container, stream
        return True

    def close(self) -> dict | None:
        if self.container is None:
            return None
        try:
            self.container.close()
        except (OSError, av.FFmpegError) as err:
            log.warning("recording: closing %s failed: %s", self.path.name, err)
        return {
            "name": self.path.name,
            "username": self.username,
            "track": self.source,
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
            "duration_seconds": round(self.last_pts / 1000 - self.first[1] / 1000, 3)
            if self.first
            else 0.0,
        }


class Recorder:
    """One recording of a room: a :class:`TrackFile` per publication that sends frames.

    ``on_stop(reason)`` is called once if the recording stops by itself (``disk_full``,
    ``size_limit``, ``write_failed``)."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        min_free_bytes: int,
        on_stop: Callable[[str], None],
    ):
        self.directory = directory
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self.on_stop = on_stop
        self.started = time.monotonic()
        self.bytes = 0
        self.files: dict[tuple[str, str], TrackFile] = {}
        self.stopped: str | None = None
        self._checked_free = 0.0
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, publication: Publication) -> None:
        if self._on_frame not in publication.listeners:
            publication.listeners.append(self._on_frame)
            publication.request_keyframe(force=True)  # a video file starts at a keyframe

    def remove(self, publication: Publication) -> None:
        if self._on_frame in publication.listeners:
            publication.listeners.remove(self._on_frame)

    def _on_frame(self, publication: Publication, frame: EncodedFrame) -> None:
        if self.stopped is not None:
            return
        key = (publication.owner, publication.source)
        track = self.files.get(key)
        if track is None:
            name = f"{safe_name(publication.owner)}-{publication.source}.webm"
            track = self.files[key] = TrackFile(self.directory / name, publication, self.started)
        try:
            written = track.write(frame)
        except (OSError, av.FFmpegError) as err:
            no_space = getattr(err, "errno", None) == errno.ENOSPC
            self._stop_by_itself("disk_full" if no_space else "write_failed")
            return
        if not written:  # waiting for a keyframe
            publication.request_keyframe()
            return
        self.bytes += written
        if self.bytes >= self.max_bytes:
            self._stop_by_itself("size_limit")
        elif frame.arrival - self._checked_free > FREE_SPACE_CHECK_SECONDS:
            self._checked_free = frame.arrival
            if shutil.disk_usage(self.directory).free < self.min_free_bytes:
                self._stop_by_itself("disk_full")

    def _stop_by_itself(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
            log.warning("recording: stopped (%s) after %d bytes", reason, self.bytes)
            self.on_stop(reason)

    def stop(self) -> list[dict]:
        """Close every file; returns what was written, file by file."""
        self.stopped = self.stopped or "stopped"
        return [d for d in (f.close() for f in self.files.values()) if d is not None]


def safe_name(username: str) -> str:
    """A username as a file name: letters, digits, ``-``, ``_`` and ``.`` only."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in username).strip(".")
    return cleaned or "user"
