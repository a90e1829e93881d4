"""Models of what happens inside a session room: chat, goals and the shared timer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from ..idempotency import IdempotencyKey
from ..orm import TimerPhase
from .base import DescribeUser, Request, Response, kept_when_left_out
from .sessions import (
    Description,
)

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
    session_id: str | None = Field(None, description="The session room, for session chat.")
    group_id: str | None = Field(None, description="The study group, for group chat.")
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


class _Conversation(Request):
    """Exactly one of ``session_id`` (a session room) and ``group_id`` (a study group)."""

    session_id: ResourceId | None = None
    group_id: ResourceId | None = None

    @model_validator(mode="after")
    def _one_conversation(self):
        if (self.session_id is None) == (self.group_id is None):
            raise ValueError("give exactly one of session_id and group_id")
        return self


class SendMessageOp(_Conversation):
    """Websocket op ``chat.send``: to a session room or a study group."""

    text: MessageText
    idempotency_key: IdempotencyKey | None = None


class EditMessageOp(Request):
    """Websocket op ``chat.edit``."""

    message_id: ResourceId
    text: MessageText


class DeleteMessageOp(Request):
    """Websocket op ``chat.delete``."""

    message_id: ResourceId


class TypingOp(_Conversation):
    """Websocket op ``typing``: in a session room or a study group."""


# -- goals ------------------------------------------------------------------------------

GoalTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CreateGoal(Request):
    title: GoalTitle
    description: Description = ""


class UpdateGoal(Request):
    """Only the fields given change; ``position`` moves the goal (0 is the first)."""

    title: GoalTitle = kept_when_left_out()
    description: Description = kept_when_left_out()
    done: bool = kept_when_left_out()
    position: int = kept_when_left_out(ge=0, le=10_000)


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
    idempotency_key: IdempotencyKey | None = None


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

    focus_minutes: int = kept_when_left_out(ge=1, le=180)
    short_break_minutes: int = kept_when_left_out(ge=1, le=60)
    long_break_minutes: int = kept_when_left_out(ge=1, le=90)
    cycles: int = kept_when_left_out(ge=1, le=12, description="Focus periods before a long break.")


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
