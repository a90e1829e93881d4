"""REST handlers for presence: who is online, and your own presence preferences."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import (
    DescribePresencePreferences,
    ListPresence,
    ListPresenceQuery,
    UpdatePresencePreferences,
)
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class PresenceHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "Presence of a session's members (?session=, members and staff), a group's "
            "members (?group=, members) or of named users (?users=a,b)",
            ListPresence,
            query=ListPresenceQuery,
        )
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(ListPresenceQuery)
        self.respond(await self.services.presence.list_presence(self.actor, query))


class MyPresenceHandler(StudySessionHandler):
    openapi = {
        "get": Operation("Your presence and its preferences", DescribePresencePreferences),
        "put": Operation(
            "Set a manual status and privacy preferences (fields left out stay as they are)",
            DescribePresencePreferences,
            body=UpdatePresencePreferences,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self):
        self.respond(await self.services.presence.get_preferences(self.actor))

    @web.authenticated
    @authorized
    async def put(self):
        request = self.parse_body(UpdatePresencePreferences)
        self.respond(await self.services.presence.update_preferences(self.actor, request))


default_handlers = [
    (r"/studysession/api/presence", PresenceHandler),
    (r"/studysession/api/presence/me", MyPresenceHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
