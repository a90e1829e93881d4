"""Models of presence: status, activity, privacy."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from .base import DescribeUser, Request, Response, kept_when_left_out

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
    group: str | None = Field(None, description="A group id: the presence of its members.")
    users: str | None = Field(
        None, description="Comma-separated usernames (at most 200).", max_length=20_000
    )

    @model_validator(mode="after")
    def _one_of(self):
        if sum(x is not None for x in (self.session, self.group, self.users)) != 1:
            raise ValueError("give exactly one of session, group or users")
        if self.users is not None:
            names = self.usernames()
            if not names or len(names) > 200:
                raise ValueError("users: give 1 to 200 comma-separated usernames")
        return self

    def usernames(self) -> list[str]:
        return list(dict.fromkeys(n.strip() for n in (self.users or "").split(",") if n.strip()))


class UpdatePresencePreferences(Request):
    """Fields left out stay as they are."""

    status: ManualStatus | None = Field(
        None, description="A manual status; null goes back to automatic (online/away)."
    )
    appear_offline: bool = kept_when_left_out(
        description="Others see you offline, with no activity."
    )
    hide_activity: bool = kept_when_left_out(description="Others see no activity line.")


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
