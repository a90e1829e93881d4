"""Session goals: a shared, ordered checklist in the session room.

Who may do what:

- read: participants who joined the session (now or before) and course staff;
- create, change, tick, reorder: participants joined right now;
- delete: the goal's creator (while joined), the host or a co-host;
- nothing changes once the session is completed or cancelled (409).

Every public method is one transaction. Changes lock the session row, so positions stay dense
(0, 1, 2, ...) and the per-session limit holds under concurrent requests; each one is reported
as a durable event on ``session:<id>`` and counts as activity in the session.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ... import idempotency
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotAuthorized, NotFound
from ...identity import Identity
from ...models import CreateGoal, DescribeGoal, ListGoals, ReorderGoals, UpdateGoal
from ...orm import Goal, StudySession
from ...realtime.outbox import Outbox
from ...store import Store
from ..sessions.access import (
    ensure_open,
    is_host,
    is_joined,
    room_session,
    session_channel,
    viewable_session,
)

MAX_GOALS = 100
"""How many goals one session may have."""


class GoalManager:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, max_goals: int = MAX_GOALS):
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.max_goals = max_goals

    async def list_goals(self, actor: Identity, session_id: str) -> ListGoals:
        async with self.store.read() as db:
            await room_session(db, session_id, actor)
            goals = await _ordered_goals(db, session_id)
            return _list(goals)

    async def create_goal(
        self, actor: Identity, session_id: str, request: CreateGoal, key: str | None = None
    ) -> DescribeGoal:
        """Add a goal at the end of the list (joined participants).

        With an idempotency ``key`` the actor used before, the goal that request created is
        returned and nothing changes (see :mod:`~jupyter_studysession.idempotency`)."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            if (earlier := await _earlier(db, actor, session_id, key)) is not None:
                return DescribeGoal.model_validate(earlier)
            session = await self._writable_session(db, session_id, actor)
            # again under the session's lock: a retry may have raced the first request
            if (earlier := await _earlier(db, actor, session_id, key)) is not None:
                return DescribeGoal.model_validate(earlier)
            count = await db.scalar(select(func.count()).where(Goal.session_id == session_id))
            if count >= self.max_goals:
                raise Conflict(
                    f"A session can have at most {self.max_goals} goals; delete one first.",
                    "too_many_goals",
                )
            goal = Goal(
                session_id=session_id,
                title=request.title,
                description=request.description,
                done=False,
                position=count,
                created_by=actor.username,
                created_at=now,
                idempotency_key=key,
            )
            db.add(goal)
            await db.flush()
            session.last_activity_at = now
            described = DescribeGoal.model_validate(goal)
            await self._publish(db, session_id, "goal.created", {"goal": _json(described)})
        return described

    async def update_goal(
        self, actor: Identity, goal_id: str, request: UpdateGoal, session_id: str | None = None
    ) -> DescribeGoal:
        """Rename, describe, tick (or untick) or move a goal (joined participants).

        ``session_id``, when given, must be the goal's session (REST routes name both)."""
        now = self.clock.now()
        changes = request.model_dump(exclude_unset=True)
        async with self.store.transaction() as db:
            goal = await self._find_goal(db, goal_id, actor, session_id)
            session = await self._writable_session(db, goal.session_id, actor)
            for field in ("title", "description"):
                if field in changes:
                    setattr(goal, field, changes[field])
            if "done" in changes and changes["done"] != goal.done:
                goal.done = changes["done"]
                goal.done_at = now if goal.done else None
            moved = None
            if "position" in changes:
                goals = await _ordered_goals(db, goal.session_id)
                order = [g for g in goals if g.id != goal.id]
                order.insert(min(changes["position"], len(order)), goal)
                if order != goals:
                    _renumber(order)
                    moved = order
            if changes:
                session.last_activity_at = now
            described = DescribeGoal.model_validate(goal)
            if changes:
                await self._publish(db, goal.session_id, "goal.updated", {"goal": _json(described)})
            if moved is not None:
                await self._publish_order(db, goal.session_id, moved)
        return described

    async def delete_goal(
        self, actor: Identity, goal_id: str, session_id: str | None = None
    ) -> DescribeGoal:
        """Delete a goal: its creator (while joined), the host or a co-host."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            goal = await self._find_goal(db, goal_id, actor, session_id)
            session, member = await room_session(db, goal.session_id, actor, lock=True)
            ensure_open(session)
            own = goal.created_by == actor.username and is_joined(member)
            if not (own or is_host(member)):
                raise NotAuthorized(
                    "Only the goal's author, the host or a co-host can delete it.",
                    "not_goal_author",
                )
            described = DescribeGoal.model_validate(goal)
            await db.delete(goal)
            await db.flush()
            _renumber(await _ordered_goals(db, goal.session_id))
            session.last_activity_at = now
            await self._publish(db, goal.session_id, "goal.deleted", {"goal": _json(described)})
        return described

    async def reorder_goals(
        self, actor: Identity, session_id: str, request: ReorderGoals
    ) -> ListGoals:
        """Put the session's goals in the given order (joined participants). ``goal_ids`` must
        name every goal of the session exactly once."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            session = await self._writable_session(db, session_id, actor)
            goals = await _ordered_goals(db, session_id)
            by_id = {g.id: g for g in goals}
            wanted = request.goal_ids
            if len(set(wanted)) != len(wanted):
                raise InvalidInput("goal_ids: a goal is listed more than once.", "invalid_order")
            unknown = [i for i in wanted if i not in by_id]
            missing = [g.id for g in goals if g.id not in set(wanted)]
            if unknown or missing:
                raise InvalidInput(
                    "goal_ids: must list every goal of the session exactly once "
                    f"({len(missing)} missing, {len(unknown)} not in this session).",
                    "invalid_order",
                )
            order = [by_id[i] for i in wanted]
            _renumber(order)
            session.last_activity_at = now
            await self._publish_order(db, session_id, order)
            return _list(order)

    # -- helpers -------------------------------------------------------------------------

    async def _writable_session(
        self, db: AsyncSession, session_id: str, actor: Identity
    ) -> StudySession:
        """The session, locked, if it is open and the actor joined it right now."""
        session, member = await room_session(db, session_id, actor, lock=True)
        ensure_open(session)
        if not is_joined(member):
            raise NotAuthorized("Join the session to change its goals.", "not_joined")
        return session

    @staticmethod
    async def _find_goal(
        db: AsyncSession, goal_id: str, actor: Identity, session_id: str | None
    ) -> Goal:
        """The goal, if the actor may see it; the same 404 whether it is missing or hidden.

        Its session's row is locked before the goal is loaded: only the goal's session id
        (which never changes) is read first. A goal loaded before the lock could be stale
        once the lock is ours (deleted or moved meanwhile), and the session keeps the object
        it loaded unless told to refresh it.
        """
        missing = NotFound(f"No goal {goal_id!r}.", "goal_not_found")
        owner = await db.scalar(select(Goal.session_id).where(Goal.id == goal_id))
        if owner is None or (session_id is not None and owner != session_id):
            raise missing
        try:
            await viewable_session(db, owner, actor, lock=True)
        except NotFound:
            raise missing from None
        goal = await db.get(Goal, goal_id)
        if goal is None:  # deleted while this call waited for the lock
            raise missing
        return goal

    async def _publish(self, db: AsyncSession, session_id: str, type: str, data: dict) -> None:
        await self.outbox.append(db, session_channel(session_id), type, data)

    async def _publish_order(self, db: AsyncSession, session_id: str, order: list[Goal]) -> None:
        await self._publish(
            db,
            session_id,
            "goal.reordered",
            {"session_id": session_id, "goal_ids": [g.id for g in order]},
        )


async def _ordered_goals(db: AsyncSession, session_id: str) -> list[Goal]:
    return list(
        await db.scalars(
            select(Goal)
            .where(Goal.session_id == session_id)
            .order_by(Goal.position, Goal.created_at, Goal.id)
        )
    )


def _renumber(goals: list[Goal]) -> None:
    for position, goal in enumerate(goals):
        if goal.position != position:
            goal.position = position


def _list(goals: list[Goal]) -> ListGoals:
    items = [DescribeGoal.model_validate(g) for g in goals]
    return ListGoals(items=items, done=sum(g.done for g in items), total=len(items))


def _json(goal: DescribeGoal) -> dict:
    return goal.model_dump(mode="json")


async def _earlier(
    db: AsyncSession, actor: Identity, session_id: str, key: str | None
) -> Goal | None:
    """The goal the actor created earlier with ``key`` in this session (409 if the key
    created one elsewhere). Its title may have changed since: a retry still finds it."""
    earlier = await idempotency.earlier(db, Goal.created_by, key, actor.username)
    if earlier is None:
        return None
    return idempotency.same_or_reused(earlier, session_id=session_id)
