"""Following over the websocket: the channel ``follow:<id>`` and the ops ``nav.lead``,
``nav.hand``, ``nav.release``, ``nav.place`` and ``nav.status``.

``follow:<id>`` is open to the session's joined participants only (not to those who left,
nor to staff who did not join): they are the ones who receive the leader's places. Every op
calls one :class:`~.manager.FollowManager` (or, for places, :class:`~.relay.PlaceRelay`)
method as the connection's identity. The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from functools import partial

from ...exceptions import NotAuthorized
from ...identity import Identity
from ...models import DescribeUser, FollowOp, FollowStatusOp, HandLeadOp, PlaceOp
from ...realtime.hub import Connection, RealtimeHub
from ...store import Store
from ..sessions.access import is_joined, room_session
from .manager import FollowManager
from .relay import follow_channel


async def authorize_follow_channel(store: Store, identity: Identity, session_id: str) -> None:
    """``follow:<id>``: participants joined now."""
    async with store.read() as db:
        _, member = await room_session(db, session_id, identity, purpose="follow it")
    if not is_joined(member):
        raise NotAuthorized("Join the session to follow it.", "not_joined")


def register_ops(hub: RealtimeHub, follow: FollowManager, store: Store) -> None:
    """Teach ``hub`` the follow channel and ops, answered by ``follow``."""

    def described(result) -> dict:
        return result.model_dump(mode="json")

    async def lead(conn: Connection, op: FollowOp) -> dict:
        return described(await follow.take_lead(conn.identity, op.session_id))

    async def hand(conn: Connection, op: HandLeadOp) -> dict:
        return described(await follow.hand_lead(conn.identity, op.session_id, op.to))

    async def release(conn: Connection, op: FollowOp) -> dict:
        return described(await follow.release_lead(conn.identity, op.session_id))

    async def place(conn: Connection, op: PlaceOp) -> dict:
        return await follow.relay.relay_place(conn.identity, op)

    async def status(conn: Connection, op: FollowStatusOp) -> dict:
        channel = follow_channel(op.session_id)
        if channel not in conn.subscriptions:
            raise NotAuthorized(f"Subscribe to {channel} first.", "not_subscribed")
        await follow.relay.set_status(op.session_id, conn.id, _user(conn.identity), op.state)
        return {"state": op.state.value}

    async def unsubscribed(conn: Connection, channel: str) -> None:
        kind, _, session_id = channel.partition(":")
        if kind != "follow":
            return
        await follow.relay.set_status(session_id, conn.id, _user(conn.identity), None)
        username = conn.identity.username

        async def still_here() -> bool:
            return any(c.identity.username == username for c in hub.subscribers(channel))

        await follow.tab_left(session_id, username, still_here)

    hub.register_channel("follow", partial(authorize_follow_channel, store))
    hub.register_op("nav.lead", lead, FollowOp)
    hub.register_op("nav.hand", hand, HandLeadOp)
    hub.register_op("nav.release", release, FollowOp)
    hub.register_op("nav.place", place, PlaceOp)
    hub.register_op("nav.status", status, FollowStatusOp)
    hub.on_unsubscribe.append(unsubscribed)


def _user(identity: Identity) -> DescribeUser:
    return DescribeUser(
        username=identity.username,
        display_name=identity.display_name,
        initials=identity.initials,
        color=identity.color,
        avatar_url=identity.avatar_url,
    )
