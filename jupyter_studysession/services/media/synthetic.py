"""Synthetic participants for tests and benchmarks: real aiortc peers whose video frames carry
their frame number and send time, and whose audio is a tone whose energy can be measured.

A :class:`SyntheticPeer` answers the media server's offers as a browser would (attaching its
tracks to the transceivers the server offers for publishing), and records what it receives
from each other participant: decoded frame numbers, their latency, audio energy, and when the
first frame came.

The stamp is 64 bits drawn as an 8 x 8 grid of black or white blocks (frame number: 24 bits;
send time in ms modulo 2**40: 40 bits), which survives VP8 compression intact.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import av
import numpy
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcconfiguration import RTCBundlePolicy

GRID = 8
BLACK, WHITE = 16, 235


def now_ms() -> int:
    return int(time.time() * 1000)


def stamp_bits(number: int, sent_ms: int) -> list[int]:
    value = (number & 0xFFFFFF) << 40 | (sent_ms & 0xFFFFFFFFFF)
    return [(value >> (63 - i)) & 1 for i in range(64)]


def draw_stamp(width: int, height: int, number: int, sent_ms: int) -> av.VideoFrame:
    """A yuv420p frame showing the stamp."""
    luma = numpy.full((height, width), BLACK, dtype=numpy.uint8)
    bw, bh = width // GRID, height // GRID
    for i, bit in enumerate(stamp_bits(number, sent_ms)):
        if bit:
            row, col = divmod(i, GRID)
            luma[row * bh : (row + 1) * bh, col * bw : (col + 1) * bw] = WHITE
    chroma = numpy.full((height // 2, width), 128, dtype=numpy.uint8)
    return av.VideoFrame.from_ndarray(numpy.vstack([luma, chroma]), format="yuv420p")


def read_stamp(frame: av.VideoFrame) -> tuple[int, int]:
    """``(frame number, send time in ms modulo 2**40)`` drawn by :func:`draw_stamp`."""
    plane = frame.planes[0]
    luma = numpy.frombuffer(plane, dtype=numpy.uint8).reshape(-1, plane.line_size)
    bw, bh = frame.width // GRID, frame.height // GRID
    value = 0
    for i in range(64):
        row, col = divmod(i, GRID)
        y, x = row * bh + bh // 2, col * bw + bw // 2
        value = value << 1 | int(luma[y, x] > 128)
    return value >> 40, value & 0xFFFFFFFFFF


class StampedVideoTrack(MediaStreamTrack):
    """Video frames numbered 0, 1, 2, ... at ``fps``, each stamped with its send time."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 180, fps: float = 15):
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.number = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.number / self.fps
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = draw_stamp(self.width, self.height, self.number, now_ms())
        frame.pts = int(self.number * 90000 / self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        self.number += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """A 440 Hz tone (stereo, 48 kHz, 20 ms frames); ``silent`` sends zeros."""

    kind = "audio"
    rate, samples = 48000, 960

    def __init__(self, amplitude: float = 0.3):
        super().__init__()
        self.amplitude = amplitude
        self.silent = False
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._sent / self.rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t = (numpy.arange(self.samples) + self._sent) / self.rate
        level = 0 if self.silent else self.amplitude * 32767
        wave = (level * numpy.sin(2 * math.pi * 440 * t)).astype(numpy.int16)
        frame = av.AudioFrame.from_ndarray(
            numpy.repeat(wave, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = self.rate
        frame.pts = self._sent
        frame.time_base = fractions.Fraction(1, self.rate)
        self._sent += self.samples
        return frame


def energy(frame: av.AudioFrame) -> float:
    """Root mean square of an audio frame, 0..1."""
    samples = frame.to_ndarray().astype(numpy.float64) / 32768
    return float(numpy.sqrt(numpy.mean(samples**2))) if samples.size else 0.0


@dataclass
class Reception:
    """What one participant received of another's track."""

    frames: list[int] = field(default_factory=list)  # frame numbers, in arrival order
    latencies_ms: list[int] = field(default_factory=list)
    energies: list[tuple[float, float]] = field(default_factory=list)  # (monotonic, rms)
    first_at: float | None = None  # monotonic time of the first frame
    last_at: float | None = None

    def energy_since(self, since: float) -> list[float]:
        return [e for t, e in self.energies if t >= since]


class SyntheticPeer:
    """One participant as an aiortc peer connection that answers the server's offers.

    ``send(answer_sdp)``-style signalling is the caller's: :meth:`accept` takes the server's
    offer (``{"sdp", "publish", "slots"}``) and returns the answer's SDP."""

    def __init__(
        self,
        name: str,
        *,
        width: int = 320,
        height: int = 180,
        fps: float = 15,
        audio: bool = True,
        video: bool = True,
        decode: bool = True,
        on_frame: Callable[[str, str, int, int], None] | None = None,
    ):
        self.name = name
        # one transport for every m-line, as browsers do (aiortc's default policy leaves an
        # m-line that starts inactive on a transport of its own)
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.tone = ToneTrack() if audio else None
        self.camera = StampedVideoTrack(width, height, fps) if video else None
        self.decode = decode
        self.on_frame = on_frame
        self.received: dict[tuple[str, str], Reception] = {}
        self.slots: dict[str, tuple[str, str]] = {}  # mid -> (username, source)
        self._tasks: set[asyncio.Task] = set()
        self._published = False
        self.pc.on("track", self._on_track)

    async def accept(self, offer: dict) -> str:
        """Apply an offer of the server; returns the answer's SDP."""
        for slot in offer.get("slots", []):
            self.slots[slot["mid"]] = (slot["username"], slot["source"])
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        if not self._published:
            self._published = True
            by_mid = {t.mid: t for t in self.pc.getTransceivers()}
            for source, track in (("audio", self.tone), ("camera", self.camera)):
                transceiver = by_mid.get(offer["publish"][source])
                if transceiver is not None and track is not None:
                    transceiver.sender.replaceTrack(track)
                    transceiver.direction = "sendrecv"
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    def reception(self, username: str, source: str) -> Reception:
        return self.received.setdefault((username, source), Reception())

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.ensure_future(self._consume(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _source_of(self, track: MediaStreamTrack) -> tuple[str, str] | None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track:
                return self.slots.get(transceiver.mid)
        return None

    async def _consume(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            source = self._source_of(track)
            if source is None:
                continue
            got = self.reception(*source)
            got.last_at = time.monotonic()
            if got.first_at is None:
                got.first_at = got.last_at
            if track.kind == "audio":
                got.energies.append((got.last_at, energy(frame)))
            elif self.decode:
                number, sent = read_stamp(frame)
                latency = (now_ms() - sent) & 0xFFFFFFFFFF
                got.frames.append(number)
                got.latencies_ms.append(latency)
                if self.on_frame is not None:
                    self.on_frame(*source, number, latency)

    async def close(self) -> None:
        await self.pc.close()
        for task in list(self._tasks):
            task.cancel()
