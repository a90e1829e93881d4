"""Models of study sessions, their participants, notifications and the admin API."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from ..orm import ParticipantState, SessionRole, SessionStatus, SessionType
from .base import (
    AwareDatetime,
    DescribeUser,
    Request,
    Response,
    Tag,
    Username,
    kept_when_left_out,
)
from .coverage import DescribeCoverage
from .schedules import Recurrence, Scope

# -- sessions ---------------------------------------------------------------------------


class Tool(str, enum.Enum):
    chat = "chat"
    video = "video"
    whiteboard = "whiteboard"
    notes = "notes"
    timer = "timer"
    screen_share = "screen_share"


class Layout(str, enum.Enum):
    default = "default"
    focus = "focus"
    grid = "grid"


class Theme(str, enum.Enum):
    auto = "auto"
    light = "light"
    dark = "dark"


class TimerControl(str, enum.Enum):
    hosts = "hosts"
    everyone = "everyone"


class Place(Request):
    """A place in the study material: a notebook, and the section and cell reached."""

    notebook_path: str = Field(
        min_length=1, max_length=1024, description="The notebook, relative to the server root."
    )
    section: str | None = Field(None, max_length=200, description="A heading of the notebook.")
    cell: int | str | None = Field(
        None, description="The cell reached: its index (0 to 100000) or its id."
    )

    @model_validator(mode="after")
    def _cell(self) -> Place:
        if isinstance(self.cell, int) and not 0 <= self.cell <= 100_000:
            raise ValueError("cell: an index is 0 to 100000")
        if isinstance(self.cell, str) and not 1 <= len(self.cell) <= 100:
            raise ValueError("cell: an id has 1 to 100 characters")
        return self


class SessionSettings(Request):
    tools: list[Tool] = Field(
        default_factory=lambda: [Tool.chat, Tool.timer, Tool.notes, Tool.whiteboard],
        description="The tools enabled in the room.",
    )
    layout: Layout = Layout.default
    theme: Theme = Theme.auto
    auto_record: bool = False
    timer_control: TimerControl = Field(
        TimerControl.hosts,
        description="Who may control the shared timer: the host and co-hosts, or everyone "
        "who joined.",
    )
    starting_point: Place | None = Field(
        None,
        description="Where the session starts in the material: for a group session, the "
        "group's last place when it was created.",
    )


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=2000)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class CreateSession(Request):
    title: Title
    description: Description = ""
    type: SessionType = SessionType.group
    subject: Subject | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    max_participants: int | None = Field(
        None, ge=2, le=500, description="Default: 2 for solo and one_on_one, 10 for group."
    )
    is_public: bool = False
    scheduled_at: AwareDatetime | None = None
    settings: SessionSettings = Field(default_factory=SessionSettings)
    invite: list[Username] = Field(default_factory=list, max_length=100)
    recurrence: Recurrence | None = Field(
        None,
        description="Make it a series of sessions from scheduled_at on (which it then needs); "
        "occurrences are created as sessions some weeks ahead.",
    )

    @model_validator(mode="after")
    def _default_capacity(self) -> CreateSession:
        if self.max_participants is None:
            self.max_participants = 10 if self.type == SessionType.group else 2
        return self


class UpdateSession(Request):
    """Only the fields given change; ``subject`` and ``scheduled_at`` may be null (none)."""

    title: Title = kept_when_left_out()
    description: Description = kept_when_left_out()
    subject: Subject | None = kept_when_left_out()
    tags: list[Tag] = kept_when_left_out(max_length=10)
    max_participants: int = kept_when_left_out(ge=2, le=500)
    is_public: bool = kept_when_left_out()
    scheduled_at: AwareDatetime | None = kept_when_left_out()
    settings: SessionSettings = kept_when_left_out()
    scope: Scope = Field(
        Scope.this,
        description="For an occurrence of a series: change this one, or this and all "
        "following (the series is split there).",
    )


class ListSessionsQuery(Request):
    status: SessionStatus | None = None
    type: SessionType | None = None
    role: SessionRole | None = None
    cursor: str | None = None
    limit: int = Field(20, ge=1, le=100)


class PageQuery(Request):
    cursor: str | None = None
    limit: int = Field(20, ge=1, le=100)


class DescribeSummary(Response):
    session_id: str
    participant_count: int
    message_count: int
    goals_done: int
    goals_total: int
    duration_minutes: int
    focus_minutes: int = Field(0, description="Minutes the shared timer spent in focus.")
    break_minutes: int = Field(0, description="Minutes the shared timer spent in breaks.")
    ended_by: str
    attendance: dict[str, int] = Field(
        default_factory=dict, description="Minutes present, by username."
    )
    text: str = Field(
        "",
        description="A short summary of the chat and the goals done, written by the "
        "configured summariser when the session ended; empty if it had nothing to say.",
    )
    coverage: DescribeCoverage | None = Field(
        None, description="What the session covered of its study notebook, if it followed one."
    )
    notes_characters: int = Field(
        0, description="Characters in the shared notes when it ended (notes.md has them)."
    )
    whiteboard_shapes: int = Field(
        0, description="Shapes on the whiteboard when it ended (whiteboard.svg draws them)."
    )
    created_at: datetime


class DescribeSession(Response):
    id: str
    title: str
    description: str
    type: SessionType
    subject: str | None
    tags: list[str]
    status: SessionStatus
    max_participants: int
    is_public: bool
    scheduled_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    duration_minutes: int | None
    settings: SessionSettings
    host: DescribeUser
    participant_count: int = Field(description="Participants currently joined.")
    my_role: SessionRole | None = None
    my_state: ParticipantState | None = None
    created_at: datetime
    updated_at: datetime
    summary: DescribeSummary | None = None
    goals_done: int = Field(0, description="Goals of the session ticked as done.")
    goals_total: int = Field(0, description="Goals of the session.")
    series_id: str | None = Field(None, description="The series this is an occurrence of.")
    occurrence_start: datetime | None = Field(
        None, description="The start the series' rule gave this occurrence."
    )
    sequence: int = Field(
        0,
        description="iCalendar SEQUENCE: bumped on each change of time or title, and on "
        "cancellation.",
    )
    group_id: str | None = Field(None, description="The study group, for a group session.")
    join_opens_at: datetime | None = Field(
        None,
        description="When joining opens: some minutes before the start of a scheduled "
        "session (before it, a join is refused with this time as ``opens_at``); null when "
        "the session is not scheduled for a time.",
    )


class ListSessions(Response):
    items: list[DescribeSession]
    next_cursor: str | None = None


class JoinSession(Request):
    invite_token: str | None = Field(None, max_length=200)


class InviteUsers(Request):
    usernames: list[Username] = Field(min_length=1, max_length=100)


class CreateInviteLink(Request):
    expires_in_hours: float = Field(24, gt=0, le=24 * 30)


class DescribeInviteLink(Response):
    id: str
    session_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    token: str | None = Field(None, description="Only returned once, when the link is created.")


class ListInviteLinks(Response):
    items: list[DescribeInviteLink]


class DescribeParticipant(Response):
    user: DescribeUser
    role: SessionRole
    state: ParticipantState
    invited_by: str | None = None
    invited_at: datetime | None = None
    joined_at: datetime | None = None
    left_at: datetime | None = None


class ListParticipants(Response):
    items: list[DescribeParticipant]


class UpdateParticipant(Request):
    role: Literal[SessionRole.co_host, SessionRole.participant] | None = None
    state: Literal[ParticipantState.removed] | None = None


class EndSession(Request):
    last_place: Place | None = Field(
        None,
        description="Where a group session stopped: stored as the group's last place (without "
        "it, the last place set during the session stays).",
    )


class EndSessionResult(Response):
    session: DescribeSession
    summary: DescribeSummary


# -- notifications ----------------------------------------------------------------------


class DescribeNotification(Response):
    id: str
    kind: str
    title: str
    body: str
    data: dict
    created_at: datetime
    read_at: datetime | None = None


class ListNotifications(Response):
    items: list[DescribeNotification]
    unread_count: int
    next_cursor: str | None = None


class MarkNotificationsRead(Request):
    ids: list[str] = Field(default_factory=list, max_length=500)
    all: bool = False


class MarkedRead(Response):
    marked: int


# -- admin ------------------------------------------------------------------------------


class CleanupResult(Response):
    deleted: int = Field(description="Sessions removed: empty, or only invitees who never came.")
    cancelled: int = Field(0, description="Sessions with content that never started.")
    auto_ended: int
    failed: int = 0
    events_pruned: int = Field(0, description="Realtime events older than the retention.")
