"""Where live presence is kept: open tabs, idleness, and who has a tab in which session.

One small interface, two implementations: :class:`MemoryPresenceStore` (one server process,
the default) and :class:`~.redis_store.RedisPresenceStore` (several replicas share Redis, so
they agree on who is online and count a user's tabs in a session across processes).

A *tab* is one websocket, named by a key unique across processes. Its last heartbeat time
comes from the manager's clock; a tab silent for longer than the timeout is found by
:meth:`PresenceStore.stale_tabs` and closed by whichever process sweeps first.

Every operation that can race with another process is atomic and *claims* its work: a tab is
closed once (:meth:`~PresenceStore.close_tab` returns it to one caller only), a departure is
handed out once (:meth:`~PresenceStore.claim_departures`). When a user's last tab leaves a
session, the store records a *departure* with its time in the same step; a tab entering the
session again cancels it, so a quick reconnect continues the same attendance.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from traitlets import MetaHasTraits
from traitlets.config import LoggingConfigurable

USER_FIELDS = ("activity", "session_id", "session_activity", "shown", "shown_self")
"""What the store keeps per user besides tabs (see :class:`LiveUser`)."""

ACTIVITY_FIELDS = ("activity", "session_id", "session_activity")
"""Forgotten when the user's last tab closes: an activity describes the present."""


@dataclass
class LiveUser:
    """What the store knows about a user right now."""

    username: str
    tabs: int = 0
    idle: bool = False  # every open tab reported idle
    seen: datetime | None = None  # the latest heartbeat of any tab
    activity: str | None = None  # set by hand (``presence.set``)
    session_id: str | None = None  # the session entered last (the automatic activity)
    session_activity: str | None = None
    shown: str | None = None  # what others were last told (so an unchanged state is not re-sent)
    shown_self: str | None = None  # what the user's own tabs were last told


@dataclass
class ClosedTab:
    username: str
    seen: datetime
    left_sessions: list[str] = field(default_factory=list)  # where it was the user's last tab
    tabs_left: int = 0  # the user's remaining tabs, in every process


@dataclass(frozen=True)
class Departure:
    """A user's last tab left a session at ``at``; attendance closes then, unless a tab
    comes back within the grace period."""

    session_id: str
    username: str
    at: datetime


class _StoreMeta(MetaHasTraits, abc.ABCMeta):
    pass


class PresenceStore(LoggingConfigurable, metaclass=_StoreMeta):
    """The interface. Methods are coroutines; times are timezone-aware datetimes."""

    # -- tabs ----------------------------------------------------------------------------

    @abc.abstractmethod
    async def open_tab(self, tab: str, username: str, now: datetime, idle: bool = False) -> int:
        """Count a new tab of ``username``; returns how many tabs the user now has."""

    @abc.abstractmethod
    async def touch_tab(self, tab: str, now: datetime, idle: bool) -> bool | None:
        """A heartbeat. ``None`` when the tab is unknown (it was swept or closed), otherwise
        whether its idle flag changed."""

    @abc.abstractmethod
    async def close_tab(self, tab: str, at: datetime | None = None) -> ClosedTab | None:
        """Forget a tab and leave its sessions, recording departures at ``at`` (``None``: at
        its last heartbeat, for a tab that timed out). Only the first caller gets the
        :class:`ClosedTab`; later ones (another process sweeping) get ``None``."""

    @abc.abstractmethod
    async def stale_tabs(self, before: datetime, limit: int = 1000) -> list[str]:
        """Tabs whose last heartbeat is older than ``before``."""

    # -- users ---------------------------------------------------------------------------

    @abc.abstractmethod
    async def users(self, usernames: Iterable[str]) -> dict[str, LiveUser]:
        """Every one of ``usernames``, known or not (unknown ones have no tabs)."""

    @abc.abstractmethod
    async def update_user(self, username: str, **values: str | None) -> None:
        """Set fields of :data:`USER_FIELDS`; ``None`` removes one."""

    # -- sessions and attendance ---------------------------------------------------------

    @abc.abstractmethod
    async def enter_session(
        self, tab: str, username: str, session_id: str
    ) -> tuple[int, bool] | None:
        """The tab subscribed to the session. Returns ``(tabs of the user in the session,
        whether a pending departure was cancelled)``, or ``None`` if the tab is unknown."""

    @abc.abstractmethod
    async def exit_session(
        self, tab: str, username: str, session_id: str, at: datetime
    ) -> int | None:
        """The tab left the session. Returns the user's tabs still in it (at 0 a departure
        is recorded at ``at``), or ``None`` if the tab was not in it."""

    @abc.abstractmethod
    async def session_tabs(self, session_id: str, username: str) -> int:
        """How many tabs ``username`` has in the session, in every process."""

    @abc.abstractmethod
    async def session_users(self, session_id: str) -> set[str]:
        """Users with at least one tab in the session."""

    @abc.abstractmethod
    async def departures(self, session_id: str) -> dict[str, datetime]:
        """The session's pending departures (users within their grace period)."""

    @abc.abstractmethod
    async def claim_departures(self, before: datetime, limit: int = 1000) -> list[Departure]:
        """Remove and return departures at or before ``before``; each goes to one caller."""

    async def close(self) -> None:
        """Release connections (called when the server stops)."""


# -- in memory --------------------------------------------------------------------------


@dataclass
class _Tab:
    username: str
    seen: datetime
    idle: bool
    sessions: set[str] = field(default_factory=set)


class MemoryPresenceStore(PresenceStore):
    """Presence in this process's memory: one server, no Redis. Nothing here awaits, so every
    method is atomic by construction."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tabs: dict[str, _Tab] = {}
        self._user_tabs: dict[str, set[str]] = {}
        self._users: dict[str, dict[str, str]] = {}
        self._in_session: dict[str, dict[str, set[str]]] = {}  # session -> user -> tabs
        self._departures: dict[tuple[str, str], datetime] = {}

    async def open_tab(self, tab: str, username: str, now: datetime, idle: bool = False) -> int:
        self._tabs[tab] = _Tab(username, now, idle)
        mine = self._user_tabs.setdefault(username, set())
        mine.add(tab)
        return len(mine)

    async def touch_tab(self, tab: str, now: datetime, idle: bool) -> bool | None:
        state = self._tabs.get(tab)
        if state is None:
            return None
        changed = state.idle != idle
        state.seen, state.idle = now, idle
        return changed

    async def close_tab(self, tab: str, at: datetime | None = None) -> ClosedTab | None:
        state = self._tabs.pop(tab, None)
        if state is None:
            return None
        closed = ClosedTab(state.username, state.seen)
        for session_id in sorted(state.sessions):
            if self._leave(tab, state.username, session_id, at or state.seen) == 0:
                closed.left_sessions.append(session_id)
        mine = self._user_tabs.get(state.username, set())
        mine.discard(tab)
        closed.tabs_left = len(mine)
        if not mine:
            self._user_tabs.pop(state.username, None)
            values = self._users.get(state.username, {})
            for name in ACTIVITY_FIELDS:
                values.pop(name, None)
        return closed

    async def stale_tabs(self, before: datetime, limit: int = 1000) -> list[str]:
        return [tab for tab, state in self._tabs.items() if state.seen < before][:limit]

    async def users(self, usernames: Iterable[str]) -> dict[str, LiveUser]:
        found = {}
        for name in usernames:
            tabs = [self._tabs[t] for t in self._user_tabs.get(name, ()) if t in self._tabs]
            found[name] = LiveUser(
                username=name,
                tabs=len(tabs),
                idle=bool(tabs) and all(t.idle for t in tabs),
                seen=max((t.seen for t in tabs), default=None),
                **self._users.get(name, {}),
            )
        return found

    async def update_user(self, username: str, **values: str | None) -> None:
        check_user_fields(values)
        stored = self._users.setdefault(username, {})
        for name, value in values.items():
            if value is None:
                stored.pop(name, None)
            else:
                stored[name] = value

    async def enter_session(
        self, tab: str, username: str, session_id: str
    ) -> tuple[int, bool] | None:
        state = self._tabs.get(tab)
        if state is None:
            return None
        state.sessions.add(session_id)
        tabs = self._in_session.setdefault(session_id, {}).setdefault(username, set())
        tabs.add(tab)
        resumed = self._departures.pop((session_id, username), None) is not None
        return len(tabs), resumed

    async def exit_session(
        self, tab: str, username: str, session_id: str, at: datetime
    ) -> int | None:
        state = self._tabs.get(tab)
        if state is not None:
            state.sessions.discard(session_id)
        return self._leave(tab, username, session_id, at)

    def _leave(self, tab: str, username: str, session_id: str, at: datetime) -> int | None:
        users = self._in_session.get(session_id, {})
        tabs = users.get(username)
        if tabs is None or tab not in tabs:
            return None
        tabs.discard(tab)
        if not tabs:
            del users[username]
            if not users:
                self._in_session.pop(session_id, None)
            self._departures[(session_id, username)] = at
        return len(tabs)

    async def session_tabs(self, session_id: str, username: str) -> int:
        return len(self._in_session.get(session_id, {}).get(username, ()))

    async def session_users(self, session_id: str) -> set[str]:
        return set(self._in_session.get(session_id, {}))

    async def departures(self, session_id: str) -> dict[str, datetime]:
        return {user: at for (sid, user), at in self._departures.items() if sid == session_id}

    async def claim_departures(self, before: datetime, limit: int = 1000) -> list[Departure]:
        due = sorted(
            (at, sid, user) for (sid, user), at in self._departures.items() if at <= before
        )[:limit]
        for _at, sid, user in due:
            del self._departures[(sid, user)]
        return [Departure(sid, user, at) for at, sid, user in due]


def check_user_fields(values: dict) -> None:
    unknown = set(values) - set(USER_FIELDS)
    if unknown:
        raise ValueError(f"not presence fields: {sorted(unknown)}")
