"""REST handlers for the current user's stored notifications."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import ListNotifications, MarkedRead, MarkNotificationsRead, PageQuery
from ..base import Operation, StudySessionHandler


class NotificationsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("My notifications, unread first", ListNotifications, query=PageQuery)
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(PageQuery)
        self.respond(await self.services.notifications.list_notifications(self.actor, query))


class NotificationsReadHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Mark notifications read (some ids, or all)", MarkedRead, body=MarkNotificationsRead
        )
    }

    @web.authenticated
    @authorized
    async def post(self):
        request = self.parse_body(MarkNotificationsRead)
        self.respond(await self.services.notifications.mark_read(self.actor, request))


default_handlers = [
    (r"/studysession/api/notifications", NotificationsHandler),
    (r"/studysession/api/notifications/read", NotificationsReadHandler),
]
