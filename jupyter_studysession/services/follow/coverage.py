"""What a session covered of its study notebook, from the places its leader reached.

The leader's places are recorded while the session is active (``place_records``). A place
lasts until the next one, and the last until the session ended. From them:

- ``first``: where the session started; ``furthest``: the cell with the highest index
  reached; ``ending``: where it stopped (a group's next session starts there);
- ``sections``: each heading visited, in the order first visited, with the time spent under
  it and the first and furthest cell reached there;
- ``text``: ``Covered: §2 Eigenvalues (cell 3) → §3 Diagonalisation (cell 12)`` (cells are
  numbered from 1 in the notebook, sections by their heading's rank in the notebook).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ...models import CoveredPlace, CoveredSection, DescribeCoverage, Place


@dataclass(frozen=True)
class Visit:
    """One recorded place, as plain data."""

    at: datetime
    notebook_path: str
    cell_index: int
    cell_id: str | None = None
    section: str | None = None
    section_index: int | None = None

    def place(self) -> CoveredPlace:
        return CoveredPlace(
            cell_id=self.cell_id,
            cell_index=self.cell_index,
            section=self.section,
            section_index=self.section_index,
        )


def describe_place(place: CoveredPlace) -> str:
    """``§2 Eigenvalues (cell 3)``, or ``cell 3`` outside any heading."""
    cell = f"cell {place.cell_index + 1}"
    if place.section is None and place.section_index is None:
        return cell
    rank = f"§{place.section_index}" if place.section_index is not None else "§"
    heading = f"{rank} {place.section}" if place.section else rank
    return f"{heading} ({cell})"


def compute_coverage(visits: Sequence[Visit], ended_at: datetime) -> DescribeCoverage | None:
    """The coverage of the visits (in time order) of one notebook; None without any.

    Visits of other notebooks (the study notebook changed during the session) count for the
    notebook the session ended in."""
    if not visits:
        return None
    path = visits[-1].notebook_path
    mine = [v for v in visits if v.notebook_path == path]
    sections: dict[tuple, dict] = {}
    for visit, after in zip(mine, [*mine[1:], None], strict=True):
        until = after.at if after is not None else ended_at
        key = (visit.section_index, visit.section)
        entry = sections.setdefault(
            key,
            {"seconds": 0.0, "first_cell": visit.cell_index, "furthest_cell": visit.cell_index},
        )
        entry["seconds"] += max(0.0, (until - visit.at).total_seconds())
        entry["furthest_cell"] = max(entry["furthest_cell"], visit.cell_index)
    first = mine[0].place()
    furthest = max(mine, key=lambda v: v.cell_index).place()
    span = describe_place(first)
    if furthest.cell_index != first.cell_index:
        span += f" → {describe_place(furthest)}"
    return DescribeCoverage(
        notebook_path=path,
        first=first,
        furthest=furthest,
        ending=mine[-1].place(),
        sections=[
            CoveredSection(section=section, section_index=index, **entry)
            for (index, section), entry in sections.items()
        ],
        text=f"Covered: {span}",
    )


def ending_place(coverage: DescribeCoverage) -> Place:
    """Where the session stopped, as a group's last place."""
    end = coverage.ending
    return Place(
        notebook_path=coverage.notebook_path,
        section=end.section,
        cell=end.cell_id if end.cell_id is not None else end.cell_index,
    )
