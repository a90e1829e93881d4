"""Request and response models (pydantic v2), named by verb: ``Create*``, ``Update*``,
``Describe*``, ``List*``. Timestamps are timezone-aware UTC, ISO 8601 on the wire."""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from .identity import CourseRole
from .orm import ParticipantState, SessionRole, SessionStatus, SessionType, TimerPhase


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-01-31T14:00:00Z")
    return value.astimezone(timezone.utc)


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class Request(BaseModel):
    """Requests reject unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- people -----------------------------------------------------------------------------


class DescribeUser(Response):
    username: str
    display_name: str
    initials: str | None = None
    color: str | None = None
    avatar_url: str | None = None


class DescribeMe(DescribeUser):
    course_role: CourseRole


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


class SessionSettings(Request):
    tools: list[Tool] = Field(
        default_factory=lambda: [Tool.chat, Tool.timer, Tool.notes],
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

    @model_validator(mode="after")
    def _default_capacity(self) -> CreateSession:
        if self.max_participants is None:
            self.max_participants = 10 if self.type == SessionType.group else 2
        return self


class UpdateSession(Request):
    title: Title | None = None
    description: Description | None = None
    subject: Subject | None = None
    tags: list[Tag] | None = Field(None, max_length=10)
    max_participants: int | None = Field(None, ge=2, le=500)
    is_public: bool | None = None
    scheduled_at: AwareDatetime | None = None
    settings: SessionSettings | None = None


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
    deleted: int
    auto_ended: int
    failed: int = 0
    events_pruned: int = Field(0, description="Realtime events older than the retention.")


# -- chat -------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain more than whitespace")
    return value


MessageText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=4000),
    AfterValidator(_not_blank),
    Field(description="Markdown, stored exactly as sent; clients render it safely."),
]
ResourceId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CreateMessage(Request):
    text: MessageText


class UpdateMessage(Request):
    text: MessageText


class ListMessagesQuery(Request):
    before: ResourceId | None = Field(
        None, description="A message id (``next_before`` of the previous page): older ones."
    )
    limit: int = Field(50, ge=1, le=100)


class DescribeMessage(Response):
    id: str
    session_id: str
    sender: DescribeUser
    text: str = Field(description="Empty once the message is deleted (a tombstone).")
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


class ListMessages(Response):
    items: list[DescribeMessage] = Field(description="Oldest first within the page.")
    next_before: str | None = Field(
        None, description="Pass as ``before`` for the page of older messages; null at the start."
    )


class SendMessageOp(Request):
    """Websocket op ``chat.send``."""

    session_id: ResourceId
    text: MessageText


class EditMessageOp(Request):
    """Websocket op ``chat.edit``."""

    message_id: ResourceId
    text: MessageText


class DeleteMessageOp(Request):
    """Websocket op ``chat.delete``."""

    message_id: ResourceId


class TypingOp(Request):
    """Websocket op ``typing``."""

    session_id: ResourceId


# -- goals ------------------------------------------------------------------------------

GoalTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _not_null(value):
    if value is None:
        raise ValueError("may not be null; leave the field out to keep it")
    return value


class CreateGoal(Request):
    title: GoalTitle
    description: Description = ""


class UpdateGoal(Request):
    """Only the fields given change; ``position`` moves the goal (0 is the first)."""

    title: GoalTitle | None = None
    description: Description | None = None
    done: bool | None = None
    position: int | None = Field(None, ge=0)

    @field_validator("title", "description", "done", "position", mode="before")
    @classmethod
    def _given_means_a_value(cls, value):
        return _not_null(value)


class ReorderGoals(Request):
    goal_ids: list[ResourceId] = Field(
        max_length=100, description="Every goal of the session, once each, in the new order."
    )


class DescribeGoal(Response):
    id: str
    session_id: str
    title: str
    description: str
    done: bool
    position: int
    created_by: str
    created_at: datetime
    done_at: datetime | None = None


class ListGoals(Response):
    items: list[DescribeGoal] = Field(description="In order (by position).")
    done: int
    total: int


class CreateGoalOp(CreateGoal):
    """Websocket op ``goal.create``."""

    session_id: ResourceId


class UpdateGoalOp(UpdateGoal):
    """Websocket op ``goal.update``."""

    goal_id: ResourceId


class DeleteGoalOp(Request):
    """Websocket op ``goal.delete``."""

    goal_id: ResourceId


class ReorderGoalsOp(ReorderGoals):
    """Websocket op ``goal.reorder``."""

    session_id: ResourceId


# -- timer ------------------------------------------------------------------------------


class ConfigureTimer(Request):
    """Durations in minutes; only the fields given change. A change applies from the next
    phase (when idle: at once)."""

    focus_minutes: int | None = Field(None, ge=1, le=180)
    short_break_minutes: int | None = Field(None, ge=1, le=60)
    long_break_minutes: int | None = Field(None, ge=1, le=90)
    cycles: int | None = Field(None, ge=1, le=12, description="Focus periods before a long break.")

    @field_validator(
        "focus_minutes", "short_break_minutes", "long_break_minutes", "cycles", mode="before"
    )
    @classmethod
    def _given_means_a_value(cls, value):
        return _not_null(value)


class DescribeTimer(Response):
    """The shared timer as of ``server_time``. While it runs, the phase ends at
    ``phase_ends_at``: clients show ``phase_ends_at - now``, with ``now`` corrected by their
    offset from ``server_time``, so everyone sees the same time."""

    session_id: str
    phase: TimerPhase
    cycle: int = Field(description="The focus period we are in or after (1..cycles).")
    cycles: int
    running: bool
    remaining_seconds: float = Field(description="Left in the phase, as of server_time.")
    phase_ends_at: datetime | None = Field(description="Null when paused or idle.")
    server_time: datetime
    focus_minutes: int
    short_break_minutes: int
    long_break_minutes: int
    focus_seconds: float = Field(description="Time spent in focus so far (pauses excluded).")
    break_seconds: float = Field(description="Time spent in breaks so far (pauses excluded).")
    version: int = Field(description="Grows with every change; the highest is the newest.")
    updated_by: str | None = None


class TimerOp(Request):
    """Websocket ops ``timer.start``, ``timer.pause``, ``timer.resume``, ``timer.skip`` and
    ``timer.reset``."""

    session_id: ResourceId


class ConfigureTimerOp(ConfigureTimer):
    """Websocket op ``timer.configure``."""

    session_id: ResourceId


# -- presence ---------------------------------------------------------------------------


class PresenceStatus(str, enum.Enum):
    online = "online"
    away = "away"
    busy = "busy"
    dnd = "dnd"
    offline = "offline"


class ManualStatus(str, enum.Enum):
    """A status chosen by hand; it holds while the user is connected, until cleared."""

    online = "online"
    away = "away"
    busy = "busy"
    dnd = "dnd"


ActivityText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


class DescribePresence(Response):
    user: DescribeUser
    status: PresenceStatus
    activity: str | None = Field(None, description='e.g. "in session Linear algebra"')
    last_seen: datetime | None = Field(
        None, description="The latest heartbeat while online; when they left otherwise."
    )


class ListPresence(Response):
    items: list[DescribePresence]


class ListPresenceQuery(Request):
    session: str | None = Field(None, description="A session id: the presence of its members.")
    users: str | None = Field(
        None, description="Comma-separated usernames (at most 200).", max_length=20_000
    )

    @model_validator(mode="after")
    def _one_of(self):
        if (self.session is None) == (self.users is None):
            raise ValueError("give exactly one of session or users")
        if self.users is not None:
            names = self.usernames()
            if not names or len(names) > 200:
                raise ValueError("users: give 1 to 200 comma-separated usernames")
        return self

    def usernames(self) -> list[str]:
        return list(dict.fromkeys(n.strip() for n in (self.users or "").split(",") if n.strip()))


def _unchanged_when_left_out(schema: dict) -> None:
    schema.pop("default", None)  # left out means unchanged; null is not a value


class UpdatePresencePreferences(Request):
    """Fields left out stay as they are."""

    status: ManualStatus | None = Field(
        None, description="A manual status; null goes back to automatic (online/away)."
    )
    appear_offline: bool = Field(
        None,
        description="Others see you offline, with no activity.",
        json_schema_extra=_unchanged_when_left_out,
    )
    hide_activity: bool = Field(
        None,
        description="Others see no activity line.",
        json_schema_extra=_unchanged_when_left_out,
    )


class SetPresence(UpdatePresencePreferences):
    """The websocket op ``presence.set``: preferences, plus the activity line."""

    activity: ActivityText | None = Field(
        None, description="Your activity line; null goes back to the automatic one."
    )


class Heartbeat(Request):
    """The websocket op ``heartbeat``, due every 15 seconds from each tab."""

    idle: bool = Field(False, description="The user has not touched this tab for a while.")


class DescribePresencePreferences(Response):
    status: ManualStatus | None = None
    appear_offline: bool = False
    hide_activity: bool = False
    presence: DescribePresence = Field(description="You, as you see yourself now.")
