"""The demo's study notebook: the places of its demo session are cells of the notebook that
``scripts/run`` serves, and the session's coverage is in its members' History."""

from __future__ import annotations

from pathlib import Path

import nbformat

from jupyter_studysession.demo import DEMO_NOTEBOOK, DEMO_WALK, create_demo_data, person
from jupyter_studysession.models import PageQuery

NOTEBOOK = Path(__file__).parent.parent / "scripts" / DEMO_NOTEBOOK


def test_the_demo_walk_goes_through_cells_of_the_demo_notebook():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    for _minutes, cell_id, index, section, _rank in DEMO_WALK:
        assert cells[index].id == cell_id
        assert f"## {section}" in cells[index].source or any(
            f"## {section}" in c.source for c in cells[:index]
        )


async def test_the_demo_history_shows_what_the_group_covered(ss_services):
    await create_demo_data(ss_services)
    history = await ss_services.sessions.session_history(person("bob"), PageQuery())
    studied = [s for s in history.items if s.summary and s.summary.coverage]
    assert [s.title for s in studied] == ["Problem set 5, together"]
    assert studied[0].summary.coverage.text == (
        "Covered: §2 Eigenvalues (cell 2) → §5 Problem set 5 (cell 14)"
    )
