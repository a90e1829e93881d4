"""Who is asking, and what they may do at course level.

The user always comes from the Jupyter server's identity provider (``handler.current_user``);
a username sent by a client is never trusted. Course roles come from a configurable
:class:`RoleProvider`.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from dataclasses import dataclass

from traitlets import Float, Int, Set, Unicode
from traitlets.config import LoggingConfigurable

from .exceptions import NotAuthorized
from .hub.api import HubAPI, HubAPIError


class CourseRole(str, enum.Enum):
    instructor = "instructor"
    ta = "ta"
    student = "student"


@dataclass(frozen=True)
class Identity:
    """The parts of a Jupyter ``User`` this package uses, plus the course role."""

    username: str
    display_name: str
    initials: str | None = None
    color: str | None = None
    avatar_url: str | None = None
    course_role: CourseRole = CourseRole.student

    @property
    def is_staff(self) -> bool:
        return self.course_role in (CourseRole.instructor, CourseRole.ta)

    @property
    def is_instructor(self) -> bool:
        return self.course_role is CourseRole.instructor


SYSTEM = Identity(username="system", display_name="System", course_role=CourseRole.instructor)
"""The actor of automatic changes (cleanup). It never comes from a request."""


class RoleProvider(LoggingConfigurable):
    """Decides a user's course role. Subclass it and set ``c.StudySessionApp.role_provider_class``.

    ``user`` is the ``jupyter_server.auth.User`` of the request (on JupyterHub, a
    ``JupyterHubUser`` whose ``hub_user`` model carries the hub's user model). It is asked
    once per request and once per websocket connection.
    """

    async def course_role(self, user) -> CourseRole:
        raise NotImplementedError


class ConfigRoleProvider(RoleProvider):
    """Roles from configuration: ``c.StudySessionApp.instructors`` and ``c.StudySessionApp.tas``
    (sets of usernames). Everyone else is a student."""

    async def course_role(self, user) -> CourseRole:
        return self.role_by_name(user.username)

    def role_by_name(self, username: str) -> CourseRole:
        if username in self.parent.instructors:
            return CourseRole.instructor
        if username in self.parent.tas:
            return CourseRole.ta
        return CourseRole.student


class HubGroupsRoleProvider(ConfigRoleProvider):
    """Roles from JupyterHub groups, for the course's study service run as a hub service.

    Asks the hub for the user's groups with the service's own token (scope
    ``read:users:groups``), and remembers the answer for ``cache_seconds``: a change of group
    membership on the hub counts on the service within that time, without a restart. The
    configured usernames of :class:`ConfigRoleProvider` still apply. When the hub cannot be
    asked, the user counts as a student for that request (and the hub is asked again next
    time).
    """

    instructor_groups = Set(
        Unicode(),
        default_value={"instructors"},
        config=True,
        help="JupyterHub groups whose members are instructors.",
    )
    ta_groups = Set(
        Unicode(),
        default_value={"tas"},
        config=True,
        help="JupyterHub groups whose members are teaching assistants.",
    )
    cache_seconds = Float(
        60,
        min=0,
        config=True,
        help="""How long a user's groups are remembered. A change of membership on the hub
        takes effect within this time (websockets keep the role they connected with).""",
    )
    cache_size = Int(
        10_000, min=1, config=True, help="How many users' groups are remembered at most."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hub = HubAPI(parent=self)
        self._cache: OrderedDict[str, tuple[float, frozenset[str]]] = OrderedDict()

    async def course_role(self, user) -> CourseRole:
        by_name = self.role_by_name(user.username)
        groups = await self.groups(user.username)
        if by_name is CourseRole.instructor or groups & self.instructor_groups:
            return CourseRole.instructor
        if by_name is CourseRole.ta or groups & self.ta_groups:
            return CourseRole.ta
        return CourseRole.student

    async def groups(self, username: str) -> frozenset[str]:
        now = time.monotonic()
        cached = self._cache.get(username)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(username)
            return cached[1]
        try:
            groups = frozenset(await self.hub.user_groups(username))
        except HubAPIError as err:
            self.log.warning("Study sessions: cannot read %s's hub groups: %s", username, err)
            return frozenset()
        self._cache[username] = (now + self.cache_seconds, groups)
        self._cache.move_to_end(username)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return groups


async def identity_for(user, role_provider: RoleProvider) -> Identity:
    """The :class:`Identity` of a Jupyter ``User`` (``handler.current_user``)."""
    return Identity(
        username=user.username,
        display_name=user.display_name or user.name or user.username,
        initials=user.initials,
        color=user.color,
        avatar_url=user.avatar_url,
        course_role=await role_provider.course_role(user),
    )


async def authorize_user_channel(identity: Identity, username: str) -> None:
    """``user:<name>`` (notifications and personal events) is for that user only."""
    if identity.username != username:
        raise NotAuthorized("This is another user's channel.", "forbidden")
