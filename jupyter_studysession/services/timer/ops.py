"""The shared timer over the websocket: ops ``timer.start``, ``timer.pause``,
``timer.resume``, ``timer.skip``, ``timer.reset`` and ``timer.configure``.

Each op calls one :class:`~.manager.TimerManager` method as the connection's identity and acks
with the timer's new state; every change also reaches the room as a durable ``timer.state``
event on ``session:<id>``. The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from ...models import ConfigureTimer, ConfigureTimerOp, TimerOp
from ...realtime.hub import Connection, RealtimeHub
from .manager import TimerManager


def register_ops(hub: RealtimeHub, timer: TimerManager) -> None:
    """Teach ``hub`` the timer ops, answered by ``timer``."""

    def control(method):
        """An op handler calling ``method(identity, session_id)``."""

        async def handle(conn: Connection, op: TimerOp) -> dict:
            return (await method(conn.identity, op.session_id)).model_dump(mode="json")

        return handle

    async def configure(conn: Connection, op: ConfigureTimerOp) -> dict:
        request = ConfigureTimer(**op.model_dump(exclude_unset=True, exclude={"session_id"}))
        return (await timer.configure_timer(conn.identity, op.session_id, request)).model_dump(
            mode="json"
        )

    hub.register_op("timer.start", control(timer.start_timer), TimerOp)
    hub.register_op("timer.pause", control(timer.pause_timer), TimerOp)
    hub.register_op("timer.resume", control(timer.resume_timer), TimerOp)
    hub.register_op("timer.skip", control(timer.skip_phase), TimerOp)
    hub.register_op("timer.reset", control(timer.reset_timer), TimerOp)
    hub.register_op("timer.configure", configure, ConfigureTimerOp)
