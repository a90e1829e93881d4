"""Video and voice signalling over the websocket: the ``rtc.*`` ops.

Each op calls one :class:`~.manager.MediaManager` method as the connection's identity. Answers
are acks to the one connection; the server's later offers and notices go to that connection
only (see the manager). The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from ...models import (
    AnswerOp,
    CallMemberOp,
    CandidateOp,
    JoinCallOp,
    RtcSessionOp,
    SetCallStateOp,
)
from ...realtime.hub import Connection, RealtimeHub
from .manager import MediaManager


def register_ops(hub: RealtimeHub, media: MediaManager) -> None:
    """Teach ``hub`` the ``rtc.*`` ops, answered by ``media``; a closed tab leaves its call."""

    async def join(conn: Connection, op: JoinCallOp) -> dict:
        state = op.model_dump(include={"audio", "video", "receive_video"})
        return await media.join_call(conn, op.session_id, state)

    async def answer(conn: Connection, op: AnswerOp) -> None:
        await media.answer(conn, op.session_id, op.sdp)

    async def candidate(conn: Connection, op: CandidateOp) -> None:
        await media.candidate(conn, op.session_id, op.candidate, op.sdp_mid)

    async def state(conn: Connection, op: SetCallStateOp) -> dict:
        changes = op.model_dump(exclude={"session_id"}, exclude_none=True)
        return await media.set_state(conn, op.session_id, changes)

    async def leave(conn: Connection, op: RtcSessionOp) -> None:
        await media.leave_call(conn, op.session_id)

    async def mute(conn: Connection, op: CallMemberOp) -> None:
        await media.ask_to_mute(conn, op.session_id, op.username)

    async def stop_share(conn: Connection, op: CallMemberOp) -> None:
        await media.stop_share(conn, op.session_id, op.username)

    async def record_start(conn: Connection, op: RtcSessionOp) -> dict:
        recording = await media.start_recording(conn.identity, op.session_id)
        return recording.model_dump(mode="json")

    async def record_stop(conn: Connection, op: RtcSessionOp) -> dict:
        recording = await media.stop_recording(conn.identity, op.session_id)
        return recording.model_dump(mode="json")

    hub.register_op("rtc.join", join, JoinCallOp)
    hub.register_op("rtc.answer", answer, AnswerOp)
    hub.register_op("rtc.candidate", candidate, CandidateOp)
    hub.register_op("rtc.state", state, SetCallStateOp)
    hub.register_op("rtc.leave", leave, RtcSessionOp)
    hub.register_op("rtc.mute", mute, CallMemberOp)
    hub.register_op("rtc.stop_share", stop_share, CallMemberOp)
    hub.register_op("rtc.record_start", record_start, RtcSessionOp)
    hub.register_op("rtc.record_stop", record_stop, RtcSessionOp)
    hub.on_disconnect.append(media.disconnected)
