"""The load generator of ``media_forwarding.py``: a process hosting many aiortc participants.

Publishers replay pre-encoded VP8 (640x360) and Opus packets at the frame rate, paced on a
shared epoch (frame ``k`` is due at ``epoch + k / fps``), switching to the key-frame version of
the next frame when the media server asks for one. Subscribers take the encoded frames out of
their receivers (the same hook as the media server: nothing is decoded), recognise each frame by
its bytes, and so know when it was sent: latency = arrival - due time. Speaks the media worker's
JSON-lines protocol (``cmd_*`` requests).
"""

from __future__ import annotations

import asyncio
import fractions
import hashlib
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.rtcconfiguration import RTCBundlePolicy

from jupyter_studysession.services.media.forward import on_keyframe_request, tap_encoded_frames
from jupyter_studysession.services.media.worker import CommandServer, main


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


class ReplayTrack(MediaStreamTrack):
    """Pre-encoded packets at a fixed rate on the shared epoch, looping."""

    def __init__(self, kind: str, frames: list[tuple[bytes, bytes]], rate: float, epoch: float):
        super().__init__()
        self.kind = kind
        self.frames = frames  # (delta, key) per index; audio: (packet, packet)
        self.rate = rate
        self.epoch = epoch
        self.clock = 90000 if kind == "video" else 48000
        self.number: int | None = None
        self.key_wanted = True
        self.late = 0.0

    async def recv(self) -> av.Packet:
        if self.number is None:
            self.number = int((time.time() - self.epoch) * self.rate) + 1
        due = self.epoch + self.number / self.rate
        wait = due - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            self.late = max(self.late, -wait)
        delta, key = self.frames[self.number % len(self.frames)]
        data = key if self.key_wanted else delta
        self.key_wanted = False
        packet = av.Packet(data)
        packet.pts = int(self.number * self.clock / self.rate)
        packet.time_base = fractions.Fraction(1, self.clock)
        self.number += 1
        return packet


class LoadGenerator(CommandServer):
    def __init__(self, config, write):
        super().__init__(config, write)
        media = pickle.loads(Path(config["media"]).read_bytes())
        self.video, self.audio = media["video"], media["audio"]
        self.fps, self.epoch = config["fps"], config["epoch"]
        self.index = {digest(d): i for i, pair in enumerate(self.video) for d in pair}
        self.peers: dict[str, dict] = {}

    async def cmd_add_peer(self, name: str, publish: bool) -> dict:
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        peer = {"pc": pc, "slots": {}, "tracks": {}, "frames": defaultdict(list), "first": {}}
        if publish:
            peer["tracks"] = {
                "camera": ReplayTrack("video", self.video, self.fps, self.epoch),
                "audio": ReplayTrack("audio", [(a, a) for a in self.audio], 50, self.epoch),
            }
        self.peers[name] = peer

        def on_track(track):
            for transceiver in pc.getTransceivers():
                if transceiver.receiver.track is track:
                    tap_encoded_frames(
                        transceiver.receiver,
                        lambda codec, frame, mid=transceiver.mid: self._arrived(name, mid, frame),
                    )

        pc.on("track", on_track)
        return {}

    def _arrived(self, name: str, mid: str, frame) -> None:
        now = time.time()
        peer = self.peers[name]
        source = peer["slots"].get(mid)
        if source is None:
            return
        peer["first"].setdefault(source, now)
        if source[1] != "camera":
            peer["frames"][source].append((now, None))
            return
        index = self.index.get(digest(frame.data))
        latency = None
        if index is not None:  # forwarded bytes are the publisher's: we know when it was due
            period = len(self.video)
            k = int(((now - self.epoch) * self.fps - index) // period) * period + index
            latency = now - (self.epoch + k / self.fps)
        peer["frames"][source].append((now, latency))

    async def cmd_accept(self, name: str, offer: dict) -> dict:
        peer = self.peers[name]
        pc = peer["pc"]
        for slot in offer.get("slots", []):
            peer["slots"][slot["mid"]] = (slot["username"], slot["source"])
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        if not peer.get("published"):
            peer["published"] = True
            by_mid = {t.mid: t for t in pc.getTransceivers()}
            for source, track in peer["tracks"].items():
                transceiver = by_mid[offer["publish"][source]]
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendrecv"
                if track.kind == "video":
                    on_keyframe_request(
                        transceiver.sender, lambda t=track: setattr(t, "key_wanted", True)
                    )
        await pc.setLocalDescription(await pc.createAnswer())
        return {"sdp": pc.localDescription.sdp}

    async def cmd_report(self, since: float, until: float) -> dict:
        """Per subscriber and source: frames and latencies between ``since`` and ``until``,
        the first arrival; per publisher, how late its pacing ran."""
        report = {}
        for name, peer in self.peers.items():
            report[name] = {
                "received": {
                    f"{u}/{s}": [lat for t, lat in frames if since <= t < until]
                    for (u, s), frames in peer["frames"].items()
                },
                "first": {f"{u}/{s}": t for (u, s), t in peer["first"].items()},
                "late": max((t.late for t in peer["tracks"].values()), default=0.0),
            }
        return report

    async def close(self) -> None:
        for peer in self.peers.values():
            await peer["pc"].close()


if __name__ == "__main__":
    main(sys.argv[1:], server_class=LoadGenerator)
