"""One room's media, inside its worker process: a peer connection per participant, their
publications, and each subscriber's slots.

The server side of every participant's single peer connection makes all the offers, so there
is never glare: at join it offers three receive-only transceivers (microphone, camera,
screen), which the participant answers by attaching its tracks; whenever the room changes it
adds, reuses or idles send-only transceivers ("slots") carrying the others' tracks and offers
again. Toggles (mute, camera, share) need no renegotiation: the client swaps tracks in place
and the server switches forwarding on and off (:class:`~.forward.Publication`).

Slots are reused: when a publisher leaves, its slots go idle (``inactive``) and the next
publisher of the same kind takes them, so a long session does not grow its SDP without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.sdp import candidate_from_sdp

from .forward import ForwardedTrack, Publication, codec_preferences, on_keyframe_request

log = logging.getLogger(__name__)

SOURCES = {"audio": "audio", "camera": "video", "screen": "video"}
"""What a participant publishes, and the kind of each."""


class MediaError(Exception):
    """A request the room cannot honour; the message is for people."""


@dataclass
class Slot:
    """A send-only transceiver of a subscriber: one of the others' tracks, or idle."""

    mid: str | None
    kind: str
    transceiver: Any
    track: ForwardedTrack
    publication: Publication | None = None
    fresh: bool = True  # attached since the last offer: restart at the next keyframe

    def describe(self) -> dict | None:
        if self.publication is None or self.mid is None:
            return None
        return {
            "mid": self.mid,
            "username": self.publication.owner,
            "source": self.publication.source,
        }


@dataclass
class PeerState:
    """What a participant sends and wants; the server enforces it."""

    audio: bool = True
    video: bool = True
    screen: bool = False
    receive_video: bool = True


@dataclass
class Peer:
    username: str
    pc: RTCPeerConnection
    publications: dict[str, Publication] = field(default_factory=dict)
    publish_mids: dict[str, str] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)
    state: PeerState = field(default_factory=PeerState)
    answered: bool = False  # the first answer arrived: the publications exist
    awaiting_answer: bool = False
    renegotiate: bool = False  # something changed while an offer was out
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def preferences(kind: str, codec_name: str) -> list:
    mime = f"{kind}/{codec_name}" if kind == "video" else "audio/opus"
    codec = next(c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType == mime)
    return codec_preferences(kind, codec)


class MediaRoom:
    """The media of one session room.

    ``emit(event, **data)`` tells the server about things it did not ask for: a new offer for
    a participant (``offer``), a participant whose connection failed (``peer_failed``)."""

    publication_class = Publication

    def __init__(
        self,
        emit: Callable[..., None],
        *,
        ice_servers: list[dict] | None = None,
        video_codec: str = "VP8",
        max_peers: int = 16,
    ):
        self.emit = emit
        self.video_codec = video_codec
        self.max_peers = max_peers
        self.peers: dict[str, Peer] = {}
        self._configuration = RTCConfiguration(
            iceServers=ice_server_list(ice_servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        self.publication_listeners: list[Callable[[Publication], None]] = []
        self.closing = False

    # -- requests from the server ----------------------------------------------------------

    async def join(self, username: str, state: dict | None = None) -> dict:
        """A new peer connection for ``username`` (replacing theirs, if any); returns the
        server's offer: ``{"sdp", "type", "publish": {source: mid}, "slots": [...]}``."""
        if username in self.peers:
            await self.leave(username)
        if len(self.peers) >= self.max_peers:
            raise MediaError(f"The call is full ({self.max_peers} people).")
        pc = RTCPeerConnection(self._configuration)
        peer = Peer(username, pc, state=PeerState(**(state or {})))
        self.peers[username] = peer
        for source, kind in SOURCES.items():
            transceiver = pc.addTransceiver(kind, direction="recvonly")
            transceiver.setCodecPreferences(preferences(kind, self.video_codec))
            publication = self.publication_class(username, source, kind, transceiver.receiver)
            publication.enabled = self._wants(peer, source)
            peer.publications[source] = publication
        pc.on("connectionstatechange", lambda: self._connection_changed(peer))
        async with peer.lock:
            self._subscribe_all(peer)
            return await self._offer(peer)

    async def answer(self, username: str, sdp: str) -> dict:
        peer = self._peer(username)
        async with peer.lock:
            if not peer.awaiting_answer:
                raise MediaError("No offer is waiting for an answer.")
            try:
                await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            except (ValueError, AttributeError) as err:
                raise MediaError(f"The answer is not valid SDP: {err}") from err
            peer.awaiting_answer = False
            for slot in peer.slots:
                if slot.fresh and slot.publication is not None:
                    slot.track.restart()
                    slot.publication.request_keyframe(force=True)
                slot.fresh = False
            first = not peer.answered
            peer.answered = True
        if first:
            for publication in peer.publications.values():
                for listener in self.publication_listeners:
                    listener(publication)
            for other in self.peers.values():
                if other is not peer:
                    await self._resubscribe(other)
        if peer.renegotiate:
            await self._resubscribe(peer, force=True)
        return {}

    async def candidate(self, username: str, candidate: str, sdp_mid: str | None = None) -> dict:
        """A trickled ICE candidate of the participant (``candidate:...`` as in SDP)."""
        peer = self._peer(username)
        if not candidate:
            return {}  # end of candidates
        try:
            parsed = candidate_from_sdp(candidate.removeprefix("candidate:"))
        except (ValueError, IndexError) as err:
            raise MediaError("Not an ICE candidate.") from err
        parsed.sdpMid = sdp_mid or (peer.pc.getTransceivers()[0].mid)
        async with peer.lock:
            await peer.pc.addIceCandidate(parsed)
        return {}

    async def update(self, username: str, **changes: bool) -> dict:
        """Change what a participant sends or receives (``audio``, ``video``, ``screen``,
        ``receive_video``): forwarding follows at once; slots are renegotiated only when a
        share starts or audio-only mode changes."""
        peer = self._peer(username)
        before = PeerState(**vars(peer.state))
        for key, value in changes.items():
            if not hasattr(peer.state, key):
                raise MediaError(f"Unknown media state {key!r}.")
            setattr(peer.state, key, bool(value))
        for source, publication in peer.publications.items():
            publication.enabled = self._wants(peer, source)
        if before.receive_video != peer.state.receive_video:
            await self._resubscribe(peer)
        if before.screen != peer.state.screen:
            for other in list(self.peers.values()):
                if other is not peer:
                    await self._resubscribe(other)
        return {"state": vars(peer.state)}

    async def leave(self, username: str) -> dict:
        peer = self.peers.pop(username, None)
        if peer is None:
            return {}
        for publication in peer.publications.values():
            publication.close()
        for slot in peer.slots:
            slot.track.stop()
        with contextlib.suppress(Exception):
            await peer.pc.close()
        if not self.closing:
            for other in list(self.peers.values()):
                await self._resubscribe(other)
        return {}

    def stats(self) -> dict:
        """Frames received per publication and forwarded per slot (tests and benchmarks)."""
        return {
            name: {
                "received": {s: p.frames for s, p in peer.publications.items()},
                "forwarded": {
                    f"{slot.publication.owner}/{slot.publication.source}": slot.track.forwarded
                    for slot in peer.slots
                    if slot.publication is not None
                },
                "dropped": sum(slot.track.dropped for slot in peer.slots),
                "connection": peer.pc.connectionState,
            }
            for name, peer in self.peers.items()
        }

    async def close(self) -> None:
        self.closing = True
        for username in list(self.peers):
            await self.leave(username)

    # -- subscriptions ---------------------------------------------------------------------

    @staticmethod
    def _wants(peer: Peer, source: str) -> bool:
        return {"audio": peer.state.audio, "camera": peer.state.video, "screen": peer.state.screen}[
            source
        ]

    def _desired(self, peer: Peer) -> list[Publication]:
        """The publications ``peer`` should receive, in a stable order."""
        wanted = []
        for other in self.peers.values():
            if other is peer or not other.answered:
                continue
            for source, publication in other.publications.items():
                if publication.receiver.track is None:  # its owner answered it without sending
                    continue
                if publication.kind == "video" and not peer.state.receive_video:
                    continue
                if source == "screen" and not other.state.screen:
                    continue
                wanted.append(publication)
        return wanted

    def _subscribe_all(self, peer: Peer) -> bool:
        """Make ``peer``'s slots match what it should receive; True if the SDP must change."""
        desired = self._desired(peer)
        changed = False
        for slot in peer.slots:
            if slot.publication is not None and slot.publication not in desired:
                slot.publication.unsubscribe(slot.track)
                slot.publication = None
                slot.transceiver.direction = "inactive"
                changed = True
        attached = {slot.publication for slot in peer.slots}
        for publication in desired:
            if publication in attached:
                continue
            slot = next(
                (s for s in peer.slots if s.publication is None and s.kind == publication.kind),
                None,
            )
            if slot is None:
                track = ForwardedTrack(publication.kind)
                transceiver = peer.pc.addTransceiver(publication.kind, direction="sendonly")
                transceiver.setCodecPreferences(preferences(publication.kind, self.video_codec))
                transceiver.sender.replaceTrack(track)
                on_keyframe_request(transceiver.sender, track.keyframe_requested)
                slot = Slot(None, publication.kind, transceiver, track)
                peer.slots.append(slot)
            slot.transceiver.direction = "sendonly"
            slot.publication = publication
            slot.fresh = True
            publication.subscribe(slot.track)
            changed = True
        return changed

    async def _resubscribe(self, peer: Peer, force: bool = False) -> None:
        async with peer.lock:
            if peer.username not in self.peers:
                return
            changed = self._subscribe_all(peer)
            if not (changed or force):
                return
            if peer.awaiting_answer:
                peer.renegotiate = True
                return
            offer = await self._offer(peer)
        self.emit("offer", username=peer.username, **offer)

    async def _offer(self, peer: Peer) -> dict:
        peer.renegotiate = False
        await peer.pc.setLocalDescription(await peer.pc.createOffer())
        peer.awaiting_answer = True
        transceivers = peer.pc.getTransceivers()
        peer.publish_mids = {source: transceivers[i].mid for i, source in enumerate(SOURCES)}
        for slot in peer.slots:
            slot.mid = slot.transceiver.mid
        return {
            "sdp": peer.pc.localDescription.sdp,
            "type": "offer",
            "publish": peer.publish_mids,
            "slots": [d for d in (s.describe() for s in peer.slots) if d is not None],
        }

    def _connection_changed(self, peer: Peer) -> None:
        if peer.pc.connectionState == "failed" and self.peers.get(peer.username) is peer:
            self.emit("peer_failed", username=peer.username)

    def _peer(self, username: str) -> Peer:
        peer = self.peers.get(username)
        if peer is None:
            raise MediaError("Not in the call.")
        return peer


def ice_server_list(config: list[dict] | None) -> list[RTCIceServer]:
    """The configured STUN/TURN servers; none by default (aiortc would otherwise use a public
    STUN server: nothing third-party is contacted unless configured)."""
    return [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in config or []
    ]
