"""Goals over the websocket: ops ``goal.create``, ``goal.update``, ``goal.delete`` and
``goal.reorder``.

Each op calls one :class:`~.manager.GoalManager` method as the connection's identity (the
server's, never a name from the client) and acks with the result as a plain dict; domain errors
become error acks in the hub. The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from ...models import (
    CreateGoal,
    CreateGoalOp,
    DeleteGoalOp,
    ReorderGoals,
    ReorderGoalsOp,
    UpdateGoal,
    UpdateGoalOp,
)
from ...realtime.hub import Connection, RealtimeHub
from .manager import GoalManager


def register_ops(hub: RealtimeHub, goals: GoalManager) -> None:
    """Teach ``hub`` the goal ops, answered by ``goals``."""

    async def create(conn: Connection, op: CreateGoalOp) -> dict:
        request = CreateGoal(title=op.title, description=op.description)
        goal = await goals.create_goal(conn.identity, op.session_id, request, op.idempotency_key)
        return goal.model_dump(mode="json")

    async def update(conn: Connection, op: UpdateGoalOp) -> dict:
        request = UpdateGoal(**op.model_dump(exclude_unset=True, exclude={"goal_id"}))
        goal = await goals.update_goal(conn.identity, op.goal_id, request)
        return goal.model_dump(mode="json")

    async def delete(conn: Connection, op: DeleteGoalOp) -> dict:
        goal = await goals.delete_goal(conn.identity, op.goal_id)
        return goal.model_dump(mode="json")

    async def reorder(conn: Connection, op: ReorderGoalsOp) -> dict:
        request = ReorderGoals(goal_ids=op.goal_ids)
        return (await goals.reorder_goals(conn.identity, op.session_id, request)).model_dump(
            mode="json"
        )

    hub.register_op("goal.create", create, CreateGoalOp)
    hub.register_op("goal.update", update, UpdateGoalOp)
    hub.register_op("goal.delete", delete, DeleteGoalOp)
    hub.register_op("goal.reorder", reorder, ReorderGoalsOp)
