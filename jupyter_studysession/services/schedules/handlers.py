"""REST handlers for calendar export: the per-user feed, its token, a session's ``.ics``."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.utils import url_path_join
from tornado import web

from ...models import DescribeCalendarToken, RevokedCalendarToken
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler

CALENDAR_TYPE = "text/calendar"
FEED_PATH = "studysession/api/calendar.ics"


class CalendarHandlerMixin:
    def respond_calendar(self, body: bytes, filename: str) -> None:
        self.set_header("Content-Disposition", f'inline; filename="{filename}"')
        self.set_header("Cache-Control", "private, no-store")
        self.finish(body, set_content_type=f"{CALENDAR_TYPE}; charset=utf-8")


class CalendarFeedHandler(CalendarHandlerMixin, StudySessionHandler):
    """A user's sessions as an iCalendar feed, for calendar programs.

    Authenticated by the feed token in ``?token=`` only, like the admin cleanup accepts its API
    key: a calendar program has no Jupyter login. The verb is ``@allow_unauthenticated`` so the
    server lets the request in; the manager then refuses it (403) unless the token matches a
    stored digest. A Jupyter login that comes along is ignored: the token alone decides whose
    feed it is. The server's request log redacts ``token`` query parameters.
    """

    openapi = {
        "get": Operation(
            "My sessions as an iCalendar feed (authenticated by ?token= only)",
            content_type=CALENDAR_TYPE,
        )
    }

    @allow_unauthenticated
    async def get(self):
        token = self.get_query_argument("token", "")
        body = await self.services.calendar.user_feed(token)
        self.respond_calendar(body, "studysession.ics")


class CalendarTokenHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Create or rotate my calendar feed token (returned once, with the feed URL)",
            DescribeCalendarToken,
            status=201,
        ),
        "delete": Operation("Revoke my calendar feed token", RevokedCalendarToken),
    }

    @web.authenticated
    @authorized
    async def post(self):
        created = await self.services.calendar.create_feed_token(self.actor)
        path = url_path_join(self.base_url, FEED_PATH)
        url = f"{self.request.protocol}://{self.request.host}{path}?token={created.token}"
        self.respond(created.model_copy(update={"url": url}), 201)

    @web.authenticated
    @authorized
    async def delete(self):
        self.respond(await self.services.calendar.revoke_feed_token(self.actor))


class SessionCalendarHandler(CalendarHandlerMixin, StudySessionHandler):
    openapi = {"get": Operation("A session as an .ics file", content_type=CALENDAR_TYPE)}

    @web.authenticated
    @authorized
    async def get(self, session_id):
        body = await self.services.calendar.session_calendar(self.actor, session_id)
        self.respond_calendar(body, f"session-{session_id}.ics")


default_handlers = [
    (r"/studysession/api/calendar\.ics", CalendarFeedHandler),
    (r"/studysession/api/calendar/token", CalendarTokenHandler),
    (r"/studysession/api/sessions/(?P<session_id>[^/]+)/calendar\.ics", SessionCalendarHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
