"""``POST /studysession/api/admin/cleanup``: for instructors, or for cron with an API key."""

from __future__ import annotations

import hmac

from jupyter_server.auth.decorator import allow_unauthenticated
from tornado import web

from ...exceptions import NotAuthorized
from ...models import CleanupResult
from ..base import Operation, StudySessionHandler

API_KEY_HEADER = "X-StudySession-Api-Key"


class CleanupHandler(StudySessionHandler):
    """Runs the abandoned-session cleanup now.

    Allowed for instructors, or for a request carrying the key configured in
    ``c.StudySessionApp.admin_api_key`` in the ``X-StudySession-Api-Key`` header (a cron job
    needs no Jupyter login).
    """

    openapi = {
        "post": Operation("Clean up abandoned sessions now (instructors or API key)", CleanupResult)
    }

    def _has_api_key(self) -> bool:
        configured = self.services.admin_api_key
        given = self.request.headers.get(API_KEY_HEADER, "")
        return bool(configured) and hmac.compare_digest(given.encode(), configured.encode())

    def check_xsrf_cookie(self):
        # a custom header cannot be sent cross-site without CORS consent, so the key is enough
        if self._has_api_key():
            return None
        return super().check_xsrf_cookie()

    async def prepare(self):
        if self._has_api_key():
            return
        await super().prepare()

    @allow_unauthenticated
    async def post(self):
        if not self._has_api_key():
            if not self.current_user:
                raise web.HTTPError(403, "Log in, or send the admin API key.")
            if not self.authorizer.is_authorized(
                self, self.current_user, "execute", self.auth_resource
            ):
                raise web.HTTPError(403, "Not authorized to clean up sessions.")
            if not self.actor.is_instructor:
                raise NotAuthorized("Only instructors can run the cleanup.", "not_instructor")
        self.respond(await self.services.sessions.cleanup())


default_handlers = [(r"/studysession/api/admin/cleanup", CleanupHandler)]
