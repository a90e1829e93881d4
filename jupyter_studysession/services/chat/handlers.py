"""REST handlers for chat in sessions and study groups: history, send, edit and delete."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import (
    CreateMessage,
    DescribeMessage,
    ListMessages,
    ListMessagesQuery,
    UpdateMessage,
)
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class MessagesHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "A page of the chat history, newest page first, oldest first within the page "
            "(participants and staff)",
            ListMessages,
            query=ListMessagesQuery,
        ),
        "post": Operation(
            "Send a chat message (joined participants)",
            DescribeMessage,
            body=CreateMessage,
            status=201,
            idempotent=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        query = self.parse_query(ListMessagesQuery)
        self.respond(await self.services.chat.list_messages(self.actor, session_id, query))

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request, key = self.parse_body(CreateMessage), self.idempotency_key()
        self.respond(
            await self.services.chat.send_message(self.actor, session_id, request, key), 201
        )


class MessageHandler(StudySessionHandler):
    openapi = {
        "patch": Operation("Edit your own chat message", DescribeMessage, body=UpdateMessage),
        "delete": Operation(
            "Delete a chat message (its author, the host or a co-host); returns the tombstone",
            DescribeMessage,
        ),
    }

    @web.authenticated
    @authorized
    async def patch(self, session_id, message_id):
        request = self.parse_body(UpdateMessage)
        self.respond(
            await self.services.chat.edit_message(self.actor, message_id, request, session_id)
        )

    @web.authenticated
    @authorized
    async def delete(self, session_id, message_id):
        self.respond(await self.services.chat.delete_message(self.actor, message_id, session_id))


class GroupMessagesHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "A page of the group's chat history, newest page first, oldest first within the "
            "page (members)",
            ListMessages,
            query=ListMessagesQuery,
        ),
        "post": Operation(
            "Send a message to the group (members)",
            DescribeMessage,
            body=CreateMessage,
            status=201,
            idempotent=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, group_id):
        query = self.parse_query(ListMessagesQuery)
        self.respond(await self.services.chat.list_group_messages(self.actor, group_id, query))

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request, key = self.parse_body(CreateMessage), self.idempotency_key()
        self.respond(
            await self.services.chat.send_group_message(self.actor, group_id, request, key), 201
        )


class GroupMessageHandler(StudySessionHandler):
    openapi = {
        "patch": Operation("Edit your own group message", DescribeMessage, body=UpdateMessage),
        "delete": Operation(
            "Delete a group message (its author or an admin); returns the tombstone",
            DescribeMessage,
        ),
    }

    @web.authenticated
    @authorized
    async def patch(self, group_id, message_id):
        request = self.parse_body(UpdateMessage)
        self.respond(
            await self.services.chat.edit_message(
                self.actor, message_id, request, group_id=group_id
            )
        )

    @web.authenticated
    @authorized
    async def delete(self, group_id, message_id):
        self.respond(
            await self.services.chat.delete_message(self.actor, message_id, group_id=group_id)
        )


_messages = r"/studysession/api/sessions/(?P<session_id>[^/]+)/messages"
_group_messages = r"/studysession/api/groups/(?P<group_id>[^/]+)/messages"

default_handlers = [
    (_messages, MessagesHandler),
    (_messages + r"/(?P<message_id>[^/]+)", MessageHandler),
    (_group_messages, GroupMessagesHandler),
    (_group_messages + r"/(?P<message_id>[^/]+)", GroupMessageHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
