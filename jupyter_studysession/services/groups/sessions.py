"""Sessions of a study group: scheduled ones, and "start now".

A group session is an ordinary study session with a ``group_id``: the session lifecycle
(start, end, chat, goals, timer) is the same. What the group adds:

- every joined member is invited; the caller (a member) is the host;
- the group's last place is offered as the session's starting point
  (``settings.starting_point``);
- at most one active session per group: starting one locks the group's row and checks,
  in the same transaction (409 ``group_session_active``), so two starts at once cannot both
  succeed, on SQLite or PostgreSQL;
- ending it stores where it stopped as the group's last place
  (:func:`.access.group_session_ended`, called by the session lifecycle).
"""

from __future__ import annotations

from sqlalchemy import select

from ...clock import Clock
from ...exceptions import InvalidInput
from ...identity import Identity
from ...models import (
    CreateGroupSession,
    DescribeSession,
    ListSessions,
    PageQuery,
    Place,
    SessionSettings,
    StartGroupSession,
)
from ...orm import (
    SessionStatus,
    SessionType,
    StudyGroup,
    StudySession,
)
from ...ratelimit import RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..sessions.access import (
    add_members,
    check_start,
    describe_session,
    describe_sessions,
    next_cursor,
    paginate,
    publish_session,
)
from ..sessions.manager import SessionPolicy
from ..users.manager import ensure_users, record_user
from .access import (
    claim_active_slot,
    group_session_started,
    joined_names,
    member_group,
    publish_group,
    viewable_group,
)


class GroupSessionManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifications: NotificationManager,
        limiter: RateLimiter,
        outbox: Outbox,
        policy: SessionPolicy | None = None,
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.limiter = limiter
        self.outbox = outbox
        self.policy = policy or SessionPolicy()

    async def list_group_sessions(
        self, actor: Identity, group_id: str, query: PageQuery
    ) -> ListSessions:
        """The group's sessions, newest first (members and course staff)."""
        async with self.store.read() as db:
            await viewable_group(db, group_id, actor)
            if not actor.is_staff:
                await member_group(db, group_id, actor, purpose="see its sessions")
            sessions = select(StudySession).where(StudySession.group_id == group_id)
            rows = list(
                await db.scalars(
                    paginate(
                        sessions,
                        StudySession.created_at,
                        StudySession.id,
                        query.cursor,
                        query.limit,
                    )
                )
            )
            rows, cursor = next_cursor(rows, query.limit, lambda s: (s.created_at, s.id))
            return ListSessions(
                items=await describe_sessions(db, rows, actor, self.policy.join_window),
                next_cursor=cursor,
            )

    async def schedule_group_session(
        self, actor: Identity, group_id: str, request: CreateGroupSession
    ) -> DescribeSession:
        """A scheduled session of the group, hosted by the actor (a member); every other
        member (and ``request.invite``) is invited."""
        if getattr(request, "recurrence", None) is not None:
            raise InvalidInput("recurrence: group sessions are scheduled one at a time")
        check_start(request.scheduled_at, self.clock.now(), self.policy.join_window)
        self.limiter.hit("create_session", actor.username, self.policy.create_limit)
        async with self.store.transaction() as db:
            group, _ = await member_group(db, group_id, actor, lock=True, purpose="plan sessions")
            capacity = request.max_participants or min(500, group.max_members)
            session = await self._create(
                db,
                actor,
                group,
                status=SessionStatus.scheduled,
                fields={
                    **request.model_dump(
                        include={
                            "title",
                            "description",
                            "type",
                            "subject",
                            "tags",
                            "is_public",
                            "scheduled_at",
                        }
                    ),
                    "max_participants": capacity,
                },
                settings=request.settings,
                extra_invite=request.invite,
            )
            described = await describe_session(db, session, actor, self.policy.join_window)
            await publish_group(
                self.outbox,
                db,
                group,
                "group.session_scheduled",
                session=described.model_dump(mode="json", exclude={"my_role", "my_state"}),
            )
            return described

    async def start_group_session(
        self, actor: Identity, group_id: str, request: StartGroupSession
    ) -> DescribeSession:
        """ "Start now": an active session of the group with the actor as host, unless the
        group has one already (409 ``group_session_active``)."""
        self.limiter.hit("create_session", actor.username, self.policy.create_limit)
        async with self.store.transaction() as db:
            # locked before the membership is checked: a member removed (or gone) while this
            # call waited for the lock must be refused, not checked on what was read before
            await member_group(db, group_id, actor, lock=True, purpose="start a session")
            group = await claim_active_slot(db, group_id)  # the group's row stays locked
            session = await self._create(
                db,
                actor,
                group,
                status=SessionStatus.active,
                fields={
                    "title": request.title or group.name,
                    "description": request.description,
                    "type": SessionType.group,
                    "subject": group.subject,
                    "is_public": False,
                    "max_participants": min(500, group.max_members),
                },
                settings=request.settings,
            )
            await publish_session(
                self.outbox, db, session, "session.started", self.policy.join_window
            )
            described = await describe_session(db, session, actor, self.policy.join_window)
            await group_session_started(
                self.outbox,
                db,
                group,
                described.model_dump(mode="json", exclude={"my_role", "my_state"}),
            )
            return described

    async def _create(
        self,
        db,
        actor: Identity,
        group: StudyGroup,
        *,
        status: SessionStatus,
        fields: dict,
        settings: SessionSettings,
        extra_invite: list[str] = (),
    ) -> StudySession:
        now = self.clock.now()
        await record_user(db, actor, now)
        if settings.starting_point is None and group.last_place:
            settings = settings.model_copy(
                update={"starting_point": Place.model_validate(group.last_place)}
            )
        session = StudySession(
            **fields,
            settings=settings.model_dump(mode="json"),
            status=status,
            host_username=actor.username,
            group_id=group.id,
            started_at=now if status == SessionStatus.active else None,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        db.add(session)
        await db.flush()
        members = await joined_names(db, group.id, exclude=actor.username)
        if extra_invite:
            extra = [u for u in dict.fromkeys(extra_invite) if u != actor.username]
            await ensure_users(db, extra)
            members = list(dict.fromkeys(members + extra))
        add_members(db, session, actor.username, now, invite=members)
        started = status == SessionStatus.active
        await self.notifications.notify(
            db,
            members,
            "group_session_started" if started else "invite",
            (
                f"{actor.display_name} started a session of “{group.name}”"
                if started
                else f"{actor.display_name} scheduled a session of “{group.name}”"
            ),
            session_id=session.id,
            group_id=group.id,
        )
        await db.flush()
        await db.refresh(session, ["host"])
        return session
