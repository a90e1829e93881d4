"""JupyterLab's layout and settings per person (``lab_state_per_user``), on a real JupyterLab
server: what one user saves, another never sees."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient

from jupyter_studysession.labstate import user_folder
from jupyter_studysession.pytest_plugin import token_for

THEMES = "@jupyterlab/apputils-extension:themes"


@pytest.fixture
def lab(ss_server_process, ss_sqlite_url, jp_asyncio_loop):
    """``jupyter lab`` as the demo runs it: ``lab_state_per_user`` on."""
    server = ss_server_process("lab", ss_sqlite_url, app="jupyterlab")
    jp_asyncio_loop.run_until_complete(server.wait_ready())
    return server


async def lab_api(lab, user: str, path: str, method: str = "GET", body=None):
    """JupyterLab's own REST API (``/lab/api/<path>``) as ``user``: (status, decoded body)."""
    reply = await AsyncHTTPClient().fetch(
        f"{lab.url}/lab/api/{path}",
        method=method,
        body=None if body is None else json.dumps(body),
        headers={"Authorization": f"token {token_for(user)}"},
        raise_error=False,
    )
    return reply.code, json.loads(reply.body) if reply.body else None


def workspace(tabs: list[str]) -> dict:
    return {
        "data": {"layout-restorer:data": {"main": {"dock": {"widgets": tabs}}}},
        "metadata": {"id": "default"},
    }


async def test_each_user_gets_their_own_layout_and_theme_on_a_shared_server(lab):
    room = "studysession-room:alices-session"
    assert (await lab_api(lab, "alice", "workspaces/default", "PUT", workspace([room])))[0] == 204
    dark = {"raw": json.dumps({"theme": "JupyterLab Dark"})}
    assert (await lab_api(lab, "alice", f"settings/{THEMES}", "PUT", dark))[0] == 204

    # alice finds her layout and theme again
    status, mine = await lab_api(lab, "alice", "workspaces/default")
    assert status == 200
    assert mine["data"]["layout-restorer:data"]["main"]["dock"]["widgets"] == [room]
    status, theme = await lab_api(lab, "alice", f"settings/{THEMES}")
    assert status == 200 and theme["settings"]["theme"] == "JupyterLab Dark"

    # bob starts from JupyterLab's defaults: none of alice's tabs, the default theme
    status, theirs = await lab_api(lab, "bob", "workspaces/default")
    assert status == 200 and theirs["data"] == {}
    status, listing = await lab_api(lab, "bob", "workspaces")
    assert status == 200 and listing["workspaces"]["ids"] == []
    status, bobs_theme = await lab_api(lab, "bob", f"settings/{THEMES}")
    assert status == 200 and "theme" not in bobs_theme["raw"]

    # each user's state is in a folder of their own (JUPYTER_CONFIG_DIR is the server's folder)
    alices = Path(lab.log_path.parent, "lab", "workspaces", user_folder("alice"))
    assert [p.name for p in await asyncio.to_thread(alices.iterdir)] == [
        "default-37a8.jupyterlab-workspace"
    ]

    # and nobody gets in without logging in
    assert (await lab_api(lab, "nobody", "workspaces/default"))[0] == 403


def test_user_folders_are_one_to_one_and_stay_inside_the_folder():
    names = ["alice", "Alice", "a.b", "a%2Eb", "..", "a/b", "ünï", "~root"]
    folders = [user_folder(n) for n in names]
    assert len(set(folders)) == len(names)
    for folder in folders:
        prefix, name = folder.split("/")
        assert prefix == "users" and name not in ("", ".", "..")
        assert "\\" not in name
