"""The shared documents of every session: who may open them, the rooms in this process, the
relay between replicas, and the REST side (files, appending to the notes, clearing the board).

Authorisation happens before a room exists or any byte of a document is sent: joined
participants of a scheduled or active session edit; staff and former participants read; after
the end everyone reads; everybody else is refused (close codes in :mod:`.protocol`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ...bus import Bus, LocalBus
from ...clock import Clock
from ...exceptions import Conflict, NotAuthorized, NotFound
from ...identity import Identity
from ...models import DescribeNotes
from ...orm import DocumentExport, Participant, ParticipantState, StudySession
from ...ratelimit import RateLimiter
from ...realtime.access import ChannelAccess, Revocation
from ...store import Store
from ..sessions.access import is_host, room_session
from .documents import (
    DOC_NAMES,
    NOTES,
    WHITEBOARD,
    new_document,
    notes_markdown,
    notes_text,
    whiteboard_shapes,
    whiteboard_svg,
)
from .protocol import CloseCode
from .room import REASONS, DocLimits, DocRoom, Frame, Peer
from .store import OPEN_STATUSES, read_document

log = logging.getLogger(__name__)

EXPORTS = {"notes.md": (NOTES, "text/markdown"), "whiteboard.svg": (WHITEBOARD, "image/svg+xml")}


def read_only_reason(status: str, state: str | None, is_staff: bool) -> str | bool | None:
    """``None``: may edit; a reason code (see ``REASONS``): may read only; ``False``: may not
    open the documents at all."""
    if state == ParticipantState.joined and status in OPEN_STATUSES:
        return None
    if state in (ParticipantState.joined, ParticipantState.left) or is_staff:
        return "session_ended" if status not in OPEN_STATUSES else "not_joined"
    return False


@dataclass(frozen=True)
class DocAccess:
    session_id: str
    name: str
    read_only: str | None


class DocRoomManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        bus: Bus,
        limits: DocLimits | None = None,
        *,
        access: ChannelAccess | None = None,
        idle_seconds: float = 30,
    ):
        self.store = store
        self.clock = clock
        self.limiter = limiter
        self.bus = bus
        self.limits = limits or DocLimits()
        self.idle_seconds = idle_seconds
        self.replica = uuid.uuid4().hex
        self.rooms: dict[tuple[str, str], DocRoom] = {}
        self._loading: dict[tuple[str, str], asyncio.Future] = {}
        self._unload: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._next_peer = 0
        self._relayed = not isinstance(bus, LocalBus)
        bus.route("doc:*", self._on_relay)
        self.access = access
        if access is not None:  # removals, leaves and deletions on any replica reach us
            access.on_revoke(self._on_revocation)

    # -- authorisation ----------------------------------------------------------------------

    async def authorize(self, identity: Identity, session_id: str, name: str) -> DocAccess:
        """May ``identity`` open document ``name`` of the session, and edit it? Raises
        :class:`NotFound` (no such session or document) or :class:`NotAuthorized`."""
        if name not in DOC_NAMES:
            raise NotFound(f"No document {name!r}: there are {', '.join(DOC_NAMES)}.", "not_found")
        if self.access is not None:  # the one rule of who may receive a session's live data
            await self.access.authorize(identity, f"session:{session_id}")
        async with self.store.read() as db:
            session, member = await room_session(
                db, session_id, identity, purpose="open its notes and whiteboard"
            )
        reason = read_only_reason(session.status, member and member.state, identity.is_staff)
        assert reason is not False  # room_session let them in
        return DocAccess(session_id, name, reason)

    # -- connections ------------------------------------------------------------------------

    async def connect(
        self,
        identity: Identity,
        access: DocAccess,
        send: Callable[[Frame], None],
        close: Callable[[int, str], None],
    ) -> Peer:
        """Join an authorised peer to its room (loaded if needed) and start the sync."""
        room = await self.room(access.session_id, access.name)
        self._next_peer += 1
        peer = Peer(identity, send, close, read_only=access.read_only, id=self._next_peer)
        room.join(peer)
        if access.read_only is not None:  # so that its editor shows it at once
            room.tell(peer, access.read_only)
        return peer

    async def receive(self, peer: Peer, access: DocAccess, data: bytes) -> None:
        room = self.rooms.get((access.session_id, access.name))
        if room is None or room.broken:
            peer.shut(CloseCode.TRY_AGAIN_LATER, "unavailable: the document was unloaded; retry")
            return
        await room.receive(peer, data)

    def disconnect(self, peer: Peer, access: DocAccess) -> None:
        key = (access.session_id, access.name)
        room = self.rooms.get(key)
        if room is None:
            return
        room.leave(peer)
        if not room.peers:
            self._schedule_unload(key)

    async def revoke(self, session_id: str, username: str, reason: str = "removed") -> int:
        """Close ``username``'s connections to the session's documents in this process (close
        code 4403): their membership ended (removed, the session deleted). Returns how many
        were closed. The realtime layer's membership revocation calls this."""
        closed = 0
        for name in DOC_NAMES:
            room = self.rooms.get((session_id, name))
            for peer in list(room.peers) if room else ():
                if peer.identity.username == username and not peer.closed:
                    peer.shut(CloseCode.FORBIDDEN, f"forbidden: {REASONS.get(reason, reason)}")
                    closed += 1
        return closed

    async def recheck_access(self) -> None:
        """Apply membership changes to open connections (run periodically, as a safety net
        for revocations: see :meth:`recheck_session`)."""
        for session_id in {sid for (sid, _), room in list(self.rooms.items()) if room.peers}:
            await self.recheck_session(session_id)

    async def recheck_session(self, session_id: str, reason: str = "removed") -> None:
        """Check the session's open connections in this process against its membership: a
        peer who may no longer receive the session (removed, the session deleted) is closed
        (4403, ``reason``); one who left reads only; everyone reads after the end."""
        rooms = [r for n in DOC_NAMES if (r := self.rooms.get((session_id, n))) and r.peers]
        peers = [peer for room in rooms for peer in room.peers]
        if not peers:
            return
        async with self.store.read() as db:
            status = await db.scalar(
                select(StudySession.status).where(StudySession.id == session_id)
            )
            states = dict(
                (
                    await db.execute(
                        select(Participant.username, Participant.state).where(
                            Participant.session_id == session_id,
                            Participant.username.in_({p.identity.username for p in peers}),
                        )
                    )
                ).all()
            )
        for room in rooms:
            for peer in list(room.peers):
                identity = peer.identity
                allowed = status is not None and (
                    self.access is None
                    or await self.access.allowed(identity, f"session:{session_id}")
                )
                state = states.get(identity.username)
                verdict = read_only_reason(status, state, identity.is_staff) if allowed else False
                if verdict is False:
                    why = "session_deleted" if status is None else reason
                    peer.shut(CloseCode.FORBIDDEN, f"forbidden: {REASONS.get(why, why)}")
                elif verdict is None:
                    peer.read_only = None
                elif verdict != peer.read_only:
                    room.make_read_only(verdict, [peer])

    async def _on_revocation(self, revocation: Revocation) -> None:
        """Access to a session may have ended for some users (on any replica)."""
        kind, _, session_id = revocation.scope.partition(":")
        if kind != "session":
            return
        concerned = any(
            revocation.concerns(peer.identity.username)
            for name in DOC_NAMES
            for peer in getattr(self.rooms.get((session_id, name)), "peers", ())
        )
        if concerned:
            await self.recheck_session(session_id, revocation.reason or "removed")

    # -- rooms ------------------------------------------------------------------------------

    async def room(self, session_id: str, name: str) -> DocRoom:
        """The loaded room of a document (loading it once, however many peers arrive)."""
        key = (session_id, name)
        timer = self._unload.pop(key, None)
        if timer is not None:
            timer.cancel()
        room = self.rooms.get(key)
        if room is not None and not room.broken:
            return room
        if key not in self._loading:
            self._loading[key] = asyncio.ensure_future(self._load(session_id, name))
        try:
            return await asyncio.shield(self._loading[key])
        finally:
            self._loading.pop(key, None)

    async def _load(self, session_id: str, name: str) -> DocRoom:
        room = DocRoom(
            session_id,
            name,
            store=self.store,
            clock=self.clock,
            limiter=self.limiter,
            limits=self.limits,
            relay=self._publisher(session_id, name) if self._relayed else None,
        )
        channel = f"doc:{session_id}:{name}"
        self.rooms[(session_id, name)] = room  # relayed updates are applied from now on
        await self.bus.listen(channel)
        try:
            await room.load()  # after listening: nothing stored meanwhile is missed
        except Exception:
            del self.rooms[(session_id, name)]
            await self.bus.unlisten(channel)
            raise
        return room

    def _publisher(self, session_id: str, name: str):
        channel = f"doc:{session_id}:{name}"

        async def publish(body: dict) -> None:
            await self.bus.publish(channel, json.dumps({"origin": self.replica, **body}))

        return publish

    async def _on_relay(self, channel: str, message: str) -> None:
        _, session_id, name = channel.split(":", 2)
        room = self.rooms.get((session_id, name))
        body = json.loads(message)
        if room is not None and body.get("origin") != self.replica:
            room.apply_relayed(body)

    def _schedule_unload(self, key: tuple[str, str]) -> None:
        if key in self._unload:
            return
        loop = asyncio.get_running_loop()
        self._unload[key] = loop.call_later(
            self.idle_seconds, lambda: asyncio.ensure_future(self._unload_room(key))
        )

    async def _unload_room(self, key: tuple[str, str]) -> None:
        self._unload.pop(key, None)
        room = self.rooms.get(key)
        if room is None or room.peers:
            return
        await room.idle()
        if not room.peers and self.rooms.get(key) is room:
            del self.rooms[key]
            await self.bus.unlisten(f"doc:{key[0]}:{key[1]}")

    async def close(self) -> None:
        for timer in self._unload.values():
            timer.cancel()
        for room in list(self.rooms.values()):
            await room.idle()

    # -- REST -------------------------------------------------------------------------------

    async def export_file(self, identity: Identity, session_id: str, filename: str) -> tuple:
        """``(media_type, content)`` of ``notes.md`` or ``whiteboard.svg``: the file written
        when the session ended, or the document as it is now."""
        name, media_type = EXPORTS[filename]
        await self.authorize(identity, session_id, name)
        async with self.store.read() as db:
            exported = await db.get(DocumentExport, (session_id, filename))
            if exported is not None:
                return exported.media_type, exported.content
            stored = await read_document(db, session_id, name)
        doc = new_document(name, stored.snapshot, *(u for *_, u in stored.log))
        content = notes_markdown(doc) if name == NOTES else whiteboard_svg(doc)
        return media_type, content

    async def append_notes(self, identity: Identity, session_id: str, text: str) -> DescribeNotes:
        """Append ``text`` to the notes, as ``identity`` (joined participants, open session)."""

        def append(doc) -> None:
            notes_text(doc).insert(len(notes_text(doc)), text)

        room = await self.edit(identity, session_id, NOTES, append)
        return DescribeNotes(session_id=session_id, markdown=notes_markdown(room.doc))

    async def clear_whiteboard(self, identity: Identity, session_id: str) -> int:
        """Remove every shape (the host or a co-host, open session). Returns how many."""
        async with self.store.read() as db:
            _, member = await room_session(db, session_id, identity, purpose="clear the board")
        if not is_host(member):
            raise NotAuthorized("Only the host or a co-host can clear the board.", "not_host")
        removed = []

        def clear(doc) -> None:
            shapes = whiteboard_shapes(doc)
            removed.extend(shapes.keys())
            with doc.transaction():
                for key in removed:
                    del shapes[key]

        await self.edit(identity, session_id, WHITEBOARD, clear)
        return len(removed)

    async def edit(self, identity: Identity, session_id: str, name: str, change) -> DocRoom:
        """Change document ``name`` as ``identity``: ``change(doc)`` runs on a copy of the
        document, and the updates it makes go through the room like a peer's (checked,
        stored, then sent to everyone)."""
        access = await self.authorize(identity, session_id, name)
        if access.read_only is not None:
            raise Conflict(REASONS[access.read_only], access.read_only)
        room = await self.room(session_id, name)
        copy = new_document(name, room.doc.get_update())
        updates: list[bytes] = []
        subscription = copy.observe(lambda event: updates.append(event.update))
        change(copy)
        copy.unobserve(subscription)
        for update in updates:
            verdict = await room.enqueue(identity.username, update, None)
            if not verdict.allowed:
                raise Conflict(REASONS[verdict.reason], verdict.reason)
        if not room.peers:
            self._schedule_unload((session_id, name))
        return room
