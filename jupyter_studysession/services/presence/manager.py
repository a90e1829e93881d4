"""Presence: who is online, away, busy or not to be disturbed, doing what, last seen when.

Presence belongs to the user, not to a tab. A user with at least one open tab is online (away
when every tab reports idle in its heartbeat); closing the last tab, or every tab going
silent for ``timeout``, makes them offline. A status chosen by hand overrides the automatic
one while they are connected. The activity line is set by hand or, automatically, names the
session a tab is subscribed to. Others see the user through their privacy preferences
(``appear_offline``, ``hide_activity``); the user sees themself as they are.

Live state (tabs, idleness, activity) is in a :class:`~.store.PresenceStore`, in memory or in
Redis; preferences and ``last_seen`` are in the database (``last_seen`` written at most once a
minute per user while online, and when they go offline).

Changes are not broadcast one by one: users whose presence may have changed are collected and,
``flush_seconds`` after the first of them, :meth:`PresenceManager.flush` sends one ephemeral
``presence.changed`` event per channel ``presence:session:<id>`` listing every member whose
visible state changed, and the user's own view on ``presence:user:<name>``. One flush runs
at a time, so a channel gets at most one event per ``flush_seconds``. A heartbeat that changes
nothing is not even collected.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, select, update

from ...clock import Clock
from ...exceptions import NotAuthorized, outage
from ...identity import Identity
from ...looplag import doing
from ...models import (
    DescribePresence,
    DescribePresencePreferences,
    DescribeUser,
    ListPresence,
    ListPresenceQuery,
    PresenceStatus,
    SetPresence,
    UpdatePresencePreferences,
)
from ...orm import (
    GroupMember,
    GroupMemberState,
    Participant,
    PresencePreference,
    SessionStatus,
    StudySession,
    User,
)
from ...realtime.outbox import Outbox
from ...store import Store
from ..groups.access import joined_names, member_group
from ..sessions.access import MEMBER_STATES, viewable_session
from ..users.manager import record_user
from .attendance import ConnectionAttendance
from .store import LiveUser, PresenceStore

log = logging.getLogger(__name__)

PRESENCE_CHANGED = "presence.changed"
LAST_SEEN_EVERY = timedelta(minutes=1)
CHUNK = 500  # usernames per SQL ``IN (...)``
NEVER = datetime.min.replace(tzinfo=timezone.utc)


def presence_channel(session_id: str) -> str:
    return f"presence:session:{session_id}"


def group_presence_channel(group_id: str) -> str:
    return f"presence:group:{group_id}"


def own_presence_channel(username: str) -> str:
    """Where a user's tabs learn their own presence (unfiltered by privacy)."""
    return f"presence:user:{username}"


@dataclass
class Facts:
    """What the database says about a user's presence."""

    user: DescribeUser | None = None  # None: a user the server has never seen
    last_seen: datetime | None = None
    status: str | None = None  # chosen by hand
    appear_offline: bool = False
    hide_activity: bool = False


@dataclass
class LocalTab:
    """A tab connected to this process."""

    identity: Identity
    name: str
    key: str
    sessions: set[str] = field(default_factory=set)
    generation: int = 0
    idle: bool = False  # as the tab's last heartbeat said
    touched: datetime | None = None  # the last sign of life counted


def describe(live: LiveUser, facts: Facts, *, own: bool) -> DescribePresence:
    """The user's presence as they see it (``own``) or as everyone else does."""
    if live.tabs:
        status = facts.status or ("away" if live.idle else "online")
        activity = live.activity or live.session_activity
        last_seen = live.seen
    else:
        status, activity, last_seen = "offline", None, facts.last_seen
    if not own and facts.appear_offline:
        status, activity, last_seen = "offline", None, None
    elif not own and facts.hide_activity:
        activity = None
    user = facts.user or DescribeUser(username=live.username, display_name=live.username)
    return DescribePresence(
        user=user, status=PresenceStatus(status), activity=activity, last_seen=last_seen
    )


def session_activity(session: StudySession) -> str:
    """The automatic activity line; a private session's title is not shown to the world."""
    return f"in session {session.title}" if session.is_public else "in a study session"


def _signature(view: DescribePresence) -> str:
    """What subscribers are told, minus ``last_seen`` (which every heartbeat moves)."""
    return f"{view.status.value}|{view.activity or ''}"


class PresenceManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbox: Outbox,
        live: PresenceStore,
        *,
        timeout: timedelta = timedelta(seconds=45),
        grace: timedelta = timedelta(seconds=30),
        flush_seconds: float = 0.3,
    ):
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.live = live
        self.timeout = timeout
        self.attendance = ConnectionAttendance(store, clock, live, grace)
        self.flush_seconds = flush_seconds
        self._process = uuid.uuid4().hex[:12]
        self._tabs: dict[str, LocalTab] = {}
        self._changed: set[str] = set()
        self._seen_due: dict[str, datetime] = {}
        self._persisted: dict[str, datetime] = {}
        self._flusher: asyncio.Task | None = None
        self._closing = False

    @property
    def heartbeat_seconds(self) -> float:
        """How often each tab should send a heartbeat: three chances before the timeout."""
        return self.timeout.total_seconds() / 3

    # -- tabs ----------------------------------------------------------------------------

    async def connect(self, actor: Identity, tab: str, idle: bool = False) -> None:
        """Count tab ``tab`` (any name unique in this process) of ``actor``. Harmless if it
        is already counted."""
        if tab in self._tabs:
            return
        local = self._tabs[tab] = LocalTab(actor, tab, f"{self._process}:{tab}")
        await self._open(local, idle)

    async def heartbeat(self, actor: Identity, tab: str, idle: bool = False) -> None:
        """The tab is alive; ``idle`` when its user has not touched it for a while."""
        local = self._tabs.get(tab)
        if local is None:
            await self.connect(actor, tab, idle)
            return
        now = self.clock.now()
        local.idle, local.touched = idle, now
        changed = await self.live.touch_tab(local.key, now, idle)
        if changed is None:  # it missed its heartbeats and was swept: count it again
            await self._reopen(local, idle)
            return
        if changed:
            self._mark(actor.username)
        if now - self._persisted.get(actor.username, NEVER) >= LAST_SEEN_EVERY:
            self._persisted[actor.username] = self._seen_due[actor.username] = now
            self._schedule_flush()

    async def alive(self, tab: str) -> None:
        """The tab answered a websocket ping (browsers do, even when the page's timers are
        throttled): it stays open, as idle as its last heartbeat said. Counted at most about
        once per heartbeat interval; a tab not counted yet is left alone."""
        local = self._tabs.get(tab)
        if local is None:
            return
        now = self.clock.now()
        if local.touched is not None and (now - local.touched).total_seconds() < (
            0.9 * self.heartbeat_seconds
        ):
            return
        await self.heartbeat(local.identity, tab, local.idle)

    async def disconnect(self, tab: str) -> None:
        """The tab closed. Its sessions see a departure; its user may go offline."""
        local = self._tabs.pop(tab, None)
        if local is None:
            return
        closed = await self.live.close_tab(local.key, self.clock.now())
        if closed is not None:
            await self._closed(closed.username, closed.left_sessions, closed.tabs_left, None)

    async def enter_session(self, tab: str, session_id: str) -> None:
        """The tab (counted by :meth:`connect`) subscribed to ``session:<id>``: count it
        there (attendance), and make the session the user's automatic activity."""
        local = self._tabs[tab]
        local.sessions.add(session_id)
        await self._enter(local, session_id)

    async def exit_session(self, tab: str, session_id: str) -> None:
        """The tab unsubscribed from ``session:<id>``."""
        local = self._tabs.get(tab)
        if local is None:
            return
        local.sessions.discard(session_id)
        username = local.identity.username
        left = await self.live.exit_session(local.key, username, session_id, self.clock.now())
        if left == 0:
            await self._closed(username, [session_id], None, None)

    async def _open(self, local: LocalTab, idle: bool) -> None:
        now = self.clock.now()
        username = local.identity.username
        tabs = await self.live.open_tab(local.key, username, now, idle)
        if tabs == 1:  # they just came online
            async with self.store.transaction() as db:
                await record_user(db, local.identity, now)
            self._persisted[username] = now
        self._mark(username)

    async def _reopen(self, local: LocalTab, idle: bool) -> None:
        local.generation += 1
        local.key = f"{self._process}:{local.name}.{local.generation}"
        await self._open(local, idle)
        for session_id in sorted(local.sessions):
            await self._enter(local, session_id, reopen=False)

    async def _enter(self, local: LocalTab, session_id: str, reopen: bool = True) -> None:
        username = local.identity.username
        entered = await self.live.enter_session(local.key, username, session_id)
        if entered is None:  # swept meanwhile
            if reopen and self._tabs.get(local.name) is local:
                await self._reopen(local, idle=False)
            return
        async with self.store.read() as db:
            session = await db.get(StudySession, session_id)
        if session is None:
            return
        await self.attendance.entered(session, username)
        await self.live.update_user(
            username, session_id=session_id, session_activity=session_activity(session)
        )
        self._mark(username)

    async def _closed(
        self,
        username: str,
        left_sessions: list[str],
        tabs_left: int | None,
        seen: datetime | None,
    ) -> None:
        """After a tab closed or left sessions: forget the automatic activity of sessions
        left, close attendance at once without a grace period, note who went offline."""
        if left_sessions and tabs_left != 0:
            live = (await self.live.users([username]))[username]
            if live.session_id in left_sessions:
                await self.live.update_user(username, session_id=None, session_activity=None)
        if left_sessions and self.attendance.grace <= timedelta(0):
            await self.attendance.close_departed()
        if tabs_left == 0:
            self._seen_due[username] = seen or self.clock.now()
            self._persisted.pop(username, None)
        self._mark(username)

    def _mark(self, username: str) -> None:
        self._changed.add(username)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        """Flush in ``flush_seconds``, unless a flush is already on its way (0: never by
        itself; the caller flushes)."""
        if self._flusher is not None or self.flush_seconds <= 0 or self._closing:
            return
        self._flusher = asyncio.ensure_future(self._flush_later())
        self._flusher.add_done_callback(self._flushed)

    async def _flush_later(self) -> None:
        doing("presence flush")
        await asyncio.sleep(self.flush_seconds)
        await self.flush()

    def _flushed(self, task: asyncio.Task) -> None:
        self._flusher = None
        if task.cancelled():
            return
        if (err := task.exception()) is not None:
            if (down := outage(err)) is not None:  # Redis is away: one line, no traceback
                log.warning("presence: broadcasting changes failed: %s", down.reason)
            else:
                log.error("presence: broadcasting changes failed", exc_info=err)
        if self._changed or self._seen_due:  # what came in meanwhile
            self._schedule_flush()

    # -- preferences ---------------------------------------------------------------------

    async def set_presence(
        self, actor: Identity, request: SetPresence
    ) -> DescribePresencePreferences:
        """``presence.set``: preferences, and the activity line (null: automatic again)."""
        changes = request.model_dump(exclude_unset=True)
        if "activity" in changes:
            await self.live.update_user(actor.username, activity=changes.pop("activity"))
        return await self._save_preferences(actor, changes)

    async def update_preferences(
        self, actor: Identity, request: UpdatePresencePreferences
    ) -> DescribePresencePreferences:
        """Change a manual status (null: automatic again) and the privacy preferences."""
        return await self._save_preferences(actor, request.model_dump(exclude_unset=True))

    async def get_preferences(self, actor: Identity) -> DescribePresencePreferences:
        facts = (await self._facts([actor.username])).get(actor.username, Facts())
        return await self._describe_preferences(actor, facts)

    async def _save_preferences(
        self, actor: Identity, changes: dict
    ) -> DescribePresencePreferences:
        now = self.clock.now()
        async with self.store.transaction() as db:
            user = DescribeUser.model_validate(await record_user(db, actor, now))
            prefs = await db.get(PresencePreference, actor.username)
            if prefs is None:
                prefs = PresencePreference(
                    username=actor.username, appear_offline=False, hide_activity=False
                )
                db.add(prefs)
            for name, value in changes.items():
                setattr(prefs, name, getattr(value, "value", value))
            prefs.updated_at = now
            facts = Facts(user, now, prefs.status, prefs.appear_offline, prefs.hide_activity)
        self._mark(actor.username)
        return await self._describe_preferences(actor, facts)

    async def _describe_preferences(
        self, actor: Identity, facts: Facts
    ) -> DescribePresencePreferences:
        live = (await self.live.users([actor.username]))[actor.username]
        return DescribePresencePreferences(
            status=facts.status,
            appear_offline=facts.appear_offline,
            hide_activity=facts.hide_activity,
            presence=describe(live, facts, own=True),
        )

    # -- reading -------------------------------------------------------------------------

    async def list_presence(self, actor: Identity, query: ListPresenceQuery) -> ListPresence:
        """The members of a session (for its members and course staff), or named users
        (for anyone), or a group's members (for its members); privacy applies to everyone
        but the actor."""
        if query.group is not None:
            async with self.store.read() as db:
                await member_group(db, query.group, actor, purpose="see who of it is here")
                names = await joined_names(db, query.group)
        elif query.session is not None:
            async with self.store.read() as db:
                _session, member = await viewable_session(db, query.session, actor)
                if not actor.is_staff and (member is None or member.state not in MEMBER_STATES):
                    raise NotAuthorized(
                        "Only the session's members see who of them is here.", "not_participant"
                    )
                names = list(
                    await db.scalars(
                        select(Participant.username)
                        .where(
                            Participant.session_id == query.session,
                            Participant.state.in_(MEMBER_STATES),
                        )
                        .order_by(Participant.id)
                    )
                )
        else:
            names = query.usernames()
        live = await self.live.users(names)
        facts = await self._facts(names)
        return ListPresence(
            items=[describe(live[n], facts.get(n, Facts()), own=n == actor.username) for n in names]
        )

    async def _facts(self, names: list[str]) -> dict[str, Facts]:
        found = {}
        async with self.store.read() as db:
            for start in range(0, len(names), CHUNK):
                rows = await db.execute(
                    select(User, PresencePreference)
                    .outerjoin(PresencePreference, PresencePreference.username == User.username)
                    .where(User.username.in_(names[start : start + CHUNK]))
                )
                for user, prefs in rows:
                    found[user.username] = Facts(
                        DescribeUser.model_validate(user),
                        user.last_seen,
                        prefs.status if prefs else None,
                        bool(prefs and prefs.appear_offline),
                        bool(prefs and prefs.hide_activity),
                    )
        return found

    # -- broadcasting --------------------------------------------------------------------

    async def flush(self) -> int:
        """Write due ``last_seen`` times, then tell subscribers what changed since the last
        flush: one ``presence.changed`` event per channel. Returns the number of events."""
        await self._persist_last_seen()
        names = sorted(self._changed)
        self._changed.clear()
        if not names:
            return 0
        live = await self.live.users(names)
        facts = await self._facts(names)
        changed: dict[str, DescribePresence] = {}
        events = 0
        for name in names:
            known = facts.get(name, Facts())
            theirs = describe(live[name], known, own=False)
            own = describe(live[name], known, own=True)
            shown = {}
            if _signature(theirs) != live[name].shown:
                changed[name] = theirs
                shown["shown"] = _signature(theirs)
            if _signature(own) != live[name].shown_self:
                shown["shown_self"] = _signature(own)
                data = {"users": [own.model_dump(mode="json")]}
                await self.outbox.publish_ephemeral(
                    own_presence_channel(name), PRESENCE_CHANGED, data
                )
                events += 1
            if shown:
                await self.live.update_user(name, **shown)
        for channel, members in (await self._channels(list(changed))).items():
            data = {"users": [changed[n].model_dump(mode="json") for n in members]}
            await self.outbox.publish_ephemeral(channel, PRESENCE_CHANGED, data)
            events += 1
        return events

    async def _channels(self, names: list[str]) -> dict[str, list[str]]:
        """``presence:session:<id>`` of the scheduled and active sessions ``names`` belong
        to, each with its members among ``names``."""
        channels: dict[str, list[str]] = defaultdict(list)
        async with self.store.read() as db:
            for start in range(0, len(names), CHUNK):
                rows = await db.execute(
                    select(Participant.session_id, Participant.username)
                    .join(StudySession, StudySession.id == Participant.session_id)
                    .where(
                        Participant.username.in_(names[start : start + CHUNK]),
                        Participant.state.in_(MEMBER_STATES),
                        StudySession.status.in_((SessionStatus.scheduled, SessionStatus.active)),
                    )
                    .order_by(Participant.session_id, Participant.username)
                )
                for session_id, username in rows:
                    channels[presence_channel(session_id)].append(username)
                rows = await db.execute(
                    select(GroupMember.group_id, GroupMember.username)
                    .where(
                        GroupMember.username.in_(names[start : start + CHUNK]),
                        GroupMember.state == GroupMemberState.joined,
                    )
                    .order_by(GroupMember.group_id, GroupMember.username)
                )
                for group_id, username in rows:
                    channels[group_presence_channel(group_id)].append(username)
        return channels

    async def _persist_last_seen(self) -> None:
        due, self._seen_due = self._seen_due, {}
        if not due:
            return
        table = User.__table__
        statement = (
            update(table)
            .where(table.c.username == bindparam("name"))
            .values(last_seen=bindparam("seen"))
        )
        async with self.store.transaction() as db:
            await db.execute(statement, [{"name": n, "seen": t} for n, t in sorted(due.items())])

    # -- background ----------------------------------------------------------------------

    async def sweep(self) -> tuple[int, int]:
        """Close tabs silent for longer than the timeout (at their last heartbeat), then the
        attendance of users whose grace period ran out. Any process may sweep; each tab and
        departure is handled once. Returns ``(tabs closed, intervals closed)``."""
        tabs = 0
        for key in await self.live.stale_tabs(self.clock.now() - self.timeout):
            closed = await self.live.close_tab(key)
            if closed is not None:
                tabs += 1
                await self._closed(
                    closed.username, closed.left_sessions, closed.tabs_left, closed.seen
                )
        return tabs, await self.attendance.close_departed()

    async def run_sweeps(self, interval: float) -> None:
        """Sweep every ``interval`` seconds, until cancelled."""
        doing("presence sweep")
        while True:
            await asyncio.sleep(interval)
            if not self.store.ready:
                continue
            try:
                await self.sweep()
            except Exception:
                log.exception("presence: sweeping failed; will try again")

    async def close(self) -> None:
        """The server stops: its tabs go (other replicas see it at once), then the store."""
        self._closing = True
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        now = self.clock.now()
        for local in list(self._tabs.values()):
            try:
                await self.live.close_tab(local.key, now)
            except Exception:
                log.exception("presence: could not close a tab at shutdown")
        self._tabs.clear()
        await self.live.close()
