"""Who is asking, and what they may do at course level.

The user always comes from the Jupyter server's identity provider (``handler.current_user``);
a username sent by a client is never trusted. Course roles come from a configurable
:class:`RoleProvider`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from traitlets import Set, Unicode
from traitlets.config import LoggingConfigurable

from .exceptions import NotAuthorized


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
    ``JupyterHubUser`` whose ``hub_user`` model carries groups and scopes).
    """

    def course_role(self, user) -> CourseRole:
        raise NotImplementedError


class ConfigRoleProvider(RoleProvider):
    """Roles from configuration: ``c.StudySessionApp.instructors`` and ``c.StudySessionApp.tas``
    (sets of usernames). Everyone else is a student."""

    def course_role(self, user) -> CourseRole:
        if user.username in self.parent.instructors:
            return CourseRole.instructor
        if user.username in self.parent.tas:
            return CourseRole.ta
        return CourseRole.student


class HubGroupsRoleProvider(RoleProvider):
    """Roles from JupyterHub groups, for a study server run as a hub service.

    Reads the ``groups`` of the hub user model (the server needs the ``read:users:groups``
    scope); the configured usernames of :class:`ConfigRoleProvider` still apply.
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

    def course_role(self, user) -> CourseRole:
        groups = set((getattr(user, "hub_user", None) or {}).get("groups") or ())
        by_name = ConfigRoleProvider(parent=self.parent).course_role(user)
        if by_name is CourseRole.instructor or groups & self.instructor_groups:
            return CourseRole.instructor
        if by_name is CourseRole.ta or groups & self.ta_groups:
            return CourseRole.ta
        return CourseRole.student


def identity_of(user, role_provider: RoleProvider) -> Identity:
    """The :class:`Identity` of a Jupyter ``User`` (``handler.current_user``)."""
    return Identity(
        username=user.username,
        display_name=user.display_name or user.name or user.username,
        initials=user.initials,
        color=user.color,
        avatar_url=user.avatar_url,
        course_role=role_provider.course_role(user),
    )


async def authorize_user_channel(identity: Identity, username: str) -> None:
    """``user:<name>`` (notifications and personal events) is for that user only."""
    if identity.username != username:
        raise NotAuthorized("This is another user's channel.", "forbidden")
