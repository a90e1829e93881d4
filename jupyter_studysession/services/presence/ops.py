"""Presence over the websocket: ops ``heartbeat`` and ``presence.set``, the channels
``presence:session:<id>``, and the hub's subscribe / unsubscribe / disconnect callbacks.

A tab counts for presence from its first heartbeat, subscription or ``presence.set``
(clients send a heartbeat as soon as the socket opens, then every 15 seconds). Subscribing
to ``session:<id>`` is what makes a joined participant present in that session (attendance).
The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from functools import partial

from ...exceptions import NotFound
from ...identity import Identity, authorize_user_channel
from ...models import Heartbeat, SetPresence
from ...realtime.hub import Connection, RealtimeHub
from ...store import Store
from ..groups.access import authorize_group_channel
from ..sessions.access import authorize_session_channel
from .manager import PresenceManager


async def authorize_presence_channel(store: Store, identity: Identity, scope: str) -> None:
    """``presence:session:<id>`` is open to whoever may follow ``session:<id>``;
    ``presence:group:<id>`` to the group's members; ``presence:user:<name>`` (one's own
    presence, unfiltered) to that user."""
    kind, _, ident = scope.partition(":")
    if kind == "session" and ident:
        await authorize_session_channel(store, identity, ident)
    elif kind == "group" and ident:
        await authorize_group_channel(store, identity, ident)
    elif kind == "user" and ident:
        await authorize_user_channel(identity, ident)
    else:
        raise NotFound(f"No channel 'presence:{scope}'.", "unknown_channel")


def register_ops(hub: RealtimeHub, presence: PresenceManager, store: Store) -> None:
    """Teach ``hub`` the presence ops and channels, and let ``presence`` follow its tabs."""

    def tab(conn: Connection) -> str:
        return str(conn.id)

    async def heartbeat(conn: Connection, op: Heartbeat) -> dict:
        await presence.heartbeat(conn.identity, tab(conn), op.idle)
        return {"interval_seconds": presence.heartbeat_seconds}

    async def set_presence(conn: Connection, op: SetPresence) -> dict:
        await presence.connect(conn.identity, tab(conn))
        return (await presence.set_presence(conn.identity, op)).model_dump(mode="json")

    async def subscribed(conn: Connection, channel: str) -> None:
        if conn.closed:
            return
        await presence.connect(conn.identity, tab(conn))
        kind, _, ident = channel.partition(":")
        if kind == "session":
            await presence.enter_session(tab(conn), ident)
        if conn.closed:  # it closed while we were counting it
            await presence.disconnect(tab(conn))

    async def unsubscribed(conn: Connection, channel: str) -> None:
        kind, _, ident = channel.partition(":")
        if kind == "session":
            await presence.exit_session(tab(conn), ident)

    async def disconnected(conn: Connection) -> None:
        await presence.disconnect(tab(conn))

    async def alive(conn: Connection) -> None:
        await presence.alive(tab(conn))

    hub.register_channel("presence", partial(authorize_presence_channel, store))
    hub.register_op("heartbeat", heartbeat, Heartbeat)
    hub.register_op("presence.set", set_presence, SetPresence)
    hub.on_subscribe.append(subscribed)
    hub.on_unsubscribe.append(unsubscribed)
    hub.on_disconnect.append(disconnected)
    hub.on_alive.append(alive)
