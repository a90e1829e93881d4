"""Where study notebooks live, and checking that a path names one.

A session's study notebook is a path on a Jupyter server. Here that server is the one this
extension runs in, and its contents manager (the same one JupyterLab's file browser uses)
decides whether the path exists and is a notebook, so its rules apply: no escaping the root
directory, no hidden files unless the server allows them. The managers see a
:class:`NotebookLocator`, never the contents manager, so they stay free of tornado.
"""

from __future__ import annotations

import posixpath
from typing import Any, Protocol

from jupyter_core.utils import ensure_async

from ...exceptions import InvalidInput, NotFound


def normalise_path(path: str) -> str:
    """``path`` relative to the server's root, in the contents API's form (``/`` separators,
    no leading ``/``); 400 ``invalid_path`` if it leaves the root."""
    if "\\" in path or "\x00" in path:
        raise InvalidInput(f"{path!r} is not a notebook path.", "invalid_path")
    parts = path.strip().strip("/").split("/")
    if any(part in ("..", "~") for part in parts):
        raise InvalidInput(f"{path!r} leaves the server's root directory.", "invalid_path")
    normal = posixpath.normpath("/".join(parts))
    if normal in ("", "."):
        raise InvalidInput("A notebook path is needed.", "invalid_path")
    return normal


class NotebookLocator(Protocol):
    """The notebooks of one Jupyter server, as the study-notebook rules need them."""

    async def check(self, path: str) -> str:
        """The normalised path if it names a notebook; else 400 ``invalid_path``, 404
        ``notebook_not_found`` or 400 ``not_a_notebook``."""

    async def exists(self, path: str) -> bool:
        """Whether the notebook is (still) there."""


class ContentsNotebooks:
    """Notebooks of the Jupyter server, through its contents manager."""

    def __init__(self, contents_manager: Any):
        self.contents = contents_manager

    async def check(self, path: str) -> str:
        path = normalise_path(path)
        try:
            model = await ensure_async(self.contents.get(path, content=False))
        except Exception as err:  # tornado's HTTPError (404, or 400/403 outside the root)
            if getattr(err, "status_code", None) is None:
                raise
            raise NotFound(
                f"There is no notebook {path!r} on this server.", "notebook_not_found"
            ) from err
        if model.get("type") != "notebook":
            raise InvalidInput(f"{path!r} is not a notebook (.ipynb).", "not_a_notebook")
        return path

    async def exists(self, path: str) -> bool:
        try:
            await self.check(path)
        except (InvalidInput, NotFound):
            return False
        return True


class UncheckedNotebooks:
    """Without a Jupyter server (the CLI, manager tests): paths are normalised, not checked."""

    async def check(self, path: str) -> str:
        return normalise_path(path)

    async def exists(self, path: str) -> bool:
        return True
