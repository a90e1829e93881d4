"""The call of each session room: who is in it, with what on, and its recordings.

Rules (the media itself is the backend's, ``backend.py``):

- Only joined participants of an active session may be in its call (course staff too must join
  the session first). Membership is checked at every join, and :meth:`MediaManager.sweep` checks
  it again for everyone in a call; :meth:`MediaManager.revoke` cuts someone off at once.
- One call per person and session: joining from another tab ends the first tab's call.
- Signalling is per tab: offers and notices go to the one connection in the call (``rtc.offer``,
  ``rtc.ended``, ...), never to the whole room. What the room sees (who is in the call, muted,
  camera on, sharing) is the ephemeral ``rtc.member`` / ``rtc.left`` on ``session:<id>``; the
  current state is ``GET /studysession/api/sessions/<id>/call``.
- Call, camera and screen time are recorded as intervals for the analytics.
- The session's settings decide: no call unless its tools include ``video``, no screen share
  unless they include ``screen_share``; with ``auto_record`` the call is recorded from its
  first member on (as started by the host).
- The host starts and stops recording; ``recording.started`` / ``recording.stopped`` are
  durable events. Ending the session, or the last person leaving, stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotAuthorized, NotFound
from ...identity import Identity
from ...models import (
    DescribeCall,
    DescribeCallMember,
    DescribeRecording,
)
from ...orm import (
    MediaInterval,
    Participant,
    ParticipantState,
    Recording,
    SessionStatus,
    StudySession,
    new_id,
)
from ...realtime.hub import Connection
from ...realtime.outbox import Event, Outbox
from ...realtime.wire import Outgoing
from ...store import Store
from ..sessions.access import hosted_session, is_joined, room_session, session_channel
from .backend import MediaBackend, MediaBackendError
from .recordings import (
    RECORDING_STOP_MESSAGES,
    RecordingArchive,
    RecordingStore,
    add_files,
    describe_recording,
    used_bytes,
)

log = logging.getLogger(__name__)

STATE_KEYS = ("audio", "video", "screen", "receive_video")
INTERVAL_KINDS = {"video": "camera", "screen": "screen"}

ENDED_MESSAGES = {
    "left": "You left the call.",
    "joined_elsewhere": "You joined the call from another tab.",
    "removed": "You are no longer a participant of this session.",
    "left_session": "You left the session.",
    "session_ended": "The session is over.",
    "media_failed": "Video and voice stopped for this room: its media server failed. "
    "Chat goes on; join the call again to retry.",
    "connection_failed": "Your connection to the media server failed. Join the call again.",
    "shutdown": "The server is stopping.",
}


@dataclass
class CallMember:
    identity: Identity
    conn: Connection
    state: dict[str, bool]
    joined_at: datetime

    def describe(self) -> DescribeCallMember:
        return DescribeCallMember(
            username=self.identity.username,
            display_name=self.identity.display_name,
            joined_at=self.joined_at,
            **self.state,
        )


@dataclass
class Call:
    session_id: str
    members: dict[str, CallMember] = field(default_factory=dict)
    recording_id: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def tools_of(session: StudySession) -> list[str]:
    """The tools enabled in a session's room (the server's defaults when not set)."""
    tools = (session.settings or {}).get("tools")
    return tools if isinstance(tools, list) else ["chat", "timer", "notes"]


class MediaManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbox: Outbox,
        backend: MediaBackend,
        recordings: RecordingStore,
        *,
        available: bool = True,
    ):
        self.available = available
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.backend = backend
        self.recordings = recordings
        self.archive = RecordingArchive(store, clock, recordings)
        self.calls: dict[str, Call] = {}
        self._tasks: set[asyncio.Task] = set()
        backend.on_offer = self._send_offer
        backend.on_peer_failed = lambda room, username: self._spawn(
            self.revoke(room, username, "connection_failed")
        )
        backend.on_recording_stopped = lambda room, recording_id, reason, files: self._spawn(
            self._recording_stopped(room, recording_id, reason, files)
        )
        backend.on_room_failed = lambda room, message: self._spawn(self._room_failed(room, message))

    # -- reading -------------------------------------------------------------------------

    async def describe_call(self, actor: Identity, session_id: str) -> DescribeCall:
        async with self.store.read() as db:
            await room_session(db, session_id, actor, purpose="see its call")
            recording = await self._current_recording(db, session_id)
        call = self.calls.get(session_id)
        return DescribeCall(
            session_id=session_id,
            available=self.available,
            members=[m.describe() for m in call.members.values()] if call else [],
            recording=describe_recording(recording) if recording else None,
            ice_servers=self.backend.client_config().get("ice_servers", []),
        )

    # -- the call ------------------------------------------------------------------------

    async def join_call(self, conn: Connection, session_id: str, state: dict) -> dict:
        """Enter the call; returns the server's offer and the call as it is."""
        actor = conn.identity
        if not self.available:
            raise Conflict(
                "Video and voice are not installed on this server "
                "(pip install 'jupyter-studysession[media]').",
                "media_unavailable",
            )
        session = await self._check_member(actor, session_id)
        call = self.calls.setdefault(session_id, Call(session_id))
        async with call.lock:
            previous = call.members.get(actor.username)
            if previous is not None:
                await self._end_member(
                    call, previous, "joined_elsewhere", tell_room=False, close_room=False
                )
            state = {"screen": False, **state}
            try:
                offer = await self.backend.join(session_id, actor.username, state)
            except MediaBackendError as err:
                if not call.members:
                    self.calls.pop(session_id, None)
                raise Conflict(str(err), "media_unavailable") from err
            member = CallMember(actor, conn, state, self.clock.now())
            call.members[actor.username] = member
            await self._open_intervals(session_id, actor.username, state, call=True)
        await self._publish_member(session_id, member)
        if session.settings.get("auto_record") and call.recording_id is None:
            await self._start_recording(session_id, session.host_username)
        described = await self.describe_call(actor, session_id)
        return {"offer": offer, "call": described.model_dump(mode="json")}

    async def answer(self, conn: Connection, session_id: str, sdp: str) -> None:
        member = self._member(conn, session_id)
        await self._backend(self.backend.answer(session_id, member.identity.username, sdp))

    async def candidate(
        self, conn: Connection, session_id: str, candidate: str, sdp_mid: str | None
    ) -> None:
        member = self._member(conn, session_id)
        await self._backend(
            self.backend.candidate(session_id, member.identity.username, candidate, sdp_mid)
        )

    async def set_state(self, conn: Connection, session_id: str, changes: dict) -> dict:
        """Microphone, camera, screen share or audio-only changed: forwarding follows at once,
        and the room is told."""
        member = self._member(conn, session_id)
        changes = {k: v for k, v in changes.items() if v is not None and member.state[k] != v}
        if changes.get("screen"):
            async with self.store.read() as db:
                session, _ = await room_session(db, session_id, conn.identity)
            if "screen_share" not in tools_of(session):
                raise Conflict(
                    "Screen sharing is not enabled in this session's settings.", "screen_share_off"
                )
        if changes:
            await self._apply_state(session_id, member, changes)
        return member.describe().model_dump(mode="json")

    async def leave_call(self, conn: Connection, session_id: str) -> None:
        call = self.calls.get(session_id)
        member = call.members.get(conn.identity.username) if call else None
        if call is None or member is None or member.conn is not conn:
            return
        async with call.lock:
            await self._end_member(call, member, "left", tell_tab=False)

    async def ask_to_mute(self, conn: Connection, session_id: str, username: str) -> None:
        """A host mutes someone: their microphone stops being forwarded at once, and their tab
        is asked to mute (they may unmute themselves)."""
        member = await self._hosted_target(conn, session_id, username)
        if member.state["audio"]:
            await self._apply_state(session_id, member, {"audio": False})
        self._tell(member.conn, session_id, "rtc.mute_requested", by=conn.identity.username)

    async def stop_share(self, conn: Connection, session_id: str, username: str) -> None:
        """A host stops someone's screen share (it stops being forwarded at once)."""
        member = await self._hosted_target(conn, session_id, username)
        if not member.state["screen"]:
            raise Conflict(f"{username} is not sharing a screen.", "not_sharing")
        await self._apply_state(session_id, member, {"screen": False})
        self._tell(member.conn, session_id, "rtc.share_stopped", by=conn.identity.username)

    async def revoke(self, session_id: str, username: str, reason: str = "removed") -> None:
        """Cut ``username``'s media in ``session_id`` at once (membership ended, connection
        failed). For the live-access revocation of whoever ends a membership."""
        call = self.calls.get(session_id)
        member = call.members.get(username) if call else None
        if call is None or member is None:
            return
        async with call.lock:
            if call.members.get(username) is member:
                await self._end_member(call, member, reason)

    async def on_revoked(self, revocation) -> None:
        """Live access to a session ended for some people (removed, session deleted), on any
        replica (``realtime/access.py``): their media is cut at once."""
        kind, _, session_id = revocation.scope.partition(":")
        call = self.calls.get(session_id) if kind == "session" else None
        if call is None:
            return
        if revocation.usernames is None:
            await self.end_call(session_id, revocation.reason or "session_ended")
            return
        for username in list(call.members):
            if revocation.concerns(username):
                await self.revoke(session_id, username, revocation.reason or "removed")

    async def end_call(self, session_id: str, reason: str = "session_ended") -> None:
        """End the whole call (and its recording): the session ended, or the server stops."""
        call = self.calls.get(session_id)
        if call is None:
            return
        async with call.lock:
            for member in list(call.members.values()):
                await self._end_member(call, member, reason, close_room=False)
            await self._finish_room(call, reason)

    async def disconnected(self, conn: Connection) -> None:
        """A tab closed: its calls end."""
        for call in list(self.calls.values()):
            member = call.members.get(conn.identity.username)
            if member is not None and member.conn is conn:
                async with call.lock:
                    if call.members.get(conn.identity.username) is member:
                        await self._end_member(call, member, "left", tell_tab=False)

    async def sweep(self) -> None:
        """Check everyone in a call is still a joined participant of an active session; cut
        off the others (a removal or an end on another server replica)."""
        for session_id, call in list(self.calls.items()):
            async with self.store.read() as db:
                rows = await db.execute(
                    select(Participant.username, Participant.state).where(
                        Participant.session_id == session_id,
                        Participant.username.in_(list(call.members)),
                    )
                )
                states = dict(rows.all())
                status = await self._status(db, session_id)
            if status != SessionStatus.active:
                await self.end_call(session_id, "session_ended")
                continue
            for username in list(call.members):
                if states.get(username) != ParticipantState.joined:
                    await self.revoke(session_id, username, "removed")

    async def close(self) -> None:
        for session_id in list(self.calls):
            await self.end_call(session_id, "shutdown")
        await self.backend.close()
        for task in list(self._tasks):
            task.cancel()

    # -- recording -----------------------------------------------------------------------

    async def start_recording(self, actor: Identity, session_id: str) -> DescribeRecording:
        async with self.store.read() as db:
            await hosted_session(db, session_id, actor, host_only=True)
        return await self._start_recording(session_id, actor.username)

    async def _start_recording(self, session_id: str, started_by: str) -> DescribeRecording:
        """Start the worker's recording, then record it. No transaction is held while the
        worker answers (the database's writers would all wait for it); the call holds the
        recording's id meanwhile, so a second start is refused."""
        call = self.calls.get(session_id)
        if call is None or not call.members:
            raise Conflict("Nobody is in the call: there is nothing to record.", "no_call")
        if call.recording_id is not None:
            raise Conflict("The call is already being recorded.", "already_recording")
        async with self.store.read() as db:
            budget, refusal = self.recordings.budget(await used_bytes(db))
        if refusal:
            raise Conflict(refusal, "recording_storage_full")
        recording = Recording(
            id=new_id(),
            session_id=session_id,
            started_by=started_by,
            started_at=self.clock.now(),
            files=[],
        )
        call.recording_id = recording.id
        try:
            await self.backend.start_recording(
                session_id,
                recording.id,
                str(self.recordings.directory(session_id, recording.id)),
                max_bytes=budget,
                min_free_bytes=int(self.recordings.min_free_mb * 1024 * 1024),
            )
        except MediaBackendError as err:
            call.recording_id = None
            raise Conflict(str(err), "media_unavailable") from err
        try:
            async with self.store.transaction() as db:
                db.add(recording)
                await db.flush()
                described = describe_recording(recording)
                await self.outbox.append(
                    db,
                    session_channel(session_id),
                    "recording.started",
                    {"recording": described.model_dump(mode="json"), "by": started_by},
                )
        except Exception:  # not recorded (the database is away): nor is anything kept
            call.recording_id = None
            with contextlib.suppress(MediaBackendError):
                await self.backend.stop_recording(session_id)
            raise
        return described

    async def stop_recording(self, actor: Identity, session_id: str) -> DescribeRecording:
        async with self.store.read() as db:
            await hosted_session(db, session_id, actor, host_only=True)
        call = self.calls.get(session_id)
        if call is None or call.recording_id is None:
            raise Conflict("The call is not being recorded.", "not_recording")
        return await self._stop_recording(call, "host")

    async def _stop_recording(
        self, call: Call, reason: str, files: list[dict] | None = None
    ) -> DescribeRecording:
        recording_id, call.recording_id = call.recording_id, None
        if files is None:
            try:
                files = await self.backend.stop_recording(call.session_id)
            except MediaBackendError:
                files = self.recordings.files_on_disk(call.session_id, recording_id)
        async with self.store.transaction() as db:
            recording = await db.get(Recording, recording_id)
            recording.stopped_at = self.clock.now()
            recording.stop_reason = reason
            add_files(recording, files)
            await db.flush()
            described = describe_recording(recording)
            await self.outbox.append(
                db,
                session_channel(call.session_id),
                "recording.stopped",
                {
                    "recording": described.model_dump(mode="json"),
                    "reason": reason,
                    "message": RECORDING_STOP_MESSAGES.get(reason, "The recording stopped."),
                },
            )
        return described

    async def _recording_stopped(
        self, session_id: str, recording_id: str, reason: str, files: list[dict]
    ) -> None:
        call = self.calls.get(session_id)
        if call is not None and call.recording_id == recording_id:
            async with call.lock:
                if call.recording_id == recording_id:
                    await self._stop_recording(call, reason, files)

    @staticmethod
    async def _current_recording(db, session_id: str) -> Recording | None:
        return await db.scalar(
            select(Recording).where(
                Recording.session_id == session_id, Recording.stopped_at.is_(None)
            )
        )

    # -- internals -----------------------------------------------------------------------

    async def _check_member(self, actor: Identity, session_id: str) -> StudySession:
        async with self.store.read() as db:
            session, member = await room_session(db, session_id, actor, purpose="be in its call")
            if not is_joined(member):
                raise NotAuthorized("Join the session to be in its call.", "not_joined")
            if session.status != SessionStatus.active:
                raise Conflict("The call opens when the session starts.", "session_not_active")
            if "video" not in tools_of(session):
                raise Conflict("Video is not enabled in this session's settings.", "video_off")
            return session

    @staticmethod
    async def _status(db, session_id: str) -> SessionStatus | None:
        return await db.scalar(select(StudySession.status).where(StudySession.id == session_id))

    def _member(self, conn: Connection, session_id: str) -> CallMember:
        call = self.calls.get(session_id)
        member = call.members.get(conn.identity.username) if call else None
        if member is None or member.conn is not conn:
            raise Conflict("This tab is not in the call; join it first.", "not_in_call")
        return member

    async def _hosted_target(self, conn: Connection, session_id: str, username: str):
        async with self.store.read() as db:
            await hosted_session(db, session_id, conn.identity)
        call = self.calls.get(session_id)
        member = call.members.get(username) if call else None
        if member is None:
            raise NotFound(f"{username} is not in the call.", "not_in_call")
        return member

    async def _apply_state(self, session_id: str, member: CallMember, changes: dict) -> None:
        unknown = set(changes) - set(STATE_KEYS)
        if unknown:
            raise InvalidInput(f"Unknown media state: {', '.join(sorted(unknown))}.")
        await self._backend(self.backend.update(session_id, member.identity.username, changes))
        now = self.clock.now()
        async with self.store.transaction() as db:
            for key, value in changes.items():
                kind = INTERVAL_KINDS.get(key)
                if kind is None:
                    continue
                if value:
                    db.add(self._interval(session_id, member.identity.username, kind, now))
                else:
                    await self._close_intervals(db, session_id, member.identity.username, [kind])
        member.state.update(changes)
        await self._publish_member(session_id, member)

    async def _end_member(
        self,
        call: Call,
        member: CallMember,
        reason: str,
        *,
        tell_tab: bool = True,
        tell_room: bool = True,
        close_room: bool = True,
    ) -> None:
        username = member.identity.username
        call.members.pop(username, None)
        try:
            await self.backend.leave(call.session_id, username)
        except MediaBackendError as err:
            log.warning("media: leaving %s's call failed: %s", call.session_id, err)
        async with self.store.transaction() as db:
            await self._close_intervals(db, call.session_id, username)
        if tell_tab:
            self._tell(
                member.conn,
                call.session_id,
                "rtc.ended",
                reason=reason,
                message=ENDED_MESSAGES.get(reason, "The call ended."),
            )
        if tell_room:
            await self.outbox.publish_ephemeral(
                session_channel(call.session_id),
                "rtc.left",
                {"username": username, "reason": reason},
            )
        if close_room and not call.members:
            await self._finish_room(call, "call_ended")

    async def _finish_room(self, call: Call, reason: str) -> None:
        if call.recording_id is not None:
            await self._stop_recording(call, reason)
        if not call.members:
            self.calls.pop(call.session_id, None)
            await self.backend.close_room(call.session_id)

    async def _room_failed(self, session_id: str, message: str) -> None:
        log.error("media: the call of session %s ended: %s", session_id, message)
        call = self.calls.get(session_id)
        if call is None:
            return
        async with call.lock:
            if call.recording_id is not None:
                files = self.recordings.files_on_disk(session_id, call.recording_id)
                await self._stop_recording(call, "media_failed", files)
            for member in list(call.members.values()):
                await self._end_member(call, member, "media_failed", close_room=False)
            self.calls.pop(session_id, None)

    async def _open_intervals(self, session_id: str, username: str, state: dict, call: bool):
        now = self.clock.now()
        async with self.store.transaction() as db:
            if call:
                db.add(self._interval(session_id, username, "call", now))
            for key, kind in INTERVAL_KINDS.items():
                if state.get(key):
                    db.add(self._interval(session_id, username, kind, now))

    @staticmethod
    def _interval(session_id: str, username: str, kind: str, now: datetime) -> MediaInterval:
        return MediaInterval(session_id=session_id, username=username, kind=kind, started_at=now)

    async def _close_intervals(self, db, session_id: str, username: str, kinds=None) -> None:
        query = select(MediaInterval).where(
            MediaInterval.session_id == session_id,
            MediaInterval.username == username,
            MediaInterval.ended_at.is_(None),
        )
        if kinds is not None:
            query = query.where(MediaInterval.kind.in_(kinds))
        for interval in await db.scalars(query):
            interval.ended_at = self.clock.now()

    async def _publish_member(self, session_id: str, member: CallMember) -> None:
        await self.outbox.publish_ephemeral(
            session_channel(session_id),
            "rtc.member",
            {"member": member.describe().model_dump(mode="json")},
        )

    def _send_offer(self, session_id: str, username: str, offer: dict) -> None:
        call = self.calls.get(session_id)
        member = call.members.get(username) if call else None
        if member is not None:
            self._tell(member.conn, session_id, "rtc.offer", **offer)

    @staticmethod
    def _tell(conn: Connection, session_id: str, event_type: str, **data) -> None:
        """An event for one tab only (signalling is never fanned out to the room)."""
        event = Event(session_channel(session_id), event_type, {"session_id": session_id, **data})
        conn.deliver(Outgoing(event.to_json()))

    async def _backend(self, awaitable) -> None:
        try:
            await awaitable
        except MediaBackendError as err:
            raise Conflict(str(err), "media_error") from err

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("media: background task failed", exc_info=task.exception())
