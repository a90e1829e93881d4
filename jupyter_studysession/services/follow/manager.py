"""A session's study notebook, and who leads the room through it.

- **The study notebook** is a path on a Jupyter server (``server`` null: this one), checked
  against the server's contents (:mod:`.notebooks`). The host or a co-host sets it; a group's
  session starts from the group's last place (``settings.starting_point``); "Study this
  notebook together" creates and starts a session on it (:meth:`start_notebook_session`). A
  rename on the server moves it; a delete is announced (:meth:`notebook_renamed`,
  :meth:`notebook_deleted`).
- **The lead**: at most one leader per session, in the database. The host may always take it;
  a co-host when nobody leads (two at once: the session's row lock serialises them, one wins,
  the other gets 409 ``lead_taken``); the leader (or the host) hands it to a joined co-host or
  stops. A leader who leaves the session, is removed or demoted, or whose last tab has been gone
  for ``leader_grace`` passes the lead to the host or a co-host who is connected, or nobody.
  Every change bumps ``lead_epoch`` and is a durable ``follow.leader`` event on
  ``follow:<id>``.
- **The end**: in the session's end transaction, :meth:`finish` writes the places still
  buffered, computes the coverage (:mod:`.coverage`) and ends the lead.

The places themselves go through :class:`~.relay.PlaceRelay`. The protocol is in
``docs/realtime.md`` and the design in ``docs/follow.md``.
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...audit import Audit
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotAuthorized
from ...identity import Identity
from ...models import (
    CreateSession,
    DescribeCoverage,
    DescribeFollow,
    DescribeSession,
    DescribeStudyNotebook,
    DescribeUser,
    NotebookLocation,
    NotebookPlace,
    Place,
    SessionSettings,
    StartGroupSession,
    StartNotebookSession,
)
from ...orm import (
    Participant,
    ParticipantState,
    PlaceRecord,
    SessionRole,
    SessionStatus,
    SessionType,
    StudyNotebook,
    StudySession,
    User,
)
from ...ratelimit import RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store, after_commit
from ..notifications.manager import NotificationManager
from ..sessions.access import (
    ENDED_STATUSES,
    HOST_ROLES,
    describe_session,
    ensure_open,
    is_host,
    is_joined,
    room_session,
)
from ..sessions.attendance import Connections, NoConnections
from ..sessions.manager import SessionPolicy, add_session
from .coverage import Visit, compute_coverage
from .notebooks import NotebookLocator, UncheckedNotebooks
from .relay import Lead, PlaceRelay, follow_channel


@dataclass
class FollowPolicy:
    """The configurable timing of following (set from the app's traits)."""

    place_interval: float = 0.05
    record_seconds: float = 1.0
    lead_cache_seconds: float = 1.0
    leader_grace: timedelta = timedelta(seconds=30)


class FollowManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbox: Outbox,
        notifications: NotificationManager,
        limiter: RateLimiter,
        audit: Audit,
        *,
        group_sessions=None,
        session_policy: SessionPolicy | None = None,
        policy: FollowPolicy | None = None,
        connections: Connections | None = None,
        notebooks: NotebookLocator | None = None,
        spawn,
    ):
        """``spawn(coroutine)`` runs background work (the realtime hub's, which keeps the
        task and logs its failure)."""
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.notifications = notifications
        self.limiter = limiter
        self.audit = audit
        self.group_sessions = group_sessions
        self.session_policy = session_policy or SessionPolicy()
        self.policy = policy or FollowPolicy()
        self.connections = connections or NoConnections()
        self.notebooks: NotebookLocator = notebooks or UncheckedNotebooks()
        self.relay = PlaceRelay(
            store,
            clock,
            outbox,
            place_interval=self.policy.place_interval,
            record_seconds=self.policy.record_seconds,
            lead_cache_seconds=self.policy.lead_cache_seconds,
            spawn=spawn,
        )

    # -- reading -------------------------------------------------------------------------

    async def get_follow(self, actor: Identity, session_id: str) -> DescribeFollow:
        """The study notebook, who leads and where (the room's readers; the place for joined
        participants only)."""
        async with self.store.read() as db:
            session, member = await room_session(db, session_id, actor, purpose="follow it")
            row = await db.get(StudyNotebook, session_id)
            leader = await db.get(User, row.leader) if row and row.leader else None
        location = _location(session, row)
        notebook = None
        if location is not None:
            notebook = DescribeStudyNotebook(
                path=location,
                server=row.server if row else None,
                exists=await self.notebooks.exists(location),
                set_by=row.set_by if row else session.host_username,
                set_at=row.set_at if row else session.created_at,
            )
        place, place_at = None, None
        if is_joined(member) and row is not None:
            live = self.relay.last_place(session_id)
            if live is not None:
                place, place_at = live
            elif row.place:
                place, place_at = NotebookPlace.model_validate(row.place), row.place_at
        starting = (session.settings or {}).get("starting_point")
        return DescribeFollow(
            session_id=session_id,
            notebook=notebook,
            leader=DescribeUser.model_validate(leader) if leader else None,
            epoch=row.lead_epoch if row else 0,
            place=place,
            place_at=place_at,
            starting_point=Place.model_validate(starting) if starting else None,
            statuses=self.relay.statuses(session_id) if is_joined(member) else [],
            can_lead=_may_lead(session, member, row.leader if row else None),
        )

    # -- the study notebook --------------------------------------------------------------

    async def set_notebook(
        self, actor: Identity, session_id: str, location: NotebookLocation
    ) -> DescribeFollow:
        """The host or a co-host names the session's study notebook (checked on this
        server). The room hears ``follow.notebook``."""
        path = await self._check(location)
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, member = await room_session(db, session_id, actor, lock=True)
            if not is_host(member):
                raise NotAuthorized(
                    "Only the host or a co-host can choose the study notebook.", "not_host"
                )
            ensure_open(session)
            row = await db.get(StudyNotebook, session_id)
            if row is None:
                row = StudyNotebook(session_id=session_id, lead_epoch=0)
                db.add(row)
            if row.path != path:
                row.place, row.place_at = None, None
            row.path, row.server, row.set_by, row.set_at = path, None, actor.username, now
            await self._publish_notebook(db, row, exists=True)
        self.relay.forget(session_id)
        self.audit.session("notebook_set", session_id, actor.username, detail=path)
        return await self.get_follow(actor, session_id)

    async def _check(self, location: NotebookLocation) -> str:
        if location.server is not None:
            raise InvalidInput(
                "Study notebooks live on this Jupyter server for now (server: null).",
                "server_not_supported",
            )
        return await self.notebooks.check(location.path)

    async def _publish_notebook(self, db: AsyncSession, row: StudyNotebook, exists: bool):
        notebook = DescribeStudyNotebook(
            path=row.path, server=row.server, exists=exists, set_by=row.set_by, set_at=row.set_at
        )
        await self.outbox.append(
            db,
            follow_channel(row.session_id),
            "follow.notebook",
            {"session_id": row.session_id, "notebook": notebook.model_dump(mode="json")},
        )

    async def notebook_renamed(self, old: str, new: str) -> int:
        """A file or folder was renamed on this server: the study notebooks in it move along
        (sessions not ended). Returns how many moved."""
        moved = 0
        async with self.store.transaction() as db:
            for row in await self._open_notebooks(db, old):
                row.path = new + row.path[len(old) :]
                await self._publish_notebook(db, row, exists=True)
                self.relay.forget(row.session_id)
                moved += 1
        return moved

    async def notebook_deleted(self, path: str) -> int:
        """A file or folder was deleted: the rooms studying a notebook in it are told."""
        gone = 0
        async with self.store.transaction() as db:
            for row in await self._open_notebooks(db, path):
                await self._publish_notebook(db, row, exists=False)
                gone += 1
        return gone

    async def _open_notebooks(self, db: AsyncSession, path: str) -> list[StudyNotebook]:
        path = posixpath.normpath(path.strip("/"))
        rows = await db.scalars(
            select(StudyNotebook)
            .join(StudySession, StudySession.id == StudyNotebook.session_id)
            .where(
                StudyNotebook.server.is_(None),
                StudySession.status.not_in(ENDED_STATUSES),
                (StudyNotebook.path == path) | StudyNotebook.path.startswith(path + "/"),
            )
            .with_for_update()
        )
        return list(rows)

    # -- the lead ------------------------------------------------------------------------

    async def take_lead(self, actor: Identity, session_id: str) -> DescribeFollow:
        """The host takes the lead (from anyone); a co-host takes it when nobody leads."""
        async with self.store.transaction() as db:
            member, row = await self._lead_row(db, session_id, actor)
            if row.leader != actor.username:
                if not is_host(member, host_only=True) and row.leader is not None:
                    raise Conflict(
                        f"{row.leader} leads; ask them to hand you the lead.", "lead_taken"
                    )
                await self._pass_lead(db, row, actor.username, "taken", actor.username)
        return await self.get_follow(actor, session_id)

    async def hand_lead(self, actor: Identity, session_id: str, to: str) -> DescribeFollow:
        """The leader or the host hands the lead to a joined host or co-host."""
        async with self.store.transaction() as db:
            member, row = await self._lead_row(db, session_id, actor, take=False)
            if row.leader != actor.username and not is_host(member, host_only=True):
                raise NotAuthorized("Only the leader or the host can hand the lead.", "not_leader")
            target = await db.scalar(
                select(Participant).where(
                    Participant.session_id == session_id, Participant.username == to
                )
            )
            if not (is_joined(target) and target.role in HOST_ROLES):
                raise Conflict(
                    f"{to} cannot lead: make them a co-host, and they must have joined.",
                    "cannot_lead",
                )
            if row.leader != to:
                await self._pass_lead(db, row, to, "handed", actor.username)
        return await self.get_follow(actor, session_id)

    async def release_lead(self, actor: Identity, session_id: str) -> DescribeFollow:
        """The leader (or the host) stops leading; followers stay where they are."""
        async with self.store.transaction() as db:
            member, row = await self._lead_row(db, session_id, actor, take=False)
            if row.leader is not None:
                if row.leader != actor.username and not is_host(member, host_only=True):
                    raise NotAuthorized(
                        "Only the leader or the host can stop the lead.", "not_leader"
                    )
                await self._pass_lead(db, row, None, "stopped", actor.username)
        return await self.get_follow(actor, session_id)

    async def _lead_row(self, db, session_id: str, actor: Identity, *, take: bool = True):
        """The actor's membership and the study notebook's row (the session locked), for a
        change of the lead by a joined host or co-host of an active session."""
        session, member = await room_session(db, session_id, actor, lock=True, purpose="lead")
        if not (is_joined(member) and is_host(member)):
            raise NotAuthorized(
                "Only the host or a co-host who joined can lead the room.", "not_host"
            )
        if session.status != SessionStatus.active:
            raise Conflict(
                f"The session is {session.status}; the lead is for an active session.",
                "session_not_active",
            )
        row = await db.get(StudyNotebook, session_id)
        if row is None:
            path = _location(session, None)
            if path is None:
                raise Conflict("Choose the session's study notebook first.", "no_study_notebook")
            row = StudyNotebook(
                session_id=session_id,
                path=path,
                set_by=session.host_username,
                set_at=session.created_at,
                lead_epoch=0,
            )
            db.add(row)
        if take and not await self.notebooks.exists(row.path):
            raise Conflict(
                f"The study notebook {row.path!r} is not on this server any more; choose another.",
                "notebook_missing",
            )
        return member, row

    async def _pass_lead(
        self, db: AsyncSession, row: StudyNotebook, to: str | None, reason: str, by: str
    ) -> None:
        """Give the lead to ``to`` (None: nobody), in the caller's transaction, and tell the
        room after the commit."""
        row.leader = to
        row.lead_epoch = (row.lead_epoch or 0) + 1
        row.lead_since = self.clock.now()
        leader = await db.get(User, to) if to else None
        await self.outbox.append(
            db,
            follow_channel(row.session_id),
            "follow.leader",
            {
                "session_id": row.session_id,
                "leader": DescribeUser.model_validate(leader).model_dump(mode="json")
                if leader
                else None,
                "epoch": row.lead_epoch,
                "reason": reason,
                "by": by,
            },
        )
        lead = Lead(row.session_id, True, row.path, to, row.lead_epoch)

        async def committed() -> None:
            self.relay.remember(lead)
            self.audit.session(
                "lead_changed", row.session_id, by, usernames=[to] if to else None, detail=reason
            )

        after_commit(db, committed)

    # -- the leader goes away --------------------------------------------------------------

    async def member_gone(self, db: AsyncSession, session_id: str, username: str) -> None:
        """In the caller's transaction: ``username`` left, was removed or demoted. If they
        led, the lead passes to the host or a co-host who is connected, or stops."""
        row = await db.get(StudyNotebook, session_id)
        if row is None or row.leader != username:
            return
        await self._pass_lead(
            db, row, await self._successor(db, session_id, username), "left", username
        )

    async def _successor(self, db: AsyncSession, session_id: str, leaving: str) -> str | None:
        connected = await self.connections.session_users(session_id)
        hosts = await db.scalars(
            select(Participant)
            .where(
                Participant.session_id == session_id,
                Participant.state == ParticipantState.joined,
                Participant.role.in_(HOST_ROLES),
                Participant.username != leaving,
            )
            .order_by(Participant.role != SessionRole.host, Participant.joined_at)
        )
        return next((m.username for m in hosts if m.username in connected), None)

    async def tab_left(self, session_id: str, username: str, still_here) -> None:
        """A tab of ``username`` stopped following the session. If they lead and none of
        their tabs is back after ``leader_grace`` (``await still_here()`` is False), the lead
        passes on."""
        lead = await self.relay.lead(session_id)
        if lead.active and lead.leader == username:
            self.relay.spawn(
                self._leader_gone_after_grace(session_id, username, lead.epoch, still_here)
            )

    async def _leader_gone_after_grace(self, session_id, username, epoch, still_here) -> None:
        await asyncio.sleep(self.policy.leader_grace.total_seconds())
        if await still_here():
            return
        async with self.store.transaction() as db:
            row = await db.get(StudyNotebook, session_id, with_for_update=True)
            session = await db.get(StudySession, session_id)
            if (
                row is None
                or row.leader != username
                or row.lead_epoch != epoch
                or session is None
                or session.status != SessionStatus.active
            ):
                return
            if username in await self.connections.session_users(session_id):
                return
            successor = await self._successor(db, session_id, username)
            await self._pass_lead(db, row, successor, "disconnected", username)

    # -- the end of the session ------------------------------------------------------------

    async def finish(
        self, db: AsyncSession, session: StudySession, now: datetime
    ) -> DescribeCoverage | None:
        """In the session's end transaction: write the places still buffered here, end the
        lead, and return what the session covered (None if nobody led it anywhere)."""
        rows, latest = self.relay.take_records(session.id)
        db.add_all(rows)
        await db.flush()
        row = await db.get(StudyNotebook, session.id)
        if row is not None:
            if latest is not None:
                row.place, row.place_at = latest[0].model_dump(mode="json"), latest[1]
            if row.leader is not None:
                row.leader, row.lead_epoch, row.lead_since = None, row.lead_epoch + 1, now
        records = await db.scalars(
            select(PlaceRecord)
            .where(PlaceRecord.session_id == session.id)
            .order_by(PlaceRecord.at, PlaceRecord.id)
        )
        coverage = compute_coverage(
            [
                Visit(r.at, r.notebook_path, r.cell_index, r.cell_id, r.section, r.section_index)
                for r in records
            ],
            now,
        )
        if row is not None:
            await self.outbox.append(
                db,
                follow_channel(session.id),
                "follow.ended",
                {
                    "session_id": session.id,
                    "epoch": row.lead_epoch,
                    "coverage": coverage.model_dump(mode="json") if coverage else None,
                },
            )
        self.relay.end(session.id)
        return coverage

    # -- "Study this notebook together" -----------------------------------------------------

    async def start_notebook_session(
        self, actor: Identity, request: StartNotebookSession
    ) -> DescribeSession:
        """Create and start a session on a notebook of this server, hosted (and led) by the
        actor; the invitees (or the group's members) are notified and join with one click."""
        path = await self._check(NotebookLocation(path=request.notebook_path))
        title = request.title or posixpath.splitext(posixpath.basename(path))[0][:100]
        settings = SessionSettings(starting_point=Place(notebook_path=path))
        if request.group_id is not None:
            if request.invite:
                raise InvalidInput("Give invite or group_id, not both.", "invalid_input")
            return await self.group_sessions.start_group_session(
                actor, request.group_id, StartGroupSession(title=title, settings=settings)
            )
        self.limiter.hit("create_session", actor.username, self.session_policy.create_limit)
        invitees = [u for u in dict.fromkeys(request.invite) if u != actor.username]
        now = self.clock.now()
        async with self.store.transaction() as db:
            session = await add_session(
                db,
                actor,
                CreateSession(
                    title=title,
                    type=SessionType.group if len(invitees) > 1 else SessionType.one_on_one,
                    max_participants=max(2, min(500, len(invitees) + 1)),
                    settings=settings,
                ),
                now,
                invite=invitees,
                start=True,
            )
            row = StudyNotebook(
                session_id=session.id, path=path, set_by=actor.username, set_at=now, lead_epoch=0
            )
            db.add(row)
            await db.flush()
            await self._pass_lead(db, row, actor.username, "taken", actor.username)
            await self.notifications.notify(
                db,
                invitees,
                "study_invite",
                f"{actor.display_name} invites you to study {posixpath.basename(path)} together",
                "Join to follow them through the notebook.",
                session_id=session.id,
                notebook_path=path,
            )
            await db.refresh(session, ["host"])
            described = await describe_session(db, session, actor, self.session_policy.join_window)
        self.audit.session("created", session.id, actor.username, status=session.status)
        if invitees:
            self.audit.session("invited", session.id, actor.username, usernames=invitees)
        return described


def _location(session: StudySession, row: StudyNotebook | None) -> str | None:
    """The session's study notebook: the one set, else its starting point's."""
    if row is not None:
        return row.path
    starting = (session.settings or {}).get("starting_point") or {}
    return starting.get("notebook_path")


def _may_lead(session: StudySession, member: Participant | None, leader: str | None) -> bool:
    if session.status != SessionStatus.active or not (is_joined(member) and is_host(member)):
        return False
    return leader in (None, member.username) or member.role == SessionRole.host
