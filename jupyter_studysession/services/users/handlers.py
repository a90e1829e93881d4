"""``GET /studysession/api/me``: who the server says you are, and your course role."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import DescribeMe
from ..base import Operation, StudySessionHandler


class MeHandler(StudySessionHandler):
    openapi = {"get": Operation("The current user and their course role", DescribeMe)}

    @web.authenticated
    @authorized
    async def get(self):
        self.respond(await self.services.users.describe_me(self.actor))


default_handlers = [(r"/studysession/api/me", MeHandler)]
