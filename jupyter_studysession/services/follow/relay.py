"""The hot path of following: the leader's places, relayed to the followers and recorded.

A place (``nav.place``) comes from the leader's tab several times a second while they move.
For each one, this process:

1. checks that the sender leads the session, under the lead they hold (``epoch``), through its
   study notebook: from a :class:`Lead` cached here, re-read from the database when older than
   ``lead_cache_seconds`` (the lead's own changes in this process update it at once; the
   cache only matters when the lead changes on another replica);
2. relays it as one ephemeral ``nav.place`` event on ``follow:<id>`` (the bus frames it once
   for every follower), at most once every ``place_interval_seconds`` per session: a place
   that comes sooner waits, and is replaced by a newer one meanwhile (coalesced), so the last
   place is always sent;
3. buffers it for the session's record when the cell or the heading changed, and writes the
   buffer every ``record_seconds`` in one transaction (``place_records``, and the study
   notebook's current ``place``). Ending the session takes the buffer into its own
   transaction, so no place recorded here is lost.

It also keeps who follows, has paused or is elsewhere (``nav.status``), per tab, in this
process only: the states are announced as ephemeral ``nav.status`` events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ...clock import Clock
from ...exceptions import Conflict, NotAuthorized
from ...identity import Identity
from ...models import DescribeFollowStatus, DescribeUser, FollowState, NotebookPlace, PlaceOp
from ...orm import PlaceRecord, SessionStatus, StudyNotebook, StudySession
from ...realtime.outbox import Outbox
from ...store import Store

log = logging.getLogger(__name__)


def follow_channel(session_id: str) -> str:
    """Where a session's places go: its joined participants only."""
    return f"follow:{session_id}"


@dataclass
class Lead:
    """Who may send places for a session, as last read from the database."""

    session_id: str
    active: bool
    path: str | None
    leader: str | None
    epoch: int
    read_at: float = field(default_factory=time.monotonic)


@dataclass
class _Relay:
    """The coalescing state of one session's places."""

    sent_at: float = -1e9
    pending: dict | None = None
    timer: asyncio.TimerHandle | None = None
    last: tuple[NotebookPlace, datetime] | None = None


@dataclass
class _Record:
    """The places of one session waiting to be written."""

    rows: list[PlaceRecord] = field(default_factory=list)
    key: tuple | None = None
    timer: asyncio.TimerHandle | None = None
    place: tuple[NotebookPlace, datetime] | None = None


@dataclass
class _Status:
    user: DescribeUser
    state: FollowState


RANK = {FollowState.following: 0, FollowState.paused: 1, FollowState.elsewhere: 2}


class PlaceRelay:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbox: Outbox,
        *,
        place_interval: float = 0.05,
        record_seconds: float = 1.0,
        lead_cache_seconds: float = 1.0,
        spawn: Callable[[Coroutine], None],
    ):
        self.store = store
        self.spawn = spawn  # runs a coroutine in the background, kept, its failure logged
        self.clock = clock
        self.outbox = outbox
        self.place_interval = place_interval
        self.record_seconds = record_seconds
        self.lead_cache_seconds = lead_cache_seconds
        self._leads: dict[str, Lead] = {}
        self._relays: dict[str, _Relay] = {}
        self._records: dict[str, _Record] = {}
        self._statuses: dict[str, dict[int, _Status]] = {}

    # -- the lead ------------------------------------------------------------------------

    def remember(self, lead: Lead) -> None:
        """The lead as this process just wrote it."""
        self._leads[lead.session_id] = lead

    def forget(self, session_id: str) -> None:
        self._leads.pop(session_id, None)

    async def lead(self, session_id: str) -> Lead:
        lead = self._leads.get(session_id)
        if lead is None or time.monotonic() - lead.read_at > self.lead_cache_seconds:
            async with self.store.read() as db:
                status = await db.scalar(
                    select(StudySession.status).where(StudySession.id == session_id)
                )
                row = await db.get(StudyNotebook, session_id)
            lead = Lead(
                session_id,
                active=status == SessionStatus.active,
                path=row.path if row else None,
                leader=row.leader if row else None,
                epoch=row.lead_epoch if row else 0,
            )
            self._leads[session_id] = lead
        return lead

    # -- places --------------------------------------------------------------------------

    async def relay_place(self, actor: Identity, op: PlaceOp) -> dict:
        """Relay and record the leader's place; 403 ``not_leader`` for anyone else, 409
        ``stale_lead`` for a place sent under a lead since passed on, 409
        ``not_study_notebook`` for another notebook."""
        lead = await self.lead(op.session_id)
        if not lead.active:
            raise Conflict("The session is not active: nobody leads.", "session_not_active")
        if lead.leader != actor.username:
            who = f"{lead.leader} leads" if lead.leader else "Nobody leads"
            raise NotAuthorized(f"{who}; only the leader's place is shared.", "not_leader")
        if op.epoch != lead.epoch:
            raise Conflict(
                "The lead changed hands since this tab took it; take it again.", "stale_lead"
            )
        if op.notebook_path != lead.path:
            raise Conflict(
                f"The study notebook is {lead.path!r}; places elsewhere are not shared.",
                "not_study_notebook",
            )
        now = self.clock.now()
        place = NotebookPlace.model_validate(op.model_dump(include=NotebookPlace.model_fields))
        data = {
            "session_id": op.session_id,
            "leader": actor.username,
            "epoch": op.epoch,
            "place": place.model_dump(mode="json"),
            "at": now.isoformat(),
        }
        relayed = await self._relay(op.session_id, data)
        self._relays[op.session_id].last = (place, now)
        self._record(op.session_id, actor.username, place, now)
        return {"epoch": op.epoch, "relayed": relayed}

    async def _relay(self, session_id: str, data: dict) -> bool:
        relay = self._relays.setdefault(session_id, _Relay())
        wait = relay.sent_at + self.place_interval - time.monotonic()
        if relay.timer is None and wait <= 0:
            relay.sent_at = time.monotonic()
            await self.outbox.publish_ephemeral(follow_channel(session_id), "nav.place", data)
            return True
        relay.pending = data  # a newer place replaces one still waiting
        if relay.timer is None:
            relay.timer = asyncio.get_running_loop().call_later(
                max(0.0, wait), self._send_pending, session_id
            )
        return False

    def _send_pending(self, session_id: str) -> None:
        relay = self._relays.get(session_id)
        if relay is None:
            return
        relay.timer = None
        data, relay.pending = relay.pending, None
        if data is not None:
            relay.sent_at = time.monotonic()
            self.spawn(self.outbox.publish_ephemeral(follow_channel(session_id), "nav.place", data))

    def last_place(self, session_id: str) -> tuple[NotebookPlace, datetime] | None:
        """The last place relayed here, if any (fresher than the recorded one)."""
        relay = self._relays.get(session_id)
        return relay.last if relay is not None else None

    # -- recording -----------------------------------------------------------------------

    def _record(self, session_id: str, username: str, place: NotebookPlace, now) -> None:
        record = self._records.setdefault(session_id, _Record())
        key = (place.notebook_path, place.cell_id, place.cell_index, place.section_index)
        record.place = (place, now)
        if key != record.key:
            record.key = key
            record.rows.append(
                PlaceRecord(
                    session_id=session_id,
                    username=username,
                    at=now,
                    **place.model_dump(exclude={"offset"}),
                )
            )
        if record.timer is None:
            record.timer = asyncio.get_running_loop().call_later(
                self.record_seconds, lambda: self.spawn(self.flush(session_id))
            )

    def take_records(self, session_id: str) -> tuple[list[PlaceRecord], tuple | None]:
        """The session's places not written yet, and its latest place; forgotten here (the
        caller writes them in its transaction)."""
        record = self._records.pop(session_id, None)
        if record is None:
            return [], None
        if record.timer is not None:
            record.timer.cancel()
        return record.rows, record.place

    async def flush(self, session_id: str) -> None:
        """Write the session's buffered places (while it is active)."""
        rows, latest = self.take_records(session_id)
        if latest is None:
            return
        async with self.store.transaction() as db:
            status = await db.scalar(
                select(StudySession.status).where(StudySession.id == session_id)
            )
            if status != SessionStatus.active:
                return  # it ended meanwhile: its end took what it could
            db.add_all(rows)
            row = await db.get(StudyNotebook, session_id)
            if row is not None:
                place, at = latest
                row.place, row.place_at = place.model_dump(mode="json"), at

    async def flush_all(self) -> None:
        for session_id in list(self._records):
            await self.flush(session_id)

    # -- who follows ---------------------------------------------------------------------

    async def set_status(
        self, session_id: str, tab: int, user: DescribeUser, state: FollowState | None
    ) -> None:
        """One tab's follow state (None: the tab left); announces the user's state (their
        most engaged tab's) when it changed."""
        tabs = self._statuses.setdefault(session_id, {})
        before = self._user_state(tabs, user.username)
        if state is None:
            tabs.pop(tab, None)
        else:
            tabs[tab] = _Status(user, state)
        after = self._user_state(tabs, user.username)
        if not tabs:
            del self._statuses[session_id]
        if after != before:
            data = {
                "session_id": session_id,
                "user": user.model_dump(mode="json"),
                "state": after.value if after else None,
            }
            await self.outbox.publish_ephemeral(follow_channel(session_id), "nav.status", data)

    @staticmethod
    def _user_state(tabs: dict[int, _Status], username: str) -> FollowState | None:
        states = [s.state for s in tabs.values() if s.user.username == username]
        return min(states, key=RANK.__getitem__) if states else None

    def statuses(self, session_id: str) -> list[DescribeFollowStatus]:
        tabs = self._statuses.get(session_id, {})
        users = {s.user.username: s.user for s in tabs.values()}
        return [
            DescribeFollowStatus(user=user, state=self._user_state(tabs, name))
            for name, user in sorted(users.items())
        ]

    def tabs_of(self, tab: int) -> list[tuple[str, DescribeUser]]:
        """The sessions where a tab has a state, with its user."""
        return [(sid, tabs[tab].user) for sid, tabs in self._statuses.items() if tab in tabs]

    # -- housekeeping --------------------------------------------------------------------

    def end(self, session_id: str) -> None:
        """Forget a session that ended."""
        self.forget(session_id)
        relay = self._relays.pop(session_id, None)
        if relay is not None and relay.timer is not None:
            relay.timer.cancel()

    async def close(self) -> None:
        """Write what is buffered (the server is stopping)."""
        for relay in self._relays.values():
            if relay.timer is not None:
                relay.timer.cancel()
        try:
            await self.flush_all()
        except Exception:
            log.exception("follow: could not write the last places")
