"""Shares of a session host's server on JupyterHub (5.0+), for the session's study notebook.

A session's study notebook lives on its host's own single-user server (``study_server``). While
a session is active, everyone who joined it (but the host) may open that server: the study
service grants each of them a hub share of it, and revokes the share when they leave, are
removed, or the session ends or is cancelled.

One rule does all of it: :meth:`ShareManager.sync_owner` makes the hub's shares of an owner's
server match what that owner's active sessions need (the joined participants of every active
session they host). It runs right after every transaction that changes a session's status or
its participants (an :class:`~jupyter_studysession.realtime.outbox.Outbox` watcher registers
it after the commit), so a removed participant has lost the share by the time the host's
request returns; and every ``sync_interval_seconds`` for every owner, which repairs what a
crash or an unreachable hub left behind. Each grant is recorded (``hub_shares``) before it is
made and forgotten after it is revoked, so the service only ever revokes shares it granted.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from traitlets import Bool, Float, Unicode
from traitlets.config import Configurable

from ...clock import Clock
from ...hub.api import HubAPI, HubAPIError, parse_version
from ...identity import Identity
from ...models import DescribeStudyServer
from ...orm import HubShare, Participant, ParticipantState, SessionStatus, StudySession
from ...realtime.outbox import Event
from ...store import Store, after_commit
from ..sessions.access import room_session

MIN_HUB_VERSION = (5, 0)
SESSION_EVENTS = {
    "session.started",
    "session.ended",
    "session.cancelled",
    "participant.joined",
    "participant.left",
    "participant.updated",
}
"""Events on ``session:<id>`` after which the shares of the session's host may have changed."""
PENDING = "studysession.share_sync"


def session_of(event: Event) -> str | None:
    """The session whose shares an event may change (an office-hours admit starts a room)."""
    if event.channel.startswith("session:") and event.type in SESSION_EVENTS:
        return event.channel[len("session:") :]
    if event.type == "queue.entry_admitted":
        return event.data.get("session_id")
    return None


class HubShares(Configurable):
    """Configuration of the shares (``c.HubShares.*``), read by the study service."""

    enabled = Bool(
        False,
        config=True,
        help="""Share the host's server with a session's joined participants while it is
        active (JupyterHub 5.0 or later; the service's role needs the scopes ``shares``,
        ``read:users:name``). On an older hub it stays off and says why.""",
    )
    server_name = Unicode(
        "",
        config=True,
        help="Which of the host's servers holds the study notebook ('' is the default server).",
    )
    sync_interval_seconds = Float(
        60,
        config=True,
        help="""How often every share is checked against the sessions (and what a crash or an
        unreachable hub left behind is repaired). 0 turns the task off.""",
    )


@dataclass
class SharingState:
    enabled: bool
    message: str


class ShareManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        hub: HubAPI,
        *,
        wanted: bool,
        server_name: str = "",
        sync_interval: float = 0,
        hub_prefix: str | None = None,
        log: logging.Logger | None = None,
    ):
        self.log = log or logging.getLogger(__name__)
        self.store = store
        self.clock = clock
        self.hub = hub
        self.server_name = server_name
        self.sync_interval = sync_interval
        self.hub_prefix = hub_prefix or os.environ.get("JUPYTERHUB_BASE_URL", "/")
        self.state = SharingState(
            False,
            "Sharing the host's server is off (c.HubShares.enabled)."
            if not wanted
            else "Sharing the host's server starts when the study service has asked the hub.",
        )
        self._wanted = wanted
        self._lock = asyncio.Lock()

    # -- turning it on ------------------------------------------------------------------

    async def start(self) -> SharingState:
        """Check the hub (its version, 5.0 or later) and turn sharing on if it can work."""
        if not self._wanted:
            return self.state
        if not self.hub.configured:
            self.state = SharingState(
                False,
                "Sharing the host's server needs the study service to run as a JupyterHub "
                "service ($JUPYTERHUB_API_URL and $JUPYTERHUB_API_TOKEN are missing).",
            )
        else:
            try:
                version = await self.hub.version()
            except HubAPIError as err:
                self.state = SharingState(False, f"The hub could not be asked: {err}.")
                return self.state
            if parse_version(version)[:2] < MIN_HUB_VERSION:
                self.state = SharingState(
                    False,
                    f"Sharing the host's server needs JupyterHub 5.0 or later; this hub is "
                    f"{version}. Participants open the study notebook on their own servers.",
                )
            else:
                message = f"Sharing the host's server on JupyterHub {version}."
                self.state = SharingState(True, message)
        (self.log.info if self.state.enabled else self.log.warning)(
            "Study sessions: %s", self.state.message
        )
        return self.state

    # -- what a session's participants see --------------------------------------------------

    async def study_server(self, actor: Identity, session_id: str) -> DescribeStudyServer:
        """Where the session's study notebook lives (its host's server) and whether the actor
        may open it through a share."""
        async with self.store.read() as db:
            session, _member = await room_session(db, session_id, actor)
            owner = session.host_username
            shared = False
            if self.state.enabled and actor.username != owner:
                shared = (
                    await db.scalar(
                        select(HubShare.id).where(
                            HubShare.owner == owner,
                            HubShare.server_name == self.server_name,
                            HubShare.username == actor.username,
                        )
                    )
                    is not None
                )
        prefix = self.hub_prefix.rstrip("/") + "/"
        server = f"{owner}/{self.server_name}/" if self.server_name else f"{owner}/"
        return DescribeStudyServer(
            owner=owner,
            server_name=self.server_name,
            url=f"{prefix}user/{server}",
            sharing=self.state.enabled,
            shared=shared or actor.username == owner,
            message=self.state.message,
        )

    # -- keeping the hub in step ----------------------------------------------------------

    def watch(self, db: AsyncSession, event: Event) -> None:
        """Outbox watcher: after the commit, sync the host of every session the transaction
        changed (once per session)."""
        if not self.state.enabled:
            return
        session_id = session_of(event)
        if not session_id:
            return
        pending = db.info.setdefault(PENDING, set())
        if session_id not in pending:
            pending.add(session_id)
            after_commit(db, partial(self.sync_session, session_id))

    async def sync_session(self, session_id: str) -> None:
        """Sync the shares of the session's host; never raises (the periodic sync retries)."""
        try:
            async with self.store.read() as db:
                owner = await db.scalar(
                    select(StudySession.host_username).where(StudySession.id == session_id)
                )
            if owner is not None:
                await self.sync_owner(owner)
        except Exception:
            self.log.exception(
                "Study sessions: syncing the shares of session %s failed", session_id
            )

    async def sync_all(self) -> None:
        """Sync every owner with an active session or a recorded share (the periodic repair:
        grants are made again, in case a crash came between recording and granting)."""
        if not self.state.enabled:
            return
        async with self.store.read() as db:
            owners = set(
                await db.scalars(
                    select(StudySession.host_username).where(
                        StudySession.status == SessionStatus.active
                    )
                )
            )
            owners |= set(await db.scalars(select(HubShare.owner).distinct()))
        for owner in sorted(owners):
            await self.sync_owner(owner, repair=True)

    async def sync_owner(self, owner: str, *, repair: bool = False) -> None:
        """Grant the missing shares of ``owner``'s server and revoke the ones no active session
        needs any more. A user the hub refuses is logged and tried again next time."""
        async with self._lock:
            wanted, recorded = await self._wanted_and_recorded(owner)
            for username in sorted(wanted - recorded if not repair else wanted):
                await self._grant(owner, username, record=username not in recorded)
            for username in sorted(recorded - wanted):
                await self._revoke(owner, username)

    async def _wanted_and_recorded(self, owner: str) -> tuple[set[str], set[str]]:
        async with self.store.read() as db:
            wanted = set(
                await db.scalars(
                    select(Participant.username)
                    .join(StudySession, StudySession.id == Participant.session_id)
                    .where(
                        StudySession.host_username == owner,
                        StudySession.status == SessionStatus.active,
                        Participant.state == ParticipantState.joined,
                        Participant.username != owner,
                    )
                )
            )
            recorded = set(
                await db.scalars(
                    select(HubShare.username).where(
                        HubShare.owner == owner, HubShare.server_name == self.server_name
                    )
                )
            )
        return wanted, recorded

    async def _grant(self, owner: str, username: str, *, record: bool) -> None:
        if record:
            async with self.store.transaction() as db:
                db.add(
                    HubShare(
                        owner=owner,
                        server_name=self.server_name,
                        username=username,
                        granted_at=self.clock.now(),
                    )
                )
        try:
            await self.hub.grant_share(owner, self.server_name, username)
        except HubAPIError as err:
            self.log.warning(
                "Study sessions: cannot share %s's server: %s: %s", owner, username, err
            )
            return
        self.log.info("Study sessions: shared %s's server with %s", owner, username)

    async def _revoke(self, owner: str, username: str) -> None:
        try:
            await self.hub.revoke_share(owner, self.server_name, username)
        except HubAPIError as err:
            if err.status != 404:  # 404: the server itself is gone, and its shares with it
                self.log.warning(
                    "Study sessions: cannot revoke %s's share of %s's server: %s",
                    username,
                    owner,
                    err,
                )
                return
        async with self.store.transaction() as db:
            await db.execute(
                delete(HubShare).where(
                    HubShare.owner == owner,
                    HubShare.server_name == self.server_name,
                    HubShare.username == username,
                )
            )
        self.log.info("Study sessions: revoked %s's share of %s's server", username, owner)
