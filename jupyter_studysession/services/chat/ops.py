"""Chat over the websocket: ops ``chat.send``, ``chat.edit``, ``chat.delete`` and ``typing``,
in a session room (``session_id``) or a study group (``group_id``).

Each op calls one :class:`~.manager.ChatManager` method as the connection's identity (the
server's, never a name from the client) and acks with a plain dict; domain errors become error
acks in the hub. The protocol is described in ``docs/realtime.md``.
"""

from __future__ import annotations

from ...models import (
    CreateMessage,
    DeleteMessageOp,
    EditMessageOp,
    SendMessageOp,
    TypingOp,
    UpdateMessage,
)
from ...realtime.hub import Connection, RealtimeHub
from .manager import ChatManager


def register_ops(hub: RealtimeHub, chat: ChatManager) -> None:
    """Teach ``hub`` the chat ops, answered by ``chat``."""

    async def send(conn: Connection, op: SendMessageOp) -> dict:
        request = CreateMessage(text=op.text)
        if op.group_id is not None:
            message = await chat.send_group_message(
                conn.identity, op.group_id, request, op.idempotency_key
            )
        else:
            message = await chat.send_message(
                conn.identity, op.session_id, request, op.idempotency_key
            )
        return message.model_dump(mode="json")

    async def edit(conn: Connection, op: EditMessageOp) -> dict:
        message = await chat.edit_message(conn.identity, op.message_id, UpdateMessage(text=op.text))
        return message.model_dump(mode="json")

    async def delete(conn: Connection, op: DeleteMessageOp) -> dict:
        message = await chat.delete_message(conn.identity, op.message_id)
        return message.model_dump(mode="json")

    async def typing(conn: Connection, op: TypingOp) -> dict:
        return {
            "broadcast": await chat.signal_typing(
                conn.identity, op.session_id, group_id=op.group_id
            )
        }

    hub.register_op("chat.send", send, SendMessageOp)
    hub.register_op("chat.edit", edit, EditMessageOp)
    hub.register_op("chat.delete", delete, DeleteMessageOp)
    hub.register_op("typing", typing, TypingOp)
