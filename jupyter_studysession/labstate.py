"""JupyterLab's state per person on a server several people use.

JupyterLab keeps its layout (the workspace: open tabs, sidebars) and its settings (theme,
notifications, ...) in one folder for the whole server. That is right for one person's
JupyterLab; on a study server shared by a class, everyone would get everyone else's open tabs
and theme. With ``c.StudySessionApp.lab_state_per_user = True``, each authenticated user reads
and writes their own subfolder of JupyterLab's workspaces and user-settings folders, under the
same URLs (``/lab/api/workspaces``, ``/lab/api/settings``, ``/lab/api/translations``):

    <workspaces_dir>/users/<username>/default-37a8.jupyterlab-workspace
    <user_settings_dir>/users/<username>/@jupyterlab/apputils-extension/themes.jupyterlab-settings

Settings that the administrator sets for everyone (``overrides.json``) still apply. On
JupyterHub, where each user has a server of their own, this is not needed.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from tornado.routing import Rule, RuleRouter


def user_folder(username: str) -> str:
    """``users/<name>``, where ``<name>`` stands for ``username`` one to one and is safe on
    every file system: everything but letters, digits, ``-`` and ``_`` is percent-encoded
    (``.`` too, so that no name is ``..``)."""
    return "users/" + urllib.parse.quote(username, safe="").replace(".", "%2E").replace("~", "%7E")


class UserWorkspacesMixin:
    """For JupyterLab's ``WorkspacesHandler``: the current user's own workspaces."""

    async def prepare(self):
        await super().prepare()
        if self.current_user is not None:
            shared = self.manager.workspaces_dir
            self.manager = type(self.manager)(str(shared / user_folder(self.current_user.username)))


class UserSettingsMixin:
    """For JupyterLab's settings and translations handlers: the current user's own
    user-settings folder (the admin's ``overrides.json`` still applies)."""

    async def prepare(self):
        await super().prepare()
        if self.current_user is not None:
            shared = Path(self.settings_dir)
            self.settings_dir = str(shared / user_folder(self.current_user.username))


def _rules(router: RuleRouter) -> Iterator[Rule]:
    for rule in router.rules:
        yield rule
        if isinstance(rule.target, RuleRouter):
            yield from _rules(rule.target)


def separate_lab_state(web_app) -> int:
    """Make JupyterLab's workspaces, settings and translations handlers of ``web_app`` per
    user (see the module's docstring). Returns how many routes changed (0 when JupyterLab is
    not installed). Call it once every extension has added its handlers."""
    try:
        from jupyterlab_server.settings_utils import SchemaHandler
        from jupyterlab_server.workspaces_handler import WorkspacesHandler
    except ImportError:
        return 0
    mixins = [(WorkspacesHandler, UserWorkspacesMixin), (SchemaHandler, UserSettingsMixin)]
    classes: dict[type, type] = {}
    changed = 0
    for rule in _rules(web_app.default_router):
        target = rule.target
        if not isinstance(target, type) or target in classes.values():
            continue
        for base, mixin in mixins:
            if issubclass(target, base):
                if target not in classes:
                    classes[target] = type(f"User{target.__name__}", (mixin, target), {})
                rule.target = classes[target]
                if hasattr(rule, "handler_class"):
                    rule.handler_class = rule.target
                changed += 1
                break
    return changed
