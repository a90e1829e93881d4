"""The study-session lifecycle: create, list, update, cancel, start, end, clean up.

Every public method is one transaction; audit events are emitted after it commits.
Membership (join, leave, invites, participants) lives in :mod:`.participants`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import idempotency
from ...audit import Audit
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotFound
from ...identity import SYSTEM, Identity
from ...models import (
    CleanupResult,
    CreateSession,
    DescribeSession,
    DescribeSummary,
    EndSession,
    EndSessionResult,
    ListSessions,
    ListSessionsQuery,
    PageQuery,
    Scope,
    UpdateSession,
)
from ...orm import (
    Participant,
    ParticipantState,
    SessionStatus,
    StudySession,
)
from ...ratelimit import Limit, RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store
from ...summarizer import ExtractiveSummarizer, Summarizer
from ..docs.exports import export_documents
from ..follow.coverage import ending_place
from ..groups import access as group_access
from ..notifications.manager import NotificationManager
from ..schedules.manager import ScheduleManager, changes_calendar, forget_reminders
from ..timer.manager import stop_timer
from ..users.manager import ensure_users, record_user
from . import attendance, cleanup
from .access import (
    MEMBER_STATES,
    add_members,
    check_start,
    describe_session,
    describe_sessions,
    hosted_session,
    load_session,
    next_cursor,
    paginate,
    publish_session,
    viewable_session,
)

log = logging.getLogger(__name__)


@dataclass
class SessionPolicy:
    """The configurable rules of the lifecycle (set from the app's traits)."""

    join_window: timedelta = timedelta(minutes=5)
    abandon_scheduled_after: timedelta = timedelta(minutes=30)
    auto_end_active_after: timedelta = timedelta(hours=6)
    create_limit: Limit = Limit(10, 3600)  # noqa: RUF009 (frozen, immutable)
    event_retention: timedelta = timedelta(hours=72)
    expire_unstarted_after: timedelta = timedelta(days=7)


async def add_session(
    db,
    host: Identity,
    request: CreateSession,
    now,
    *,
    invite: Sequence[str] = (),
    join: Sequence[str] = (),
    start: bool = False,
    key: str | None = None,
) -> StudySession:
    """Insert a session hosted by ``host`` into the caller's transaction: the host joined,
    ``invite`` invited by the host, ``join`` joined at once; ``start`` makes it active now.

    No notification, audit event or live event: the caller decides (``create_session``
    invites; office hours admit students into a started room).
    """
    await record_user(db, host, now)
    await ensure_users(db, [*invite, *join])
    session = StudySession(
        # recurrence is the series' business (services/schedules), not a column
        **request.model_dump(exclude={"invite", "settings", "recurrence"}),
        settings=request.settings.model_dump(mode="json"),
        status=SessionStatus.active if start else SessionStatus.scheduled,
        host_username=host.username,
        started_at=now if start else None,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        idempotency_key=key,
    )
    db.add(session)
    await db.flush()
    add_members(db, session, host.username, now, invite=invite, join=join)
    await db.flush()
    return session


class SessionManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifications: NotificationManager,
        limiter: RateLimiter,
        audit: Audit,
        outbox: Outbox,
        policy: SessionPolicy | None = None,
        connections: attendance.Connections | None = None,
        schedules: ScheduleManager | None = None,
        summarizer: Summarizer | None = None,
        follow=None,
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.limiter = limiter
        self.policy = policy or SessionPolicy()
        self.schedules = schedules or ScheduleManager(
            store, clock, notifications, audit, outbox, join_window=self.policy.join_window
        )
        self.audit = audit
        self.outbox = outbox
        self.connections = connections or attendance.NoConnections()
        self.summarizer = summarizer or ExtractiveSummarizer()
        self.follow = follow  # study notebooks: the coverage, written at the end

    # -- create and read -----------------------------------------------------------------

    async def create_session(
        self, actor: Identity, request: CreateSession, key: str | None = None
    ) -> DescribeSession:
        """Create a scheduled session hosted by ``actor`` and invite ``request.invite``.

        With an idempotency ``key`` the actor used before, the session that request created
        is returned and nothing changes (see :mod:`~jupyter_studysession.idempotency`); keys
        name single sessions, not series."""
        if key is not None:
            if request.recurrence is not None:
                raise InvalidInput(
                    f"{idempotency.HEADER}: not for a series (recurrence); create it without.",
                    "invalid_idempotency_key",
                )
            if (earlier := await self._created_before(actor, key)) is not None:
                return earlier
        check_start(request.scheduled_at, self.clock.now(), self.policy.join_window)
        self.limiter.hit("create_session", actor.username, self.policy.create_limit)
        if request.recurrence is not None:
            return await self.schedules.create_series(actor, request)
        try:
            return await self._create_session(actor, request, key)
        except IntegrityError:
            # a concurrent try with the same key committed first: answer what it created
            if key is None or (earlier := await self._created_before(actor, key)) is None:
                raise
            return earlier

    async def _created_before(self, actor: Identity, key: str) -> DescribeSession | None:
        async with self.store.read() as db:
            session = await idempotency.earlier(db, StudySession.host_username, key, actor.username)
            if session is None:
                return None
            return await describe_session(db, session, actor, self.policy.join_window)

    async def _create_session(
        self, actor: Identity, request: CreateSession, key: str | None
    ) -> DescribeSession:
        now = self.clock.now()
        invitees = [u for u in dict.fromkeys(request.invite) if u != actor.username]
        async with self.store.transaction() as db:
            session = await add_session(db, actor, request, now, invite=invitees, key=key)
            await self.notifications.notify(
                db,
                invitees,
                "invite",
                f"{actor.display_name} invited you to “{session.title}”",
                session_id=session.id,
            )
            await db.flush()
            await db.refresh(session, ["host"])
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("created", session.id, actor.username, status=session.status)
        if invitees:
            self.audit.session("invited", session.id, actor.username, usernames=invitees)
        return described

    async def get_session(self, actor: Identity, session_id: str) -> DescribeSession:
        async with self.store.read() as db:
            session, _ = await viewable_session(db, session_id, actor)
            return await describe_session(db, session, actor, self.policy.join_window)

    async def list_sessions(self, actor: Identity, query: ListSessionsQuery) -> ListSessions:
        """The actor's sessions (invited, joined or left), newest first."""
        mine = select(Participant.session_id).where(
            Participant.username == actor.username, Participant.state.in_(MEMBER_STATES)
        )
        if query.role is not None:
            mine = mine.where(Participant.role == query.role)
        sessions = select(StudySession).where(StudySession.id.in_(mine))
        if query.status is not None:
            sessions = sessions.where(StudySession.status == query.status)
        if query.type is not None:
            sessions = sessions.where(StudySession.type == query.type)
        return await self._page(actor, sessions, StudySession.created_at, query)

    async def browse_sessions(self, actor: Identity, query: PageQuery) -> ListSessions:
        """Public sessions, scheduled or active, that the actor has not joined or been removed
        from."""
        taken = select(Participant.session_id).where(
            Participant.username == actor.username,
            Participant.state.in_((ParticipantState.joined, ParticipantState.removed)),
        )
        sessions = select(StudySession).where(
            StudySession.is_public.is_(True),
            StudySession.status.in_((SessionStatus.scheduled, SessionStatus.active)),
            StudySession.id.not_in(taken),
        )
        return await self._page(actor, sessions, StudySession.created_at, query)

    async def session_history(self, actor: Identity, query: PageQuery) -> ListSessions:
        """Completed and cancelled sessions the actor belonged to, most recently ended first,
        with their summaries."""
        mine = select(Participant.session_id).where(
            Participant.username == actor.username, Participant.state.in_(MEMBER_STATES)
        )
        sessions = select(StudySession).where(
            StudySession.id.in_(mine),
            StudySession.status.in_((SessionStatus.completed, SessionStatus.cancelled)),
        )
        return await self._page(actor, sessions, StudySession.updated_at, query)

    async def _page(self, actor: Identity, query, column, page) -> ListSessions:
        async with self.store.read() as db:
            rows = list(
                await db.scalars(paginate(query, column, StudySession.id, page.cursor, page.limit))
            )
            rows, cursor = next_cursor(rows, page.limit, lambda s: (getattr(s, column.key), s.id))
            return ListSessions(
                items=await describe_sessions(db, rows, actor, self.policy.join_window),
                next_cursor=cursor,
            )

    # -- change --------------------------------------------------------------------------

    async def update_session(
        self, actor: Identity, session_id: str, request: UpdateSession
    ) -> DescribeSession:
        """Change a session; for an occurrence of a series, ``scope`` says whether the change
        is for this one only (it is then marked as edited) or for all following ones."""
        check_start(request.scheduled_at, self.clock.now(), self.policy.join_window)
        if request.scope == Scope.following:
            return await self.schedules.update_following(actor, session_id, request)
        changes = request.model_dump(exclude_unset=True, exclude={"scope"}, mode="json")
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor)
            if not changes:
                return await describe_session(db, session, actor, self.policy.join_window)
            if session.status in (SessionStatus.completed, SessionStatus.cancelled):
                raise Conflict(
                    f"The session is {session.status}; it can no longer change.", "session_ended"
                )
            if "scheduled_at" in changes and session.status != SessionStatus.scheduled:
                raise Conflict(
                    "Only a session that has not started can be rescheduled.", "already_started"
                )
            if changes_calendar(session, changes):
                session.sequence += 1
            if "scheduled_at" in changes and request.scheduled_at != session.scheduled_at:
                await forget_reminders(db, session_id)
            if session.series_id is not None:
                session.occurrence_edited = True
            for field in (
                "title",
                "description",
                "subject",
                "tags",
                "max_participants",
                "is_public",
                "settings",
            ):
                if field in changes:
                    setattr(session, field, changes[field])
            if "scheduled_at" in changes:
                session.scheduled_at = request.scheduled_at
            session.updated_at = self.clock.now()
            await publish_session(
                self.outbox, db, session, "session.updated", self.policy.join_window
            )
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("updated", session_id, actor.username, detail=",".join(sorted(changes)))
        return described

    async def cancel_session(
        self, actor: Identity, session_id: str, scope: Scope = Scope.this
    ) -> DescribeSession:
        """The host cancels a session that has not started; members are notified. For an
        occurrence of a series, ``scope`` may extend it to every following occurrence."""
        if scope == Scope.following:
            return await self.schedules.cancel_following(actor, session_id)
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor, host_only=True)
            if session.status != SessionStatus.scheduled:
                raise Conflict(
                    f"A {session.status} session cannot be cancelled"
                    + (" (end it instead)." if session.status == SessionStatus.active else "."),
                    "invalid_status",
                )
            await self._cancel(db, session, actor)
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("cancelled", session_id, actor.username, status=session.status)
        return described

    async def _cancel(
        self, db, session: StudySession, actor: Identity, why: str | None = None
    ) -> None:
        """Cancel ``session`` in the caller's transaction; its members are told (``why``)."""
        session.status = SessionStatus.cancelled
        session.sequence += 1
        session.updated_at = self.clock.now()
        await publish_session(
            self.outbox, db, session, "session.cancelled", self.policy.join_window
        )
        await self.notifications.settle_offers(db, session.id)
        members = await self._member_names(db, session.id, exclude=actor.username)
        await self.notifications.notify(
            db,
            members,
            "session_cancelled",
            f"“{session.title}” was cancelled" + (f": {why}" if why else ""),
            session_id=session.id,
        )

    async def start_session(self, actor: Identity, session_id: str) -> DescribeSession:
        """``scheduled`` → ``active``; everyone already joined starts being present."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor)
            if session.status != SessionStatus.scheduled:
                raise Conflict(
                    f"The session is {session.status}; only a scheduled session can start.",
                    "invalid_status",
                )
            group = None
            if session.group_id is not None:  # one active session per group: 409 otherwise
                group = await group_access.claim_active_slot(db, session.group_id, session.id)
            session.status = SessionStatus.active
            session.started_at = now
            session.updated_at = session.last_activity_at = now
            joined = await self._member_names(db, session_id, states=(ParticipantState.joined,))
            connected = await self.connections.session_users(session_id)
            for name in joined:
                if name in connected:
                    await attendance.open_interval(db, session_id, name, now)
            await publish_session(
                self.outbox, db, session, "session.started", self.policy.join_window
            )
            if group is not None:
                started = await describe_session(
                    db, session, group_access.NOBODY, self.policy.join_window
                )
                data = started.model_dump(mode="json", exclude={"my_role", "my_state"})
                await group_access.group_session_started(self.outbox, db, group, data)
            await self.notifications.notify(
                db,
                await self._member_names(db, session_id, exclude=actor.username),
                "session_started",
                f"“{session.title}” has started",
                session_id=session_id,
            )
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("started", session_id, actor.username, status=session.status)
        return described

    async def end_session(
        self, actor: Identity, session_id: str, request: EndSession | None = None
    ) -> EndSessionResult:
        """End an active session, in one transaction: status, duration, every joined
        participant left with their interval closed, the shared timer stopped, the summary
        (with the timer's focus and break minutes and the summariser's text), the
        notifications; for a group session, the group's last place
        (``request.last_place``)."""
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor)
            if session.status != SessionStatus.active:
                raise Conflict(
                    f"The session is {session.status}; only an active session can end.",
                    "invalid_status",
                )
            last_place = request.last_place if request is not None else None
            summary = await self._end(db, session, actor, last_place)
            result = EndSessionResult(
                session=await describe_session(db, session, actor, self.policy.join_window),
                summary=DescribeSummary.model_validate(summary),
            )
        self.audit.session("ended", session_id, actor.username, status=session.status)
        return result

    async def _end(self, db, session: StudySession, actor: Identity, last_place=None):
        now = self.clock.now()
        session.status = SessionStatus.completed
        session.ended_at = now
        session.updated_at = now
        session.duration_minutes = round((now - session.started_at).total_seconds() / 60)
        departed = await self.connections.departures(session.id)
        await attendance.close_intervals(db, session.id, now, departed=departed)
        joined = await db.scalars(
            select(Participant).where(
                Participant.session_id == session.id,
                Participant.state == ParticipantState.joined,
            )
        )
        for member in joined:
            member.state = ParticipantState.left
            member.left_at = member.updated_at = now
        await self.notifications.settle_offers(db, session.id)
        timer = await stop_timer(db, self.outbox, session.id, now, actor.username)
        coverage = await self.follow.finish(db, session, now) if self.follow else None
        if coverage is not None and last_place is None:
            last_place = ending_place(coverage)
        documents = await export_documents(db, session.id, now)
        summary = await attendance.write_summary(
            db,
            session,
            actor.username,
            now,
            focus_seconds=timer.focus_seconds if timer else 0.0,
            break_seconds=timer.break_seconds if timer else 0.0,
            summarizer=self.summarizer,
            coverage=coverage.model_dump(mode="json") if coverage else None,
            notes=documents.notes,
        )
        summary.notes_characters = len(documents.notes)
        summary.whiteboard_shapes = documents.shapes
        await publish_session(
            self.outbox,
            db,
            session,
            "session.ended",
            self.policy.join_window,
            summary=DescribeSummary.model_validate(summary).model_dump(mode="json"),
        )
        if session.group_id is not None:  # where the group got to, for its next session
            ended = await describe_session(
                db, session, group_access.NOBODY, self.policy.join_window
            )
            await group_access.group_session_ended(
                self.outbox,
                db,
                session,
                actor.username,
                now,
                last_place,
                ended.model_dump(mode="json", exclude={"my_role", "my_state"}),
            )
        await self.notifications.notify(
            db,
            await self._member_names(db, session.id, exclude=actor.username),
            "session_ended",
            f"“{session.title}” has ended",
            f"{summary.duration_minutes} min, {summary.participant_count} present",
            session_id=session.id,
        )
        return summary

    @staticmethod
    async def _member_names(db, session_id: str, states=None, exclude: str | None = None):
        """Usernames of the session's members (not removed ones), optionally in ``states``."""
        query = select(Participant.username).where(
            Participant.session_id == session_id,
            Participant.state.in_(states or MEMBER_STATES),
        )
        if exclude is not None:
            query = query.where(Participant.username != exclude)
        return list(await db.scalars(query.order_by(Participant.id)))

    # -- cleanup -------------------------------------------------------------------------

    async def cleanup(self) -> CleanupResult:
        """Remove or cancel the scheduled sessions that never started, by the rules of
        :mod:`.cleanup` (nothing anyone wants is deleted), and end the active sessions that
        ran too long. Each session is decided and handled in its own transaction, locked:
        one failure does not stop the rest, and activity that lands meanwhile wins."""
        now = self.clock.now()
        policy = self.policy
        rules = (policy.abandon_scheduled_after, policy.expire_unstarted_after)
        async with self.store.read() as db:
            unstarted = await cleanup.due_for_cleanup(db, now, *rules)
            overdue = list(
                await db.scalars(
                    select(StudySession.id).where(
                        StudySession.status == SessionStatus.active,
                        StudySession.started_at < now - policy.auto_end_active_after,
                    )
                )
            )
        deleted = cancelled = auto_ended = failed = 0
        for session_id in unstarted:
            try:
                async with self.store.transaction() as db:
                    session = await load_session(db, session_id, lock=True)
                    fate = await cleanup.decide(db, session, now, *rules)
                    if fate == cleanup.Fate.delete:
                        await cleanup.remove(db, session, self.outbox, self.notifications)
                    elif fate == cleanup.Fate.cancel:
                        await self._cancel(db, session, SYSTEM, "it never started")
                if fate == cleanup.Fate.delete:
                    deleted += 1
                    self.audit.session(
                        "deleted", session_id, SYSTEM.username, detail=cleanup.NOBODY_JOINED
                    )
                elif fate == cleanup.Fate.cancel:
                    cancelled += 1
                    self.audit.session(
                        "cancelled",
                        session_id,
                        SYSTEM.username,
                        status=SessionStatus.cancelled,
                        detail="it never started",
                    )
            except NotFound:
                continue  # deleted meanwhile
            except Exception:
                failed += 1
                log.exception("cleanup: could not clean up unstarted session %s", session_id)
        for session_id in overdue:
            try:
                async with self.store.transaction() as db:
                    session = await load_session(db, session_id, lock=True)
                    if session.status != SessionStatus.active:
                        continue  # ended by its host in the meantime
                    await self._end(db, session, SYSTEM)
                auto_ended += 1
                self.audit.session(
                    "ended",
                    session_id,
                    SYSTEM.username,
                    status=SessionStatus.completed,
                    detail="ran too long",
                )
            except Exception:
                failed += 1
                log.exception("cleanup: could not end overdue session %s", session_id)
        events_pruned = await self.outbox.prune(policy.event_retention)
        if deleted or cancelled or auto_ended or failed:
            log.info(
                "cleanup: deleted %s, cancelled %s, auto-ended %s, failed %s",
                deleted,
                cancelled,
                auto_ended,
                failed,
            )
        return CleanupResult(
            deleted=deleted,
            cancelled=cancelled,
            auto_ended=auto_ended,
            failed=failed,
            events_pruned=events_pruned,
        )
