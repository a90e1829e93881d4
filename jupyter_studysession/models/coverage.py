"""What a session covered of its study notebook (stored with the session's summary)."""

from __future__ import annotations

from pydantic import Field

from .base import Response


class CoveredPlace(Response):
    cell_id: str | None = None
    cell_index: int
    section: str | None = None
    section_index: int | None = None


class CoveredSection(Response):
    section: str | None
    section_index: int | None
    seconds: float = Field(description="Time the leader spent under this heading.")
    first_cell: int
    furthest_cell: int


class DescribeCoverage(Response):
    """What a session covered of its study notebook, computed from the leader's places."""

    notebook_path: str
    first: CoveredPlace
    furthest: CoveredPlace
    ending: CoveredPlace = Field(description="Where the session stopped.")
    sections: list[CoveredSection] = Field(description="Headings visited, in order of visit.")
    text: str = Field(description='e.g. "Covered: §2 Eigenvalues (cell 3) → §3 (cell 12)".')
