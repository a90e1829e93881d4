"""Fixtures of the study-notebook tests: a real notebook on the server, a room studying it,
and the leader's places."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SECTIONS = [("Introduction", 2), ("Eigenvalues", 4), ("Diagonalisation", 8)]
"""The study notebook's headings and how many cells follow each one."""


def write_notebook(path) -> list[dict]:
    """A notebook with ``SECTIONS``: each a heading cell, then code cells. Returns the place
    of every cell as a leader's JupyterLab would send it."""
    cells, places = [], []
    for rank, (heading, count) in enumerate(SECTIONS, start=1):
        cells.append(new_markdown_cell(f"## {heading}", id=f"h{rank}"))
        cells += [new_code_cell(f"x = {rank}.{i}", id=f"c{rank}-{i}") for i in range(count)]
    for index, cell in enumerate(cells):
        rank = int(cell["id"].split("-")[0].strip("hc"))
        places.append(
            {
                "notebook_path": "algebra/lesson.ipynb",
                "cell_id": cell["id"],
                "cell_index": index,
                "section": SECTIONS[rank - 1][0],
                "section_index": rank,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)
    return places


@pytest.fixture
def jp_server_config(ss_server_config):
    # the lead passes on quickly when the leader's tab goes; places are written at the end
    ss_server_config["StudySessionApp"].update(
        follow_leader_grace_seconds=0.3, follow_record_seconds=60
    )
    return ss_server_config


@pytest.fixture
def places(jp_root_dir) -> list[dict]:
    """The places of ``algebra/lesson.ipynb`` (written in the server's root), one per cell."""
    return write_notebook(jp_root_dir / "algebra" / "lesson.ipynb")


@pytest.fixture
def study_room(make_room, ss_fetch, places):
    """``room = await study_room()``: ``make_room``'s active room studying the notebook."""

    async def create(*, start: bool = True) -> str:
        room = await make_room(start=start)
        body = {"path": "algebra/lesson.ipynb"}
        reply = await ss_fetch("alice", f"sessions/{room}/notebook", method="PUT", body=body)
        assert reply.status == 200, reply.body
        return room

    return create


@pytest.fixture
def follow_tab(ss_ws):
    """``ws = await follow_tab("carol", room)``: a tab subscribed to the room's channels
    (``session:<id>``, which makes them present, and ``follow:<id>``)."""

    async def open_tab(user: str, room: str):
        ws = await ss_ws(user)
        for channel in (f"session:{room}", f"follow:{room}"):
            ack = await ws.op("subscribe", channel=channel)
            assert ack["ok"], ack
        return ws

    return open_tab


async def _lead(ws, room: str) -> int:
    ack = await ws.op("nav.lead", session_id=room)
    assert ack["ok"], ack
    return ack["data"]["epoch"]


@pytest.fixture
def lead():
    """``epoch = await lead(ws, room)``: take the lead from that tab (asserted)."""
    return _lead
