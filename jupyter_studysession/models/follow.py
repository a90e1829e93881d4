"""Models of a session's study notebook: where it is, who leads, the leader's place, coverage."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from .base import DescribeUser, Request, Response, Username
from .sessions import Place, Title

NotebookPath = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)
]


class NotebookLocation(Request):
    """Where a notebook is: a path on a Jupyter server.

    ``server`` is null for the Jupyter server this extension runs in (the only one for now);
    following across the servers of a JupyterHub names the user's server here."""

    path: NotebookPath = Field(description="The notebook, relative to the server's root.")
    server: str | None = Field(
        None, max_length=255, description="The server it lives on; null: this Jupyter server."
    )


class DescribeStudyNotebook(Response):
    path: str
    server: str | None = None
    exists: bool = Field(description="Whether the file is there now (it may be deleted).")
    set_by: str | None = None
    set_at: datetime | None = None


class NotebookPlace(Request):
    """Where someone is in a notebook: the active cell (by id, with its index as a fallback),
    the heading it sits under, and where the cell is on their screen."""

    notebook_path: NotebookPath
    cell_id: str | None = Field(None, min_length=1, max_length=100, description="The cell's id.")
    cell_index: int = Field(ge=0, le=100_000, description="The cell's index, from 0.")
    section: str | None = Field(
        None, max_length=200, description="The text of the heading the cell sits under."
    )
    section_index: int | None = Field(
        None, ge=1, le=10_000, description="Which heading of the notebook that is, from 1."
    )
    offset: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="Where the cell's top is in the leader's view, as a fraction of the "
        "view's height from its top (followers scroll to the same spot).",
    )

    def to_place(self) -> Place:
        """As a group's last place (notebook, heading, cell id)."""
        return Place(
            notebook_path=self.notebook_path,
            section=self.section,
            cell=self.cell_id if self.cell_id is not None else self.cell_index,
        )


class FollowState(str, enum.Enum):
    following = "following"
    paused = "paused"
    elsewhere = "elsewhere"


class DescribeFollowStatus(Response):
    user: DescribeUser
    state: FollowState


class DescribeFollow(Response):
    """``GET /sessions/<id>/follow``: the study notebook, the leader and their place."""

    session_id: str
    notebook: DescribeStudyNotebook | None = None
    leader: DescribeUser | None = None
    epoch: int = Field(0, description="Bumped whenever the lead changes hands.")
    place: NotebookPlace | None = Field(
        None, description="The leader's last recorded place (joined participants only)."
    )
    place_at: datetime | None = None
    starting_point: Place | None = None
    statuses: list[DescribeFollowStatus] = Field(
        default_factory=list, description="Who follows, paused or is elsewhere (this server)."
    )
    can_lead: bool = Field(False, description="Whether the caller may take the lead now.")


class DescribeVisit(Response):
    """A session a visitor of its host's server may follow there (``visitors/<name>/sessions``)."""

    session_id: str
    title: str
    host: str
    notebook_path: str | None = None


class ListVisits(Response):
    items: list[DescribeVisit]


# -- websocket ops ---------------------------------------------------------------------------


class FollowOp(Request):
    session_id: str = Field(min_length=1, max_length=64)


class PlaceOp(FollowOp, NotebookPlace):
    """``nav.place``: the leader's place; ``epoch`` is the lead they hold."""

    epoch: int = Field(ge=1)


class HandLeadOp(FollowOp):
    to: Username


class FollowStatusOp(FollowOp):
    state: FollowState


class StartNotebookSession(Request):
    """``POST /notebook-sessions``: "Study this notebook together"."""

    notebook_path: NotebookPath
    title: Title | None = Field(None, description="Default: the notebook's name.")
    invite: list[Username] = Field(default_factory=list, max_length=100)
    group_id: str | None = Field(
        None, max_length=32, description="A study group: its members are invited instead."
    )
