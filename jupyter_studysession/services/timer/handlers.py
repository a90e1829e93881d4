"""REST handlers for a session's shared timer: read, configure, and one route per action."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import ConfigureTimer, DescribeTimer
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler

CONTROLLERS = "host, co-hosts, or everyone joined with timer_control 'everyone'"


class TimerHandler(StudySessionHandler):
    openapi = {
        "get": Operation("The shared timer as of now (participants, staff)", DescribeTimer),
        "patch": Operation(
            f"Set durations (minutes) and cycles ({CONTROLLERS})",
            DescribeTimer,
            body=ConfigureTimer,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.timer.get_timer(self.actor, session_id))

    @web.authenticated
    @authorized
    async def patch(self, session_id):
        request = self.parse_body(ConfigureTimer)
        self.respond(await self.services.timer.configure_timer(self.actor, session_id, request))


class TimerActionHandler(StudySessionHandler):
    """``POST .../timer/<action>``: each subclass names the manager method it calls."""

    method: str

    @web.authenticated
    @authorized
    async def post(self, session_id):
        action = getattr(self.services.timer, self.method)
        self.respond(await action(self.actor, session_id))


class TimerStartHandler(TimerActionHandler):
    method = "start_timer"
    openapi = {
        "post": Operation(
            f"Start the first focus period; active session ({CONTROLLERS})", DescribeTimer
        )
    }


class TimerPauseHandler(TimerActionHandler):
    method = "pause_timer"
    openapi = {"post": Operation(f"Pause the running timer ({CONTROLLERS})", DescribeTimer)}


class TimerResumeHandler(TimerActionHandler):
    method = "resume_timer"
    openapi = {"post": Operation(f"Resume a paused timer ({CONTROLLERS})", DescribeTimer)}


class TimerSkipHandler(TimerActionHandler):
    method = "skip_phase"
    openapi = {
        "post": Operation(
            f"End the current phase and begin the next ({CONTROLLERS})", DescribeTimer
        )
    }


class TimerResetHandler(TimerActionHandler):
    method = "reset_timer"
    openapi = {
        "post": Operation(f"Back to idle; time spent stays counted ({CONTROLLERS})", DescribeTimer)
    }


_timer = r"/studysession/api/sessions/(?P<session_id>[^/]+)/timer"

default_handlers = [
    (_timer, TimerHandler),
    (_timer + "/start", TimerStartHandler),
    (_timer + "/pause", TimerPauseHandler),
    (_timer + "/resume", TimerResumeHandler),
    (_timer + "/skip", TimerSkipHandler),
    (_timer + "/reset", TimerResetHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
