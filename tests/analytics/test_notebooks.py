"""Every notebook in ``notebooks/`` runs (nbclient, a real kernel) against the demo course, and
its key numbers equal the ground truth the demo planted.

The demo course is ``jupyter studysession demo-data --students 200 --weeks 6 --seed 1``, made
once for this module (it takes a few minutes); ``STUDYSESSION_NOTEBOOK_DEMO=20x1`` makes a
smaller one for a quicker local run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parent.parent.parent / "notebooks"
DEMO_SIZE = os.environ.get("STUDYSESSION_NOTEBOOK_DEMO", "200x6")

pytestmark = pytest.mark.timeout(1800)

ATTENDANCE_REPORT = """json.dumps({
    "attendance": json.loads(
        attendance[["session_id", "username", "state", "ended_at", "minutes_present"]]
        .to_json(orient="records", date_format="iso")
    ),
    "completed": len(durations),
    "auto_ended": int(abandoned["auto_ended"].sum()),
})"""
SESSION_REPORT = """json.dumps({
    "attendance": dict(zip(attendance.username, attendance.minutes_present)),
    "state": dict(zip(attendance.username, attendance.state)),
    "summary": summary[
        ["messages", "goals_total", "goals_done", "focus_minutes", "participants"]
    ].astype(float).to_dict(),
})"""


@pytest.fixture(scope="module")
def demo_course(tmp_path_factory) -> dict:
    """The demo course's database URL and ground truth."""
    students, weeks = DEMO_SIZE.split("x")
    folder = tmp_path_factory.mktemp("demo-course")
    db_url = f"sqlite:///{folder / 'course.sqlite'}"
    truth = folder / "truth.json"
    command = [
        *(sys.executable, "-m", "jupyter_studysession.cli", "demo-data"),
        *("--students", students, "--weeks", weeks, "--seed", "1"),
        *("--db-url", db_url, "--ground-truth", str(truth)),
    ]
    subprocess.run(command, check=True, timeout=1500, capture_output=True)
    return {"db_url": db_url, "truth": json.loads(truth.read_text())}


def run_notebook(name: str, tmp_path: Path, parameters: dict, report: str) -> dict:
    """Execute ``notebooks/<name>`` with ``parameters`` injected after its "parameters" cell
    (as papermill does), then a last cell that prints ``report`` (an expression giving a
    JSON string); returns what it printed, decoded."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    injected = nbformat.v4.new_code_cell(
        "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
    )
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(index + 1, injected)
    notebook.cells.append(nbformat.v4.new_code_cell(f"import json\nprint({report})"))
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    for cell in notebook.cells:  # every plot was drawn
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    output = notebook.cells[-1].outputs[0]["text"]
    return {"report": json.loads(output), "images": len(images)}


def test_attendance_notebook_gives_the_planted_minutes(demo_course, tmp_path):
    result = run_notebook(
        "attendance.ipynb",
        tmp_path,
        {"db_url": demo_course["db_url"]},
        ATTENDANCE_REPORT,
    )
    assert result["images"] >= 2
    counts = demo_course["truth"]["counts"]
    assert result["report"]["completed"] == counts["sessions_completed"]
    assert result["report"]["auto_ended"] == counts["sessions_auto_ended"]
    attendance = pd.DataFrame(result["report"]["attendance"])
    truth = pd.DataFrame(demo_course["truth"]["attendance"])
    # the planted rows: every user who joined a completed session, the host included
    joined = attendance[attendance["ended_at"].notna() & (attendance["state"] != "invited")]
    merged = joined.merge(truth, on=["session_id", "username"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert len(merged) == counts["attendance_rows"]
    pd.testing.assert_series_equal(
        merged["minutes_present"], merged["minutes"], check_names=False, atol=1e-9, rtol=0
    )


def test_office_hours_notebook_gives_the_planted_waits(demo_course, tmp_path):
    truth = demo_course["truth"]
    result = run_notebook(
        "office_hours.ipynb",
        tmp_path,
        {"db_url": demo_course["db_url"], "tz": truth["timezone"]},
        'waits[["entry_id", "wait_minutes", "no_show", "outcome"]].to_json(orient="records")',
    )
    assert result["images"] >= 2
    waits = pd.DataFrame(result["report"]).set_index("entry_id").sort_index()
    planted = pd.DataFrame(truth["queue_waits"]).set_index("entry_id").sort_index()
    assert waits.index.tolist() == planted.index.tolist()
    pd.testing.assert_series_equal(
        waits["wait_minutes"], planted["wait_minutes"].astype(float), atol=1e-9, rtol=0
    )
    assert waits["no_show"].tolist() == planted["no_show"].tolist()
    counts = truth["counts"]
    assert int(waits["no_show"].sum()) == counts["queue_no_shows"]
    assert int((waits["outcome"] == "helped").sum()) == counts["queue_helped"]


def test_session_report_notebook_gives_the_planted_session(demo_course, tmp_path):
    truth = demo_course["truth"]
    two_tabs = truth["scenarios"]["two_tabs"][0]["session_id"]  # a session with everything
    result = run_notebook(
        "session_report.ipynb",
        tmp_path,
        {"db_url": demo_course["db_url"], "session_id": two_tabs},
        SESSION_REPORT,
    )
    assert result["images"] >= 1
    report = result["report"]
    planted = {
        row["username"]: row["minutes"]
        for row in truth["attendance"]
        if row["session_id"] == two_tabs
    }
    joined = {u: m for u, m in report["attendance"].items() if report["state"][u] != "invited"}
    assert joined == pytest.approx(planted, abs=1e-9)
    session = next(s for s in truth["sessions"] if s["session_id"] == two_tabs)
    summary = report["summary"]
    assert (summary["goals_total"], summary["goals_done"]) == (
        session["goals"],
        session["goals_done"],
    )
    assert summary["focus_minutes"] == pytest.approx(session["focus_minutes"])
    assert summary["participants"] == sum(1 for m in planted.values() if m > 0)
