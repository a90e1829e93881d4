"""One shared document in memory and the peers editing it (no tornado: peers are callbacks).

The room's pycrdt document only ever holds what the database holds: a peer's update is checked
(access, size, rate, well-formed), queued, stored with the others that arrived meanwhile in one
transaction (group commit), and only then applied to the document, sent to the other peers
(one frame, written to every socket) and relayed to the other replicas. A peer that joins
gets the stored state; a server restart loses nothing any peer has seen.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import create_sync_message, create_update_message, get_state, handle_sync_message

from ...clock import Clock
from ...exceptions import RateLimited
from ...identity import Identity
from ...ratelimit import Limit, RateLimiter
from ...realtime.wire import binary_frame
from ...store import Store
from .documents import new_document
from .protocol import (
    EMPTY_UPDATE,
    AwarenessEntry,
    CloseCode,
    Kind,
    MalformedMessage,
    awareness_message,
    parse_message,
    permission_denied_message,
    read_awareness,
)
from .store import Verdict, append_updates, compact_document, read_document

log = logging.getLogger(__name__)

REASONS = {
    "session_ended": "The session has ended: its notes and whiteboard are read-only.",
    "not_joined": "Only joined participants edit the notes and whiteboard; you can read them.",
    "session_deleted": "The session was deleted.",
    "deleted": "The session was deleted.",
    "removed": "You are no longer a participant of this session.",
}


class Frame:
    """A message to peers: its bytes, and (on first use) its websocket frame, built once for
    every recipient."""

    __slots__ = ("_frame", "payload")

    def __init__(self, payload: bytes):
        self.payload = payload
        self._frame: bytes | None = None

    @property
    def frame(self) -> bytes:
        if self._frame is None:
            self._frame = binary_frame(self.payload)
        return self._frame


@dataclass(eq=False)
class Peer:
    """One websocket on one document, as the room sees it."""

    identity: Identity
    send: Callable[[Frame], None]
    close: Callable[[int, str], None]
    read_only: str | None = None
    """Why this peer's updates are not stored (a key of ``REASONS``); ``None``: it edits."""
    id: int = 0
    client_ids: set[int] = field(default_factory=set)
    told: set[str] = field(default_factory=set)
    closed: bool = False

    def deliver(self, frame: Frame) -> None:
        if not self.closed:
            self.send(frame)

    def shut(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.close(code, reason[:120])


@dataclass
class DocLimits:
    """What one document and one user may do (configured on the app)."""

    max_document_bytes: int = 2 * 1024 * 1024
    max_update_bytes: int = 512 * 1024
    max_awareness_bytes: int = 16 * 1024
    update_limit: Limit = Limit(1200, 60)  # noqa: RUF009 (frozen, immutable)
    compact_after_updates: int = 500


@dataclass
class Pending:
    username: str
    update: bytes
    peer: Peer | None
    done: asyncio.Future


REMOTE = object()
"""The owner of an awareness state relayed from another replica."""


def awareness_user(identity: Identity) -> dict[str, str]:
    """The ``user`` field of a peer's awareness state: who the server says it is (y-codemirror
    reads ``name``, ``color`` and ``colorLight``)."""
    palette = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
    color = palette[sum(identity.username.encode()) % len(palette)]
    return {
        "name": identity.display_name,
        "username": identity.username,
        "color": color,
        "colorLight": color + "33",
    }


class DocRoom:
    """The document ``name`` of session ``session_id`` and its peers in this process."""

    def __init__(
        self,
        session_id: str,
        name: str,
        *,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        limits: DocLimits,
        relay: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ):
        self.session_id = session_id
        self.name = name
        self.store = store
        self.clock = clock
        self.limiter = limiter
        self.limits = limits
        self.relay = relay
        self.doc = new_document(name)
        self.peers: set[Peer] = set()
        self.size = 0
        self.unfolded = 0  # updates stored since the last compaction
        self.broken = False
        self._awareness: dict[int, tuple[int, dict | None, Any]] = {}
        self._queue: list[Pending] = []
        self._queued_bytes = 0
        self._writer: asyncio.Task | None = None
        self._compacting: asyncio.Task | None = None

    async def load(self) -> None:
        async with self.store.read() as db:
            stored = await read_document(db, self.session_id, self.name)
        self.doc = new_document(self.name, stored.snapshot, *(u for *_, u in stored.log))
        self.size, self.unfolded = stored.size, len(stored.log)

    # -- peers ------------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        """Start the sync: the server's state vector, and the awareness of everyone here."""
        self.peers.add(peer)
        peer.deliver(Frame(create_sync_message(self.doc)))
        self.send_awareness(peer)

    def leave(self, peer: Peer) -> None:
        """Forget the peer; its cursors disappear for the others."""
        self.peers.discard(peer)
        gone = []
        for cid in peer.client_ids:
            clock, _, owner = self._awareness.pop(cid, (0, None, None))
            if owner is peer:
                gone.append(AwarenessEntry(cid, clock + 1, None))
        if gone:
            self._broadcast_awareness(gone, None)

    def tell(self, peer: Peer, code: str) -> None:
        """Tell the peer why its updates are not stored, once per connection and reason (a
        y-protocols "permission denied" message: ``code: explanation``)."""
        if code not in peer.told:
            peer.told.add(code)
            peer.deliver(Frame(permission_denied_message(f"{code}: {REASONS[code]}")))

    def make_read_only(self, code: str, peers=None) -> None:
        for peer in list(self.peers if peers is None else peers):
            peer.read_only = code
            self.tell(peer, code)

    # -- messages from a peer ---------------------------------------------------------------

    async def receive(self, peer: Peer, data: bytes) -> None:
        if peer.closed:
            return
        try:
            message = parse_message(data)
            if message.kind is Kind.SYNC_STEP1:
                peer.deliver(Frame(handle_sync_message(data[1:], self.doc)))
            elif message.kind in (Kind.SYNC_STEP2, Kind.UPDATE):
                await self._receive_update(peer, message.payload)
            elif message.kind is Kind.AWARENESS:
                self._receive_awareness(peer, message.payload)
            elif message.kind is Kind.QUERY_AWARENESS:
                self.send_awareness(peer)
        except MalformedMessage as err:
            log.info("docs: closing a peer of %s/%s: %s", self.session_id, self.name, err)
            peer.shut(CloseCode.MALFORMED, f"malformed: {err}")
        except ValueError as err:  # pycrdt could not read the state vector or update
            log.info("docs: closing a peer of %s/%s: %s", self.session_id, self.name, err)
            peer.shut(CloseCode.MALFORMED, "malformed: not a Yjs update")

    def send_awareness(self, peer: Peer) -> None:
        """The awareness states of everyone in the room."""
        present = [
            AwarenessEntry(c, k, s) for c, (k, s, _) in self._awareness.items() if s is not None
        ]
        if present:
            peer.deliver(Frame(awareness_message(present)))

    async def _receive_update(self, peer: Peer, update: bytes) -> None:
        if update == EMPTY_UPDATE:
            return
        if peer.read_only is not None:
            self.tell(peer, peer.read_only)
            return
        limits = self.limits
        if len(update) > limits.max_update_bytes:
            peer.shut(CloseCode.TOO_LARGE, f"too_large: an update over {limits.max_update_bytes} B")
            return
        try:
            self.limiter.hit("doc_update", peer.identity.username, limits.update_limit)
        except RateLimited as err:
            peer.shut(CloseCode.TRY_AGAIN_LATER, f"rate_limited: retry in {err.retry_after} s")
            return
        get_state(update)  # decodes the whole update: ValueError if it is not one
        if not self._fits(len(update)):
            peer.shut(
                CloseCode.TOO_LARGE,
                f"too_large: the document would pass {limits.max_document_bytes} B",
            )
            return
        self.enqueue(peer.identity.username, update, peer)

    def _fits(self, extra: int) -> bool:
        limit = self.limits.max_document_bytes
        if self.size + self._queued_bytes + extra <= limit:
            return True
        self.size = len(self.doc.get_update())  # the stored size overestimates: measure
        return self.size + self._queued_bytes + extra <= limit

    def _receive_awareness(self, peer: Peer, payload: bytes) -> None:
        if len(payload) > self.limits.max_awareness_bytes:
            peer.shut(CloseCode.TOO_LARGE, "too_large: an awareness update over the limit")
            return
        accepted = []
        user = awareness_user(peer.identity)
        for entry in read_awareness(payload):
            owner = self._awareness.get(entry.client_id, (0, None, peer))[2]
            if owner is not peer:
                continue  # another peer's client: nobody speaks for someone else
            state = None if entry.state is None else {**entry.state, "user": user}
            if state is None:
                self._awareness.pop(entry.client_id, None)
                peer.client_ids.discard(entry.client_id)
            else:
                self._awareness[entry.client_id] = (entry.clock, state, peer)
                peer.client_ids.add(entry.client_id)
            accepted.append(AwarenessEntry(entry.client_id, entry.clock, state))
        if accepted:
            self._broadcast_awareness(accepted, peer)

    def _broadcast_awareness(self, entries: list[AwarenessEntry], origin: Peer | None) -> None:
        frame = Frame(awareness_message(entries))
        for peer in list(self.peers):
            peer.deliver(frame)
        if origin is not None and self.relay is not None:
            self._relay({"a": [[e.client_id, e.clock, e.state] for e in entries]})

    # -- storing ----------------------------------------------------------------------------

    def enqueue(self, username: str, update: bytes, peer: Peer | None) -> asyncio.Future:
        """Store ``update`` (with the others waiting), then apply and send it. The future
        resolves to the sender's :class:`Verdict`."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append(Pending(username, update, peer, done))
        self._queued_bytes += len(update)
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write())
        return done

    async def _write(self) -> None:
        try:
            while self._queue and not self.broken:
                batch, self._queue = self._queue, []
                await self._store(batch)
                self._queued_bytes -= sum(len(p.update) for p in batch)
        finally:
            self._writer = None

    async def _store(self, batch: list[Pending]) -> None:
        try:
            async with self.store.transaction() as db:
                verdicts = await append_updates(
                    db,
                    self.session_id,
                    self.name,
                    [(p.username, p.update) for p in batch],
                    self.clock.now(),
                )
        except Exception as err:
            log.exception("docs: storing updates of %s/%s failed", self.session_id, self.name)
            self.fail(err)
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(err)
            return
        stored = []
        for pending in batch:
            verdict = verdicts[pending.username]
            if verdict.allowed:
                self.doc.apply_update(pending.update)
                self.size += len(pending.update)
                self._send_update(pending.update, pending.peer)
                stored.append(pending.update)
            else:
                self._refuse(pending, verdict)
            pending.done.set_result(verdict)
        if stored and self.relay is not None:  # in any order: updates commute
            self._relay({"u": [base64.b64encode(u).decode() for u in stored]})
        self.unfolded += len(stored)
        if self.unfolded >= self.limits.compact_after_updates and self._compacting is None:
            self._compacting = asyncio.ensure_future(self.compact())

    def _send_update(self, update: bytes, origin: Peer | None) -> None:
        frame = Frame(create_update_message(update))
        for peer in list(self.peers):
            if peer is not origin:
                peer.deliver(frame)

    def _refuse(self, pending: Pending, verdict: Verdict) -> None:
        if verdict.reason in ("session_ended", "session_deleted"):
            self.make_read_only(verdict.reason)
        affected = [
            p for p in self.peers if p.identity.username == pending.username and not p.closed
        ]
        if verdict.final:
            for peer in affected:
                peer.shut(CloseCode.FORBIDDEN, f"forbidden: {REASONS.get(verdict.reason, '')}")
        else:
            self.make_read_only(verdict.reason, affected)

    def fail(self, err: Exception) -> None:
        """The database refused a write: drop this room (it is reloaded from what was
        stored on the next connection); the peers reconnect and resync."""
        self.broken = True
        for peer in list(self.peers):
            peer.shut(CloseCode.TRY_AGAIN_LATER, "unavailable: could not store the update; retry")

    async def compact(self) -> None:
        try:
            async with self.store.transaction() as db:
                await compact_document(db, self.session_id, self.name, self.clock.now())
            self.size = len(self.doc.get_update())
            self.unfolded = 0
        except Exception:
            log.exception("docs: compacting %s/%s failed; will retry", self.session_id, self.name)
        finally:
            self._compacting = None

    async def idle(self) -> None:
        """Wait until every queued update is stored and compaction finished."""
        for task in (self._writer, self._compacting):
            if task is not None:
                await asyncio.wait([task])

    # -- relayed from other replicas ------------------------------------------------------

    def _relay(self, message: dict) -> None:
        task = asyncio.ensure_future(self.relay(message))
        task.add_done_callback(_log_failure)

    def apply_relayed(self, message: dict) -> None:
        """An update stored by another replica, or awareness from its peers."""
        for encoded in message.get("u", ()):
            update = base64.b64decode(encoded)
            self.doc.apply_update(update)
            self.size += len(update)
            self._send_update(update, None)
        entries = []
        for cid, clock, state in message.get("a", ()):
            owner = self._awareness.get(cid, (0, None, REMOTE))[2]
            if owner is not REMOTE:
                continue
            if state is None:
                self._awareness.pop(cid, None)
            else:
                self._awareness[cid] = (clock, state, REMOTE)
            entries.append(AwarenessEntry(cid, clock, state))
        if entries:
            self._broadcast_awareness(entries, None)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("docs: relaying to other replicas failed", exc_info=task.exception())
