"""Forwarding encoded frames: the heart of the media server (runs in the worker process).

A participant's incoming track (microphone, camera or screen) is a :class:`Publication`. Its
RTP packets are reassembled into encoded frames by aiortc's receiver, and instead of being
decoded they are handed, once, to every subscriber's :class:`ForwardedTrack`. aiortc's sender
packetises a track's :class:`av.Packet` as it is (no encoder runs), so the cost of a stream is
depacketise once + packetise and encrypt once per receiver, never decode + encode.

Forwarding needs three things decoding would give for free:

- **Keyframes for newcomers.** A subscriber that starts mid-stream (or after the camera was
  off, or after falling behind) waits for a keyframe and drops what comes before it; the
  publisher is asked for one (RTCP PLI) at once.
- **Keyframe requests passed on.** When a receiver's browser loses a picture it sends a PLI to
  our sender; that request goes to the publisher, rate-limited.
- **One codec.** A subscriber's sender is negotiated to exactly the publisher's codec
  (:func:`codec_preferences`).

Two hooks reach into aiortc's private parts, so aiortc is pinned to one version (see
``pyproject.toml``) and ``tests/services/media/test_aiortc_hooks.py`` checks both:
:func:`tap_encoded_frames` (the receiver's queue to its decoder thread) and
:func:`on_keyframe_request` (the sender's PLI handler).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import time
from collections.abc import Callable
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters

log = logging.getLogger(__name__)

CLOCK_RATES = {"audio": 48000, "video": 90000}
KEYFRAME_REQUEST_INTERVAL = 0.3
"""Seconds between two keyframe requests sent to one publisher (browsers send a keyframe per
request, and a keyframe costs several times a normal frame)."""
QUEUE_FRAMES = 10
"""Encoded frames a subscriber's sender may fall behind (a third of a second of video at
30 fps) before it skips to the next keyframe: under overload, fewer frames rather than more
latency."""


class EncodedFrame:
    """One encoded frame as the publisher's receiver reassembled it."""

    __slots__ = ("arrival", "data", "keyframe", "timestamp")

    def __init__(self, data: bytes, timestamp: int, keyframe: bool, arrival: float):
        self.data = data
        self.timestamp = timestamp  # RTP clock units, from 0 at the stream's first frame
        self.keyframe = keyframe
        self.arrival = arrival  # time.monotonic() when it was complete


def is_keyframe(codec: RTCRtpCodecParameters, data: bytes) -> bool:
    """Whether an encoded frame can be decoded on its own (audio frames always can)."""
    name = codec.name.lower()
    if name == "vp8":  # RFC 6386 9.1: bit 0 of the frame tag is 0 for a key frame
        return bool(data) and not data[0] & 0x01
    if name == "h264":  # an IDR slice (NAL type 5) in the Annex B stream aiortc depayloads to
        return any(
            data[i + 3] & 0x1F == 5 for i in range(len(data) - 3) if data[i : i + 3] == b"\0\0\1"
        )
    return codec.mimeType.lower().startswith("audio/")


# -- the two aiortc hooks ------------------------------------------------------------------


class _FrameTap(queue.Queue):
    """Stands in for an ``RTCRtpReceiver``'s queue to its decoder thread: complete encoded
    frames go to ``on_frame`` on the event loop; the ``None`` that stops the receiver still
    reaches the (now idle) decoder thread, so the receiver and its track end as usual."""

    def __init__(self, original: queue.Queue, on_frame: Callable[[Any, Any], None]):
        super().__init__()
        self._original = original
        self._on_frame = on_frame

    def put(self, item, block=True, timeout=None):
        if item is None:
            super().put(None)  # the thread reads from us (tapped before it started) ...
            self._original.put(None)  # ... or from the queue it was given (tapped after)
        else:
            codec, frame = item
            self._on_frame(codec, frame)


def tap_encoded_frames(
    receiver: RTCRtpReceiver, on_frame: Callable[[RTCRtpCodecParameters, Any], None]
) -> None:
    """Take ``receiver``'s encoded frames before they are decoded: ``on_frame(codec, frame)``
    gets each complete frame (``frame.data``: the depayloaded bytes, ``frame.timestamp``: RTP
    clock units from 0) and nothing is decoded.

    Private aiortc API (1.16): ``_handle_rtp_packet`` puts ``(codec, frame)`` on the name-mangled
    ``__decoder_queue`` read by the decoder thread."""
    attribute = "_RTCRtpReceiver__decoder_queue"
    original = getattr(receiver, attribute)
    if not isinstance(original, _FrameTap):
        setattr(receiver, attribute, _FrameTap(original, on_frame))


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the remote peer asks ``sender`` for a keyframe (PLI or FIR).

    Private aiortc API (1.16): ``_handle_rtcp_packet`` calls ``self._send_keyframe()``, which
    only tells aiortc's own encoder; with pre-encoded packets the publisher must be asked."""
    sender._send_keyframe = callback  # type: ignore[method-assign]


def codec_preferences(kind: str, codec: RTCRtpCodecParameters) -> list[RTCRtpCodecCapability]:
    """The capabilities that negotiate a sender to exactly ``codec`` (plus its
    retransmissions for video), for ``RTCRtpTransceiver.setCodecPreferences``."""
    capabilities = RTCRtpSender.getCapabilities(kind).codecs
    chosen = [
        c
        for c in capabilities
        if c.mimeType.lower() == codec.mimeType.lower()
        and c.clockRate == codec.clockRate
        and all(c.parameters.get(k) == v for k, v in codec.parameters.items() if k != "apt")
    ]
    rtx = [c for c in capabilities if c.mimeType.lower() == f"{kind}/rtx"]
    return chosen + rtx if kind == "video" else chosen


# -- publications and subscriptions ---------------------------------------------------------


class Publication:
    """One incoming track of a participant, forwarded to its subscribers without decoding.

    ``enabled`` is the server-side switch (microphone muted, camera off, share stopped): while
    it is off nothing is forwarded, and turning it on makes every subscriber wait for a
    keyframe again."""

    def __init__(self, owner: str, source: str, kind: str, receiver: RTCRtpReceiver):
        self.owner = owner
        self.source = source  # "audio", "camera" or "screen"
        self.kind = kind
        self.receiver = receiver
        self.codec: RTCRtpCodecParameters | None = None
        self.subscribers: set[ForwardedTrack] = set()
        self.listeners: list[Callable[[Publication, EncodedFrame], None]] = []
        self.frames = 0
        self._enabled = True
        self._last_keyframe_request = 0.0
        self._requests: set[asyncio.Task] = set()
        self.tap()

    def tap(self) -> None:
        """Take the receiver's encoded frames instead of letting it decode them."""
        tap_encoded_frames(self.receiver, self._on_frame)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, enabled: bool) -> None:
        if enabled and not self._enabled:
            for track in self.subscribers:
                track.restart()
            self.request_keyframe(force=True)
        self._enabled = enabled

    def _on_frame(self, codec: RTCRtpCodecParameters, jitter_frame: Any) -> None:
        if not self._enabled:
            return
        self.codec = codec
        self.frames += 1
        frame = EncodedFrame(
            jitter_frame.data,
            jitter_frame.timestamp,
            is_keyframe(codec, jitter_frame.data),
            time.monotonic(),
        )
        for track in self.subscribers:
            track.push(frame)
        for listener in self.listeners:
            listener(self, frame)

    def subscribe(self, track: ForwardedTrack) -> None:
        track.attach(self)
        self.subscribers.add(track)
        self.request_keyframe(force=True)

    def unsubscribe(self, track: ForwardedTrack) -> None:
        self.subscribers.discard(track)
        track.detach(self)

    def request_keyframe(self, force: bool = False) -> None:
        """Ask the publisher for a keyframe (at most every ``KEYFRAME_REQUEST_INTERVAL``
        unless ``force``)."""
        if self.kind != "video":
            return
        now = time.monotonic()
        if not force and now - self._last_keyframe_request < KEYFRAME_REQUEST_INTERVAL:
            return
        self._last_keyframe_request = now
        for source in self.receiver.getSynchronizationSources():
            task = asyncio.ensure_future(self.receiver._send_rtcp_pli(source.source))
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)

    def close(self) -> None:
        for track in list(self.subscribers):
            self.unsubscribe(track)
        self.listeners.clear()


class ForwardedTrack(MediaStreamTrack):
    """What one subscriber's sender sends: the encoded frames of the publication it is attached
    to (or nothing while detached), as :class:`av.Packet` on one continuous timeline, so the
    subscriber's slot can be reused for another publisher without confusing the receiver."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.clock_rate = CLOCK_RATES[kind]
        self.time_base = fractions.Fraction(1, self.clock_rate)
        self.publication: Publication | None = None
        self.forwarded = 0
        self.dropped = 0
        self._queue: asyncio.Queue[EncodedFrame | None] = asyncio.Queue()
        self._waiting_for_keyframe = kind == "video"
        # output timestamp = input timestamp + offset; re-based when the source changes
        self._offset: int | None = None
        self._last_out = 0
        self._last_out_at = time.monotonic()

    def attach(self, publication: Publication) -> None:
        self.publication = publication
        self.restart()

    def detach(self, publication: Publication) -> None:
        if self.publication is publication:
            self.publication = None

    def restart(self) -> None:
        """Continue from the publication's next keyframe (after a gap or a switch)."""
        self._waiting_for_keyframe = self.kind == "video"
        self._offset = None
        while not self._queue.empty():
            self._queue.get_nowait()

    def push(self, frame: EncodedFrame) -> None:
        if self._waiting_for_keyframe:
            if not frame.keyframe:
                self.dropped += 1
                if self.publication is not None:
                    self.publication.request_keyframe()
                return
            self._waiting_for_keyframe = False
        if self._queue.qsize() >= QUEUE_FRAMES:  # the subscriber's sender fell behind
            self.restart()
            self.dropped += 1
            if self.publication is not None:
                self.publication.request_keyframe()
            return
        self._queue.put_nowait(frame)

    def keyframe_requested(self) -> None:
        """The subscriber lost a picture: pass the request to the publisher."""
        if self.publication is not None:
            self.publication.request_keyframe()

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if frame is None:
            raise MediaStreamError
        if self._offset is None:  # a new source: continue after what was sent, in real time
            elapsed = int((frame.arrival - self._last_out_at) * self.clock_rate)
            self._offset = self._last_out + max(elapsed, 1) - frame.timestamp
        packet = av.Packet(frame.data)
        packet.pts = frame.timestamp + self._offset
        packet.time_base = self.time_base
        self._last_out, self._last_out_at = packet.pts, frame.arrival
        self.forwarded += 1
        return packet

    def stop(self) -> None:
        if self.publication is not None:
            self.publication.unsubscribe(self)
        self._queue.put_nowait(None)
        super().stop()
