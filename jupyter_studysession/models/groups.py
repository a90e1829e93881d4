"""Models of study groups: the group, its members, invite links, last place and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from ..orm import GroupMemberState, GroupRole
from .base import DescribeUser, Request, Response, Username, kept_when_left_out
from .sessions import CreateSession, Description, Place, SessionSettings, Subject, Title

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CreateGroup(Request):
    name: GroupName
    description: Description = ""
    subject: Subject | None = None
    is_public: bool = Field(
        False,
        description="Anyone may find and join a public group; a private one is joined "
        "by invitation or invite link.",
    )
    max_members: int = Field(20, ge=2, le=500)
    invite: list[Username] = Field(default_factory=list, max_length=100)


class UpdateGroup(Request):
    """Only the fields given change; ``subject`` may be null (none)."""

    name: GroupName = kept_when_left_out()
    description: Description = kept_when_left_out()
    subject: Subject | None = kept_when_left_out()
    is_public: bool = kept_when_left_out()
    max_members: int = kept_when_left_out(ge=2, le=500)


class DescribeLastPlace(Response):
    notebook_path: str
    section: str | None = None
    cell: int | str | None = None
    set_by: str | None = None
    set_at: datetime | None = None
    session_id: str | None = Field(None, description="The group session it was reached in.")


class DescribeGroup(Response):
    id: str
    name: str
    description: str
    subject: str | None
    is_public: bool
    max_members: int
    member_count: int = Field(description="Members who joined.")
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_place: DescribeLastPlace | None = Field(
        None, description="Where the group got to; the starting point of its next session."
    )
    active_session_id: str | None = Field(None, description="The group's active session.")
    my_role: GroupRole | None = None
    my_state: GroupMemberState | None = None


class ListGroups(Response):
    items: list[DescribeGroup]
    next_cursor: str | None = None


class ListGroupsQuery(Request):
    cursor: str | None = None
    limit: int = Field(20, ge=1, le=100)


class JoinGroup(Request):
    invite_token: str | None = Field(None, max_length=200)


class DescribeGroupMember(Response):
    user: DescribeUser
    role: GroupRole
    state: GroupMemberState
    invited_by: str | None = None
    invited_at: datetime | None = None
    joined_at: datetime | None = None


class ListGroupMembers(Response):
    items: list[DescribeGroupMember]


class UpdateGroupMember(Request):
    role: GroupRole


class DescribeGroupInviteLink(Response):
    id: str
    group_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    token: str | None = Field(None, description="Only returned once, when the link is created.")


class ListGroupInviteLinks(Response):
    items: list[DescribeGroupInviteLink]


class SetLastPlace(Place):
    """``PUT /groups/{id}/last-place``: where the group got to."""


class CreateGroupSession(CreateSession):
    """A scheduled session of the group: the session fields; every member is invited.
    ``max_participants`` defaults to the group's ``max_members``."""

    @model_validator(mode="after")
    def _default_capacity(self) -> CreateGroupSession:  # replaces the sessions' default
        return self


class StartGroupSession(Request):
    """``start now``: an active session with the caller as host."""

    title: Title | None = Field(None, description="Default: the group's name.")
    description: Description = ""
    settings: SessionSettings = Field(default_factory=SessionSettings)
