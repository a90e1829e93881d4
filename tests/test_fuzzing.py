"""Schemathesis over the whole OpenAPI description, against a real server process, as a
student, a TA and an instructor, on SQLite and on PostgreSQL: zero 5xx, no response that
breaks the description, and nothing the description forbids accepted.

The seed is fixed and the budget bounded, so a run is reproducible and takes a few minutes;
a failure prints schemathesis's report, with a ``curl`` line that reproduces it. Real ids (a
session, a group, office hours) are handed to the generator for most path parameters, so
the requests reach the rules behind the 404s."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from jupyter_studysession.pytest_plugin import token_for

pytestmark = pytest.mark.timeout(900)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
ROLES = {
    # the student's run explores most: boundary values of every field, then random data
    "alice": ["--phases", "coverage,fuzzing,stateful", "--max-examples", "3"],
    "tina": ["--phases", "fuzzing", "--max-examples", "4"],
    "prof": ["--phases", "fuzzing", "--max-examples", "4"],
}


def config(path: Path, ids: dict[str, str]) -> Path:
    """A schemathesis.toml that gives the generator the real ids most of the time."""
    lines = []
    for name, value in ids.items():
        lines += [f"[dictionaries.{name}]", f'values = ["{value}"]']
    lines.append("[parameters]")
    for name in ids:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


async def seed(server) -> dict[str, str]:
    status, session = await server.fetch(
        "alice", "sessions", "POST", {"title": "Fuzzed", "invite": ["bob", "tina", "prof"]}
    )
    assert status == 201, session
    status, group = await server.fetch("alice", "groups", "POST", {"name": "Fuzzed"})
    assert status == 201, group
    status, officehours = await server.fetch("prof", "officehours", "POST", {"title": "Fuzzed"})
    assert status == 201, officehours
    return {
        "session_id": session["id"],
        "group_id": group["id"],
        "officehours_id": officehours["id"],
    }


async def test_the_api_should_survive_schemathesis_as_every_role(
    ss_server_process, ss_db_url, tmp_path
):
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists():
        pytest.skip("schemathesis is not installed (pip install jupyter-studysession[test])")
    server = ss_server_process("fuzzed", ss_db_url)
    await server.wait_ready()
    settings = config(tmp_path / "schemathesis.toml", await seed(server))
    for user, budget in ROLES.items():
        run = await asyncio.create_subprocess_exec(
            *[
                str(cli),
                "--config-file",
                str(settings),
                "run",
                f"{server.url}/studysession/api/openapi.json",
                "--header",
                f"Authorization: token {token_for(user)}",
                "--checks",
                CHECKS,
                "--seed",
                "1",
                "--workers",
                "1",
                "--generation-database",
                "none",
                # websockets, not HTTP operations: their protocols have tests of their own
                "--exclude-path",
                "/studysession/api/ws",
                "--exclude-path",
                "/studysession/api/sessions/{session_id}/docs/{name}",
                "--exclude-path",
                "/studysession/api/visitors/{visitor}/ws",
                "--no-color",
                *budget,
            ],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        report = (await asyncio.wait_for(run.communicate(), 600))[0].decode()
        assert run.returncode == 0, f"as {user}:\n{report[-20000:]}"
