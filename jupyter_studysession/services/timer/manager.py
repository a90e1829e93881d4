"""The shared pomodoro timer of a session room; the server is the authority.

One timer per session: focus, then a short break, then focus again, ... and after ``cycles``
focus periods a long break, after which a new round starts. The stored row is the state
*settled* at ``phase_started_at``: while the timer runs, the phase ends ``remaining_seconds``
after that moment. Nothing needs to tick for the state to be right: whoever reads or changes
it first settles it to "now" (:func:`settle`), crossing every phase boundary in between and
adding the time spent to ``focus_seconds`` or ``break_seconds`` (paused time counts nowhere).

A background task (:meth:`TimerManager.advance_due_timers`) settles timers whose phase has
ended, so that everyone in the room hears about the transition (``timer.state`` on
``session:<id>``). Its write is a compare-and-set on ``version``, so with several server
replicas on one database exactly one of them records and publishes a given transition.

Who may do what: the room's readers (participants who joined, course staff) see the timer;
the host and co-hosts control it, or everyone joined when the session's settings say
``timer_control: "everyone"``. It starts only in an active session, and ending the session
stops it (:func:`stop_timer`, in the transaction that writes the summary).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...clock import Clock
from ...exceptions import Conflict, NotAuthorized
from ...identity import SYSTEM, Identity
from ...models import ConfigureTimer, DescribeTimer, TimerControl
from ...orm import SessionStatus, SessionTimer, StudySession, TimerPhase
from ...realtime.outbox import Outbox
from ...store import Store
from ..sessions.access import ensure_open, is_host, is_joined, room_session, session_channel

log = logging.getLogger(__name__)

DEFAULTS = {"focus_minutes": 25, "short_break_minutes": 5, "long_break_minutes": 15, "cycles": 4}
"""The timer of a session that never configured it."""

BREAKS = (TimerPhase.short_break, TimerPhase.long_break)


# -- the state and its rules (pure, no database) ------------------------------------------


@dataclasses.dataclass
class TimerState:
    """The columns of a :class:`~jupyter_studysession.orm.SessionTimer` row, as plain data."""

    focus_minutes: float
    short_break_minutes: float
    long_break_minutes: float
    cycles: int
    phase: TimerPhase = TimerPhase.idle
    cycle: int = 1
    running: bool = False
    phase_started_at: datetime | None = None
    remaining_seconds: float = 0.0
    focus_seconds: float = 0.0
    break_seconds: float = 0.0
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    @classmethod
    def new(cls) -> TimerState:
        state = cls(**DEFAULTS)
        state.remaining_seconds = state.duration(TimerPhase.focus)
        return state

    @classmethod
    def of(cls, row: SessionTimer) -> TimerState:
        values = {f.name: getattr(row, f.name) for f in dataclasses.fields(cls)}
        values["phase"] = TimerPhase(values["phase"])
        return cls(**values)

    def values(self) -> dict:
        return dataclasses.asdict(self)

    def duration(self, phase: TimerPhase) -> float:
        minutes = {
            TimerPhase.idle: self.focus_minutes,
            TimerPhase.focus: self.focus_minutes,
            TimerPhase.short_break: self.short_break_minutes,
            TimerPhase.long_break: self.long_break_minutes,
        }[phase]
        return float(minutes * 60)

    def phase_ends_at(self) -> datetime | None:
        if not self.running or self.phase_started_at is None:
            return None
        return self.phase_started_at + timedelta(seconds=self.remaining_seconds)

    def describe(self, session_id: str, now: datetime) -> DescribeTimer:
        """The state as clients see it; call :func:`settle` to ``now`` first."""
        return DescribeTimer(
            session_id=session_id,
            phase=self.phase,
            cycle=self.cycle,
            cycles=self.cycles,
            running=self.running,
            remaining_seconds=self.remaining_seconds,
            phase_ends_at=self.phase_ends_at(),
            server_time=now,
            focus_minutes=round(self.focus_minutes),
            short_break_minutes=round(self.short_break_minutes),
            long_break_minutes=round(self.long_break_minutes),
            focus_seconds=self.focus_seconds,
            break_seconds=self.break_seconds,
            version=self.version,
            updated_by=self.updated_by,
        )


def settle(state: TimerState, now: datetime) -> bool:
    """Bring a running timer's state to ``now``: cross every phase that ended meanwhile and
    count the time spent. Returns whether a phase ended."""
    crossed = False
    while state.running and state.phase_started_at is not None:
        ends_at = state.phase_ends_at()
        if now < ends_at:
            _spend(state, (now - state.phase_started_at).total_seconds())
            state.phase_started_at = now
            return crossed
        _spend(state, state.remaining_seconds)
        _enter(state, _next_phase(state), at=ends_at)
        crossed = True
    return crossed


def _spend(state: TimerState, seconds: float) -> None:
    if state.phase == TimerPhase.focus:
        state.focus_seconds = round(state.focus_seconds + seconds, 6)
    elif state.phase in BREAKS:
        state.break_seconds = round(state.break_seconds + seconds, 6)
    state.remaining_seconds = round(max(0.0, state.remaining_seconds - seconds), 6)


def _next_phase(state: TimerState) -> TimerPhase:
    if state.phase == TimerPhase.focus:
        return TimerPhase.long_break if state.cycle >= state.cycles else TimerPhase.short_break
    return TimerPhase.focus


def _enter(state: TimerState, phase: TimerPhase, at: datetime | None) -> None:
    """Begin ``phase`` at ``at`` (running or paused as before)."""
    if phase == TimerPhase.focus and state.phase == TimerPhase.short_break:
        state.cycle += 1
    elif phase == TimerPhase.focus or phase == TimerPhase.idle:
        state.cycle = 1
    state.phase = phase
    state.remaining_seconds = state.duration(phase)
    state.phase_started_at = at if state.running else None


def _stop(state: TimerState) -> None:
    state.running = False
    _enter(state, TimerPhase.idle, at=None)


# -- the actions -------------------------------------------------------------------------

Action = Callable[[TimerState, StudySession, datetime], None]


def _require_active(session: StudySession) -> None:
    if session.status != SessionStatus.active:
        raise Conflict(
            f"The session is {session.status}; the timer runs once it has started.",
            "session_not_active",
        )


def _start(state: TimerState, session: StudySession, now: datetime) -> None:
    _require_active(session)
    if state.phase != TimerPhase.idle:
        raise Conflict("The timer has started already; resume or reset it.", "timer_started")
    state.running = True
    _enter(state, TimerPhase.focus, at=now)


def _pause(state: TimerState, session: StudySession, now: datetime) -> None:
    if not state.running:
        raise Conflict("The timer is not running.", "timer_not_running")
    state.running = False
    state.phase_started_at = None


def _resume(state: TimerState, session: StudySession, now: datetime) -> None:
    _require_active(session)
    if state.running or state.phase == TimerPhase.idle:
        raise Conflict("Only a paused timer can resume.", "timer_not_paused")
    state.running = True
    state.phase_started_at = now


def _skip(state: TimerState, session: StudySession, now: datetime) -> None:
    if state.phase == TimerPhase.idle:
        raise Conflict("The timer has not started; there is no phase to skip.", "timer_idle")
    _enter(state, _next_phase(state), at=now)


def _reset(state: TimerState, session: StudySession, now: datetime) -> None:
    _stop(state)


def _configure(request: ConfigureTimer) -> Action:
    def apply(state: TimerState, session: StudySession, now: datetime) -> None:
        for name, value in request.model_dump(exclude_unset=True).items():
            setattr(state, name, value)
        if state.phase == TimerPhase.idle:
            state.remaining_seconds = state.duration(TimerPhase.idle)

    return apply


# -- storage -----------------------------------------------------------------------------


async def _load(db: AsyncSession, session_id: str, *, lock: bool = False) -> TimerState | None:
    query = select(SessionTimer).where(SessionTimer.session_id == session_id)
    if lock:
        query = query.with_for_update()
    row = await db.scalar(query)
    return None if row is None else TimerState.of(row)


async def _save(db: AsyncSession, session_id: str, state: TimerState, expected: int | None) -> bool:
    """Write ``state`` as the next version. ``expected`` is the version it was read at (None:
    no row yet). Returns False when another writer got there first (nothing written)."""
    state.version = (expected or 0) + 1
    if expected is None:
        db.add(SessionTimer(session_id=session_id, **state.values()))
        await db.flush()
        return True
    result = await db.execute(
        update(SessionTimer)
        .where(SessionTimer.session_id == session_id, SessionTimer.version == expected)
        .values(**state.values())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def _publish(outbox: Outbox, db: AsyncSession, described: DescribeTimer) -> None:
    await outbox.append(
        db,
        session_channel(described.session_id),
        "timer.state",
        {"timer": described.model_dump(mode="json")},
    )


async def stop_timer(
    db: AsyncSession, outbox: Outbox, session_id: str, now: datetime, by: str
) -> TimerState | None:
    """Stop the session's timer in the caller's transaction (the session is ending): settle
    it, count the time spent, go idle and tell the room. Returns the final state (None when
    the session never had a timer)."""
    state = await _load(db, session_id, lock=True)
    if state is None:
        return None
    if state.phase == TimerPhase.idle:
        return state
    expected = state.version
    settle(state, now)
    _stop(state)
    state.updated_at, state.updated_by = now, by
    await _save(db, session_id, state, expected)
    await _publish(outbox, db, state.describe(session_id, now))
    return state


# -- the manager -------------------------------------------------------------------------


class TimerManager:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox):
        self.store = store
        self.clock = clock
        self.outbox = outbox

    async def get_timer(self, actor: Identity, session_id: str) -> DescribeTimer:
        """The timer as of now (settled in memory; nothing is written)."""
        now = self.clock.now()
        async with self.store.read() as db:
            await room_session(db, session_id, actor)
            state = await _load(db, session_id) or TimerState.new()
        settle(state, now)
        return state.describe(session_id, now)

    async def start_timer(self, actor: Identity, session_id: str) -> DescribeTimer:
        """From idle: the first focus period begins now (active sessions only)."""
        return await self._change(actor, session_id, _start)

    async def pause_timer(self, actor: Identity, session_id: str) -> DescribeTimer:
        """Freeze the remaining time; paused time counts as neither focus nor break."""
        return await self._change(actor, session_id, _pause)

    async def resume_timer(self, actor: Identity, session_id: str) -> DescribeTimer:
        return await self._change(actor, session_id, _resume)

    async def skip_phase(self, actor: Identity, session_id: str) -> DescribeTimer:
        """End the current phase now and begin the next one (running or paused as before)."""
        return await self._change(actor, session_id, _skip)

    async def reset_timer(self, actor: Identity, session_id: str) -> DescribeTimer:
        """Back to idle at the first cycle; the time already spent stays counted."""
        return await self._change(actor, session_id, _reset)

    async def configure_timer(
        self, actor: Identity, session_id: str, request: ConfigureTimer
    ) -> DescribeTimer:
        """Change durations and cycles; they apply from the next phase (at once when idle)."""
        return await self._change(actor, session_id, _configure(request))

    async def _change(self, actor: Identity, session_id: str, action: Action) -> DescribeTimer:
        now = self.clock.now()
        async with self.store.transaction() as db:
            session, member = await room_session(db, session_id, actor, lock=True)
            ensure_open(session)
            self._check_control(session, member)
            state = await _load(db, session_id, lock=True)
            expected = None if state is None else state.version
            state = state or TimerState.new()
            settle(state, now)
            action(state, session, now)
            state.updated_at, state.updated_by = now, actor.username
            if not await _save(db, session_id, state, expected):
                # the row is locked and SQLite serialises writers: only a bug gets here
                raise Conflict("The timer changed meanwhile; try again.", "timer_changed")
            described = state.describe(session_id, now)
            await _publish(self.outbox, db, described)
        return described

    @staticmethod
    def _check_control(session: StudySession, member) -> None:
        everyone = (session.settings or {}).get("timer_control") == TimerControl.everyone.value
        if is_host(member) or (everyone and is_joined(member)):
            return
        if everyone:
            raise NotAuthorized("Join the session to control the timer.", "not_joined")
        raise NotAuthorized(
            "Only the host or a co-host can control the timer.", "not_timer_controller"
        )

    # -- time passing --------------------------------------------------------------------

    async def advance_due_timers(self) -> int:
        """Settle every running timer whose phase has ended and publish its new state.

        Safe to run on every replica at once: each write is a compare-and-set on the version
        it read, so exactly one replica records (and publishes) a given transition. Each
        timer is its own transaction; one failure does not stop the rest. Returns how many
        timers this call advanced."""
        now = self.clock.now()
        async with self.store.read() as db:
            rows = await db.scalars(select(SessionTimer).where(SessionTimer.running.is_(True)))
            running = {row.session_id: TimerState.of(row) for row in rows}
        due = {sid: s.version for sid, s in running.items() if s.phase_ends_at() <= now}
        advanced = 0
        for session_id, version in due.items():
            try:
                if await self._advance(session_id, version, now):
                    advanced += 1
            except Exception:
                log.exception("timer: could not advance the timer of session %s", session_id)
        return advanced

    async def _advance(self, session_id: str, version: int, now: datetime) -> bool:
        async with self.store.transaction() as db:
            state = await _load(db, session_id)
            if state is None or state.version != version or not settle(state, now):
                return False  # changed or advanced by someone else since we looked
            state.updated_at, state.updated_by = now, SYSTEM.username
            if not await _save(db, session_id, state, version):
                return False
            await _publish(self.outbox, db, state.describe(session_id, now))
        return True
