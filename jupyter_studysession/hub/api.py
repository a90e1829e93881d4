"""The few JupyterHub REST calls the study service makes, with its own hub API token."""

from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable


class HubAPIError(Exception):
    """The hub refused a call, or could not be reached (``status`` 0)."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


def parse_version(text: str) -> tuple[int, ...]:
    """``"5.2.1"`` -> ``(5, 2, 1)``; pre-release tails are ignored (``"6.0.0b2"`` -> 6, 0, 0)."""
    parts = []
    for piece in text.split(".")[:3]:
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    return tuple(parts)


class HubAPI(LoggingConfigurable):
    """``GET /hub/api/``, a user's groups, and granting and revoking shares.

    The URL and token default to what JupyterHub gives a managed service
    (``$JUPYTERHUB_API_URL``, ``$JUPYTERHUB_API_TOKEN``). The scopes each call needs are listed
    in ``docs/hub.md``.
    """

    api_url = Unicode(config=True, help="The hub's API URL (default: $JUPYTERHUB_API_URL).")
    api_token = Unicode(
        config=True, help="The study service's hub API token (default: $JUPYTERHUB_API_TOKEN)."
    )
    timeout_seconds = Float(10, config=True, help="How long one call to the hub may take.")

    @default("api_url")
    def _default_api_url(self):
        return os.environ.get("JUPYTERHUB_API_URL", "")

    @default("api_token")
    def _default_api_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    @property
    def configured(self) -> bool:
        return bool(self.api_url and self.api_token)

    async def request(self, method: str, path: str, body: dict | None = None) -> Any:
        """Call ``{api_url}/{path}``; the decoded JSON answer (``None`` when empty)."""
        if not self.configured:
            raise HubAPIError("No JupyterHub API URL and token (not running under a hub).")
        url = self.api_url.rstrip("/") + "/" + path
        request = HTTPRequest(
            url,
            method=method,
            headers={"Authorization": f"token {self.api_token}", "Accept": "application/json"},
            body=None if body is None else json.dumps(body),
            request_timeout=self.timeout_seconds,
            connect_timeout=self.timeout_seconds,
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as err:
            detail = ""
            if err.response is not None and err.response.body:
                try:
                    detail = json.loads(err.response.body).get("message", "")
                except ValueError:
                    detail = ""
            raise HubAPIError(f"{method} {path}: {err.code} {detail}".strip(), err.code) from err
        except OSError as err:
            raise HubAPIError(f"{method} {path}: the hub is unreachable ({err})") from err
        return json.loads(response.body) if response.body else None

    async def version(self) -> str:
        return (await self.request("GET", ""))["version"]

    async def user_groups(self, username: str) -> set[str]:
        """The names of the hub groups ``username`` belongs to (scope ``read:users:groups``)."""
        model = await self.request("GET", f"users/{_quote(username)}")
        return set(model.get("groups") or ())

    async def usernames(self, page: int = 200) -> list[str]:
        """The names of every hub user (scopes ``list:users``, ``read:users:name``)."""
        names: list[str] = []
        while True:
            batch = await self.request("GET", f"users?offset={len(names)}&limit={page}")
            names.extend(user["name"] for user in batch)
            if len(batch) < page:
                return names

    async def grant_share(self, owner: str, server_name: str, username: str) -> None:
        """Let ``username`` access ``owner``'s server (scopes ``shares``, ``read:users:name``)."""
        await self.request(
            "POST", f"shares/{_quote(owner)}/{_quote(server_name)}", {"user": username}
        )

    async def revoke_share(self, owner: str, server_name: str, username: str) -> None:
        """Take the access back (a share that is already gone is fine)."""
        await self.request(
            "PATCH", f"shares/{_quote(owner)}/{_quote(server_name)}", {"user": username}
        )

    async def shared_with(self, owner: str, server_name: str) -> set[str]:
        """The users ``owner``'s server is shared with (scope ``read:shares``)."""
        model = await self.request("GET", f"shares/{_quote(owner)}/{_quote(server_name)}")
        return {item["user"]["name"] for item in model["items"] if item.get("user")}


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")
