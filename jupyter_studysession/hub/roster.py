"""The hub's users as people who can be invited, before their first visit to the study service.

Invitations name people the study service knows (``services/users/manager.ensure_users``). On a
plain server the identity provider lists them; on JupyterHub the service asks the hub for its
users (scope ``list:users`` with ``read:users:name``) when it starts and every
``HubRoster.interval_seconds`` after, and records the new ones.
"""

from __future__ import annotations

from traitlets import Float
from traitlets.config import LoggingConfigurable

from ..identity import Identity
from ..services.users.manager import record_roster
from .api import HubAPI


class HubRoster(LoggingConfigurable):
    interval_seconds = Float(
        300,
        config=True,
        help="""How often the study service lists the hub's users so that they can be invited
        before their first visit (0: only at start-up). A user added to the hub can be invited
        at the latest this much later, or as soon as they open the study service.""",
    )

    def __init__(self, store, clock, hub: HubAPI, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.clock = clock
        self.hub = hub

    async def record(self) -> int:
        """Record the hub's users the database does not know yet; how many were new."""
        names = await self.hub.usernames()
        async with self.store.transaction() as db:
            new = await record_roster(
                db, {name: Identity(name, name) for name in names}, self.clock.now()
            )
        if new:
            self.log.info("Study sessions: %d new hub users can be invited", new)
        return new
