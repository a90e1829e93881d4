"""Following on the host's server: what a visitor of that server may read, and nothing more.

On a JupyterHub the study notebook lives on the host's own server, and the participants open
it there through a hub share (``docs/hub.md``). That server reaches the study service with its
owner's token, so the service sees the host asking. For a visitor it asks only through the
``visitors/<name>/...`` routes, naming the visitor, and gets exactly this:

- the active sessions the caller hosts in which the visitor is a joined participant, with
  their study notebook (:meth:`VisitManager.list_visits`);
- the follow state of one of them, as the visitor sees it, never with the lead
  (:meth:`VisitManager.get_follow`);
- a read-only realtime connection as the visitor that may subscribe to ``follow:<id>`` of
  those sessions only (:meth:`VisitManager.relay_rule`; the hub refuses every other op).

So the host's server can at most read its owner's own sessions' follow channel, for people
who joined them; it can never write, lead or act for the visitor, and the visitor can never
act as the host.
"""

from __future__ import annotations

from sqlalchemy import select

from ...exceptions import NotAuthorized, NotFound
from ...identity import CourseRole, Identity
from ...models import DescribeFollow, DescribeVisit, ListVisits
from ...orm import Participant, ParticipantState, SessionStatus, StudyNotebook, StudySession, User
from ...store import Store
from .manager import FollowManager, _location


class VisitManager:
    def __init__(self, store: Store, follow: FollowManager):
        self.store = store
        self.follow = follow

    async def visitor(self, username: str) -> Identity:
        """The visitor as the service knows them; they only read here, as a student."""
        async with self.store.read() as db:
            user = await db.get(User, username)
        if user is None:
            raise NotFound(f"There is no user {username!r}.", "unknown_user")
        return Identity(
            username=user.username,
            display_name=user.display_name,
            initials=user.initials,
            color=user.color,
            avatar_url=user.avatar_url,
            course_role=CourseRole.student,
        )

    async def list_visits(self, host: Identity, visitor: str) -> ListVisits:
        """The active sessions ``host`` hosts that ``visitor`` has joined."""
        if visitor == host.username:
            return ListVisits(items=[])  # on their own server, they are no visitor
        async with self.store.read() as db:
            rows = await db.execute(
                select(StudySession, StudyNotebook)
                .join(Participant, Participant.session_id == StudySession.id)
                .outerjoin(StudyNotebook, StudyNotebook.session_id == StudySession.id)
                .where(
                    StudySession.host_username == host.username,
                    StudySession.status == SessionStatus.active,
                    Participant.username == visitor,
                    Participant.state == ParticipantState.joined,
                )
                .order_by(StudySession.id)
            )
            items = [
                DescribeVisit(
                    session_id=session.id,
                    title=session.title,
                    host=session.host_username,
                    notebook_path=_location(session, notebook),
                )
                for session, notebook in rows
            ]
        return ListVisits(items=items)

    async def check(self, host: Identity, visitor: Identity, session_id: str) -> None:
        """403 unless ``host`` hosts the active session ``session_id`` and ``visitor`` joined
        it (404 for a session that does not exist)."""
        async with self.store.read() as db:
            session = await db.get(StudySession, session_id)
            if session is None:
                raise NotFound("There is no such session.", "session_not_found")
            if session.host_username != host.username or visitor.username == host.username:
                raise NotAuthorized(
                    "A server relays only the sessions its owner hosts.", "not_hosted"
                )
            if session.status != SessionStatus.active:
                raise NotAuthorized("The session is not active.", "session_not_active")
            member = await db.scalar(
                select(Participant).where(
                    Participant.session_id == session_id,
                    Participant.username == visitor.username,
                )
            )
        if member is None or member.state != ParticipantState.joined:
            raise NotAuthorized("Join the session to follow it.", "not_joined")

    async def get_follow(self, host: Identity, visitor: str, session_id: str) -> DescribeFollow:
        who = await self.visitor(visitor)
        await self.check(host, who, session_id)
        follow = await self.follow.get_follow(who, session_id)
        return follow.model_copy(update={"can_lead": False})  # they lead from their own server

    async def relay_rule(self, host: Identity, visitor: Identity, channel: str) -> None:
        """What a relayed connection may subscribe to: ``follow:<id>`` of a visit."""
        kind, _, session_id = channel.partition(":")
        if kind != "follow":
            raise NotAuthorized("A visitor's connection only follows.", "read_only")
        await self.check(host, visitor, session_id)
