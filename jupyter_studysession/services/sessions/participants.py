"""Membership of a session: join, leave, invites, invite links, roles and removal."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from ...audit import Audit
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotAuthorized, NotFound
from ...identity import Identity
from ...models import (
    CreateInviteLink,
    DescribeInviteLink,
    DescribeParticipant,
    DescribeSession,
    InviteUsers,
    JoinSession,
    ListInviteLinks,
    ListParticipants,
    UpdateParticipant,
)
from ...orm import InviteLink, Participant, ParticipantState, SessionRole, SessionStatus
from ...realtime.access import revoke_access
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..users.manager import ensure_users, record_user
from . import attendance
from .access import (
    describe_session,
    hosted_session,
    is_host,
    load_session,
    membership,
    publish_participant,
    session_channel,
    viewable_session,
)
from .manager import SessionPolicy


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ParticipantManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifications: NotificationManager,
        audit: Audit,
        outbox: Outbox,
        policy: SessionPolicy | None = None,
        connections: attendance.Connections | None = None,
        follow=None,
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.audit = audit
        self.outbox = outbox
        self.policy = policy or SessionPolicy()
        self.connections = connections or attendance.NoConnections()
        self.follow = follow  # study notebooks: a leader who goes passes the lead on

    async def join_session(
        self, actor: Identity, session_id: str, request: JoinSession
    ) -> DescribeSession:
        """Join a public session, one you were invited to, or one whose invite link you have.

        Refused when the session is full, over, removed you, or its join window (some minutes
        before ``scheduled_at``) has not opened yet. Joining twice is harmless.
        """
        now = self.clock.now()
        async with self.store.transaction() as db:
            session = await load_session(db, session_id, lock=True)
            member = await membership(db, session_id, actor.username)
            link_ok = request.invite_token is not None and await self._valid_link(
                db, session_id, request.invite_token
            )
            if member is not None and member.state == ParticipantState.removed:
                if not link_ok:
                    raise NotAuthorized("The host removed you from this session.", "removed")
            elif member is None and not (session.is_public or link_ok or actor.is_staff):
                if request.invite_token is not None:
                    raise NotAuthorized(
                        "This invite link is invalid, expired or revoked.", "invalid_invite"
                    )
                raise NotFound(f"No study session {session_id!r}.", "session_not_found")
            if member is not None and member.state == ParticipantState.joined:
                return await describe_session(db, session, actor, self.policy.join_window)
            if session.status in (SessionStatus.completed, SessionStatus.cancelled):
                raise Conflict(f"The session is {session.status}.", "session_ended")
            opens = session.scheduled_at and session.scheduled_at - self.policy.join_window
            if session.status == SessionStatus.scheduled and opens and now < opens:
                window = round(self.policy.join_window.total_seconds() / 60)
                raise Conflict(
                    f"Joining opens {window} minute{'s' if window != 1 else ''} before the start.",
                    "join_window",
                    opens_at=opens,
                )
            joined = await db.scalar(
                select(func.count()).where(
                    Participant.session_id == session_id,
                    Participant.state == ParticipantState.joined,
                )
            )
            if joined >= session.max_participants:
                raise Conflict(
                    f"The session is full ({session.max_participants} participants).",
                    "session_full",
                )
            await record_user(db, actor, now)
            if member is None:
                member = Participant(
                    session_id=session_id, username=actor.username, role=SessionRole.participant
                )
                db.add(member)
            member.state = ParticipantState.joined
            member.joined_at = member.updated_at = now
            member.left_at = None
            # joining alone is not presence: a tab on the session's channel is
            if session.status == SessionStatus.active and actor.username in (
                await self.connections.session_users(session_id)
            ):
                await attendance.open_interval(db, session_id, actor.username, now)
            session.last_activity_at = now
            await self.notifications.settle_offers(db, session_id, actor.username)
            await publish_participant(self.outbox, db, member, "participant.joined")
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("joined", session_id, actor.username, usernames=[actor.username])
        return described

    async def _valid_link(self, db, session_id: str, token: str) -> bool:
        link = await db.scalar(select(InviteLink).where(InviteLink.token_hash == hash_token(token)))
        return bool(
            link is not None
            and link.session_id == session_id
            and link.revoked_at is None
            and link.expires_at > self.clock.now()
        )

    async def leave_session(self, actor: Identity, session_id: str) -> DescribeSession:
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, member = await viewable_session(db, session_id, actor, lock=True)
            if member is None or member.state != ParticipantState.joined:
                raise Conflict("You have not joined this session.", "not_joined")
            member.state = ParticipantState.left
            member.left_at = member.updated_at = now
            departed = await self.connections.departures(session_id)
            await attendance.close_intervals(db, session_id, now, actor.username, departed)
            session.last_activity_at = now
            if self.follow is not None:
                await self.follow.member_gone(db, session_id, actor.username)
            await publish_participant(self.outbox, db, member, "participant.left")
            described = await describe_session(db, session, actor, self.policy.join_window)
        self.audit.session("left", session_id, actor.username, usernames=[actor.username])
        return described

    async def invite_users(
        self, actor: Identity, session_id: str, request: InviteUsers
    ) -> ListParticipants:
        """Invite users (host or co-host). Members stay as they are; removed users may come
        back once invited again."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor)
            if session.status in (SessionStatus.completed, SessionStatus.cancelled):
                raise Conflict(f"The session is {session.status}.", "session_ended")
            await ensure_users(db, request.usernames)
            existing = {
                p.username: p
                for p in await db.scalars(
                    select(Participant).where(Participant.session_id == session_id)
                )
            }
            invited = []
            for name in dict.fromkeys(request.usernames):
                member = existing.get(name)
                if member is not None and member.state != ParticipantState.removed:
                    continue
                if member is None:
                    member = Participant(
                        session_id=session_id, username=name, role=SessionRole.participant
                    )
                    db.add(member)
                member.state = ParticipantState.invited
                member.invited_by = actor.username
                member.invited_at = member.updated_at = now
                invited.append(name)
                await publish_participant(self.outbox, db, member, "participant.invited")
            await self.notifications.notify(
                db,
                invited,
                "invite",
                f"{actor.display_name} invited you to “{session.title}”",
                session_id=session_id,
            )
            await db.flush()
            participants = await self._participants(db, session_id)
        if invited:
            self.audit.session("invited", session_id, actor.username, usernames=invited)
        return participants

    async def list_participants(self, actor: Identity, session_id: str) -> ListParticipants:
        async with self.store.read() as db:
            await viewable_session(db, session_id, actor)
            return await self._participants(db, session_id)

    @staticmethod
    async def _participants(db, session_id: str) -> ListParticipants:
        rows = await db.scalars(
            select(Participant).where(Participant.session_id == session_id).order_by(Participant.id)
        )
        return ListParticipants(items=[DescribeParticipant.model_validate(p) for p in rows])

    async def update_participant(
        self, actor: Identity, session_id: str, username: str, request: UpdateParticipant
    ) -> DescribeParticipant:
        """The host promotes a participant to co-host, demotes a co-host, or removes someone."""
        if (request.role is None) == (request.state is None):
            raise InvalidInput("Give exactly one of role or state.", "invalid_input")
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor, host_only=True)
            member = await membership(db, session_id, username)
            if member is None or member.state == ParticipantState.removed:
                raise NotFound(
                    f"{username!r} is not a participant of this session.", "participant_not_found"
                )
            if member.role == SessionRole.host:
                raise Conflict("The host's own role cannot be changed.", "is_host")
            if request.role is not None:
                member.role = request.role
                detail = f"role={request.role.value}"
            else:
                if member.state == ParticipantState.joined:
                    departed = await self.connections.departures(session_id)
                    await attendance.close_intervals(db, session_id, now, username, departed)
                    member.left_at = now
                member.state = ParticipantState.removed
                detail = "removed"
                await self.notifications.notify(
                    db,
                    [username],
                    "removed",
                    f"You were removed from “{session.title}”",
                    session_id=session_id,
                )
                await revoke_access(
                    self.outbox,
                    db,
                    session_channel(session_id),
                    [username],
                    "removed",
                    "The host removed you from this session.",
                )
            member.updated_at = now
            if self.follow is not None and not is_host(member):  # removed, or no co-host now
                await self.follow.member_gone(db, session_id, username)
            await publish_participant(self.outbox, db, member, "participant.updated")
            described = DescribeParticipant.model_validate(member)
        self.audit.session(
            "participant_updated", session_id, actor.username, usernames=[username], detail=detail
        )
        return described

    # -- invite links --------------------------------------------------------------------

    async def create_invite_link(
        self, actor: Identity, session_id: str, request: CreateInviteLink
    ) -> DescribeInviteLink:
        """A new link token; only its hash is stored, so it is returned just this once."""
        now = self.clock.now()
        token = secrets.token_urlsafe(24)
        async with self.store.transaction() as db:
            session, _ = await hosted_session(db, session_id, actor)
            if session.status in (SessionStatus.completed, SessionStatus.cancelled):
                raise Conflict(f"The session is {session.status}.", "session_ended")
            link = InviteLink(
                session_id=session_id,
                token_hash=hash_token(token),
                created_by=actor.username,
                created_at=now,
                expires_at=now + timedelta(hours=request.expires_in_hours),
            )
            db.add(link)
            await db.flush()
            described = DescribeInviteLink.model_validate(link).model_copy(update={"token": token})
        self.audit.session("invite_link_created", session_id, actor.username)
        return described

    async def list_invite_links(self, actor: Identity, session_id: str) -> ListInviteLinks:
        async with self.store.read() as db:
            await hosted_session(db, session_id, actor)
            rows = await db.scalars(
                select(InviteLink)
                .where(InviteLink.session_id == session_id)
                .order_by(InviteLink.created_at)
            )
            return ListInviteLinks(items=[DescribeInviteLink.model_validate(x) for x in rows])

    async def revoke_invite_link(
        self, actor: Identity, session_id: str, link_id: str
    ) -> DescribeInviteLink:
        async with self.store.transaction() as db:
            await hosted_session(db, session_id, actor)
            link = await db.get(InviteLink, link_id)
            if link is None or link.session_id != session_id:
                raise NotFound(f"No invite link {link_id!r} in this session.", "link_not_found")
            if link.revoked_at is None:
                link.revoked_at = self.clock.now()
            described = DescribeInviteLink.model_validate(link)
        self.audit.session("invite_link_revoked", session_id, actor.username)
        return described
