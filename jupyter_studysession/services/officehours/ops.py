"""The queue over the websocket: ``queue.join``, ``queue.leave``, ``queue.step_out``,
``queue.return``, ``queue.admit`` (staff) and ``queue.finish`` (staff).

Each op calls one :class:`~.queue.QueueManager` method as the connection's identity; the ack's
``data`` is what the REST API returns. The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from pydantic import Field, ValidationError

from ...exceptions import InvalidInput
from ...models import AdmitOp, AdmitStudents, FinishEntry, JoinQueue, JoinQueueOp, QueueOp
from ...orm import EntryOutcome
from ...realtime.hub import Connection, RealtimeHub
from .queue import QueueManager


class FinishOp(QueueOp):
    entry_id: str = Field(min_length=1, max_length=64)
    outcome: EntryOutcome = EntryOutcome.helped


def register_ops(hub: RealtimeHub, queue: QueueManager) -> None:
    """Teach ``hub`` the queue ops, answered by ``queue``."""

    async def join(conn: Connection, op: JoinQueueOp) -> dict:
        request = JoinQueue(question=op.question, topic=op.topic)
        entry = await queue.join_queue(conn.identity, op.officehours_id, request)
        return entry.model_dump(mode="json")

    async def leave(conn: Connection, op: QueueOp) -> dict:
        return (await queue.leave_queue(conn.identity, op.officehours_id)).model_dump(mode="json")

    async def step_out(conn: Connection, op: QueueOp) -> dict:
        return (await queue.step_out(conn.identity, op.officehours_id)).model_dump(mode="json")

    async def back(conn: Connection, op: QueueOp) -> dict:
        entry = await queue.return_to_queue(conn.identity, op.officehours_id)
        return entry.model_dump(mode="json")

    async def admit(conn: Connection, op: AdmitOp) -> dict:
        try:
            request = AdmitStudents(
                entry_ids=op.entry_ids, topic=op.topic, max_students=op.max_students
            )
        except ValidationError as err:
            raise InvalidInput.from_validation(err) from err
        result = await queue.admit(conn.identity, op.officehours_id, request)
        return result.model_dump(mode="json")

    async def finish(conn: Connection, op: FinishOp) -> dict:
        entry = await queue.finish_entry(
            conn.identity, op.officehours_id, op.entry_id, FinishEntry(outcome=op.outcome)
        )
        return entry.model_dump(mode="json")

    hub.register_op("queue.join", join, JoinQueueOp)
    hub.register_op("queue.leave", leave, QueueOp)
    hub.register_op("queue.step_out", step_out, QueueOp)
    hub.register_op("queue.return", back, QueueOp)
    hub.register_op("queue.admit", admit, AdmitOp)
    hub.register_op("queue.finish", finish, FinishOp)
