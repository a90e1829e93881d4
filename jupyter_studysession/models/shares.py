"""Where a session's study notebook lives: its host's own server (JupyterHub shares)."""

from __future__ import annotations

from .base import Response


class DescribeStudyServer(Response):
    """The host's server that holds the session's study notebook, and whether you may open it.

    ``url`` is the server's path on the hub (``/user/<host>/``); ``sharing`` says whether the
    study service shares it with participants (JupyterHub 5+, ``c.HubShares.enabled``),
    ``shared`` whether you may open it now (you host the session, or the service shared it
    with you), and ``message`` says why not when sharing is off."""

    owner: str
    server_name: str
    url: str
    sharing: bool
    shared: bool
    message: str
