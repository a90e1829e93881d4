"""Sharing needs JupyterHub 5.0: on an older hub, or outside a hub, it stays off and says why.

An older hub cannot be installed beside JupyterHub 6 in one environment, so the old hub here
is a small Tornado server answering the one call ``start()`` makes, ``GET /hub/api/``, as
JupyterHub 4.1 does."""

from __future__ import annotations

import socket

from tornado import web
from tornado.httpserver import HTTPServer

from jupyter_studysession.clock import FrozenClock
from jupyter_studysession.hub.api import HubAPI
from jupyter_studysession.services.shares.manager import ShareManager


class OldHubRoot(web.RequestHandler):
    def get(self):
        self.write({"version": "4.1.6"})


async def test_sharing_stays_off_on_a_hub_older_than_5_and_says_why():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = HTTPServer(web.Application([(r"/hub/api/", OldHubRoot)]))
    server.listen(port, "127.0.0.1")
    try:
        hub = HubAPI(api_url=f"http://127.0.0.1:{port}/hub/api", api_token="service-token")
        shares = ShareManager(None, FrozenClock(), hub, wanted=True)
        state = await shares.start()
    finally:
        server.stop()
    assert not state.enabled
    assert state.message == (
        "Sharing the host's server needs JupyterHub 5.0 or later; this hub is 4.1.6. "
        "Participants open the study notebook on their own servers."
    )


async def test_sharing_stays_off_outside_a_hub_and_says_why():
    shares = ShareManager(None, FrozenClock(), HubAPI(api_url="", api_token=""), wanted=True)
    state = await shares.start()
    assert not state.enabled
    assert "needs the study service to run as a JupyterHub service" in state.message
