"""``GET /studysession/api/me``: who the server says you are, and your course role;
``GET /studysession/api/users/suggestions``: people you have studied with, to invite."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import DescribeMe, ListUserSuggestions, SuggestUsersQuery
from ..base import Operation, StudySessionHandler


class MeHandler(StudySessionHandler):
    openapi = {"get": Operation("The current user and their course role", DescribeMe)}

    @web.authenticated
    @authorized
    async def get(self):
        self.respond(await self.services.users.describe_me(self.actor))


class UserSuggestionsHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "People you have studied with (sessions and groups), matching ?q=, to invite",
            ListUserSuggestions,
            query=SuggestUsersQuery,
        )
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(SuggestUsersQuery)
        self.respond(await self.services.users.suggest_people(self.actor, query))


default_handlers = [
    (r"/studysession/api/me", MeHandler),
    (r"/studysession/api/users/suggestions", UserSuggestionsHandler),
]
