"""An identity provider with one token per named user: for demos, tests and small servers.

Jupyter Server's default provider gives every token login an anonymous identity. This one
maps tokens to usernames, so ``?token=alice-token`` (or ``Authorization: token alice-token``,
or the login form) makes you ``alice``::

    c.ServerApp.identity_provider_class = "jupyter_studysession.tokens.UserTokensIdentityProvider"
    c.UserTokensIdentityProvider.user_tokens = {"alice-token": "alice", "bob-token": "bob"}

It is not a replacement for JupyterHub: tokens are shared secrets kept in configuration.
"""

from __future__ import annotations

import hmac

from jupyter_server.auth.identity import IdentityProvider, User
from traitlets import Dict, Unicode

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def user_for(username: str, display_name: str | None = None) -> User:
    display_name = display_name or username.replace("_", " ").replace(".", " ").title()
    initials = "".join(part[0] for part in display_name.split()[:2]).upper() or username[:1]
    color = COLORS[sum(map(ord, username)) % len(COLORS)]
    return User(
        username=username,
        name=username,
        display_name=display_name,
        initials=initials,
        avatar_url=None,
        color=color,
    )


class UserTokensIdentityProvider(IdentityProvider):
    user_tokens = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="Tokens and the usernames they log in as: {token: username}.",
    )
    display_names = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="Optional display names: {username: display name}.",
    )

    def roster(self) -> list[User]:
        """Everyone who can log in: study sessions can invite them before their first login
        (an identity provider with a ``roster()`` method lists its users this way)."""
        names = dict.fromkeys(self.user_tokens.values())
        return [user_for(name, self.display_names.get(name)) for name in names]

    def _lookup(self, token: str | None) -> User | None:
        if not token:
            return None
        for known, username in self.user_tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return user_for(username, self.display_names.get(username))
        return None

    async def get_user_token(self, handler) -> User | None:
        user = self._lookup(self.get_token(handler))
        if user is not None:
            return user
        return await super().get_user_token(handler)

    def process_login_form(self, handler) -> User | None:
        user = self._lookup(handler.get_argument("password", default=""))
        return user or super().process_login_form(handler)
