"""The Jupyter server extension: configuration (traits) and wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import os
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Instance, Int, List, Set, Type, Unicode, default, validate

from . import __version__
from .audit import Audit
from .bus import Bus, LocalBus, RedisBus
from .clock import Clock
from .exceptions import DatabaseNotReady
from .hub import forward
from .hub.api import HubAPI
from .hub.roster import HubRoster
from .identity import ConfigRoleProvider, RoleProvider, authorize_user_channel, identity_for
from .labstate import separate_lab_state
from .looplag import LoopLagMonitor, doing
from .ratelimit import Limit, RateLimiter
from .realtime import handlers as realtime_handlers
from .realtime.hub import RealtimeHub
from .realtime.outbox import Outbox
from .services import openapi
from .services.admin import handlers as admin_handlers
from .services.analytics import handlers as analytics_handlers
from .services.analytics.manager import AnalyticsManager
from .services.chat import handlers as chat_handlers
from .services.chat.manager import ChatManager
from .services.chat.ops import register_ops as register_chat_ops
from .services.docs import handlers as docs_handlers
from .services.docs.manager import DocRoomManager
from .services.docs.room import DocLimits
from .services.follow import handlers as follow_handlers
from .services.follow.manager import FollowManager, FollowPolicy
from .services.follow.notebooks import ContentsNotebooks, UncheckedNotebooks
from .services.follow.ops import register_ops as register_follow_ops
from .services.follow.visits import VisitManager
from .services.goals import handlers as goal_handlers
from .services.goals.manager import GoalManager
from .services.goals.ops import register_ops as register_goal_ops
from .services.groups import handlers as group_handlers
from .services.groups.access import authorize_group_channel
from .services.groups.manager import GroupManager
from .services.groups.sessions import GroupSessionManager
from .services.media import handlers as media_handlers
from .services.media.backend import AiortcMediaBackend, MediaBackend
from .services.media.manager import MediaManager
from .services.media.ops import register_ops as register_media_ops
from .services.media.recordings import RecordingStore
from .services.notifications import handlers as notification_handlers
from .services.notifications.manager import NotificationManager
from .services.officehours import handlers as officehours_handlers
from .services.officehours.common import QueuePolicy, authorize_queue_channel
from .services.officehours.manager import OfficeHoursManager
from .services.officehours.ops import register_ops as register_queue_ops
from .services.officehours.queue import QueueManager
from .services.presence import handlers as presence_handlers
from .services.presence.manager import PresenceManager
from .services.presence.ops import register_ops as register_presence_ops
from .services.presence.redis_store import RedisPresenceStore
from .services.presence.store import MemoryPresenceStore
from .services.schedules import handlers as schedule_handlers
from .services.schedules.calendar import CalendarManager
from .services.schedules.manager import ScheduleManager
from .services.schedules.reminders import ReminderManager
from .services.sessions import handlers as session_handlers
from .services.sessions.access import authorize_session_channel
from .services.sessions.manager import SessionManager, SessionPolicy
from .services.sessions.participants import ParticipantManager
from .services.shares import handlers as share_handlers
from .services.shares.manager import HubShares, ShareManager
from .services.timer import handlers as timer_handlers
from .services.timer.manager import TimerManager
from .services.timer.ops import register_ops as register_timer_ops
from .services.users import handlers as user_handlers
from .services.users.manager import UserManager, record_roster
from .store import Store, redact_url
from .summarizer import ExtractiveSummarizer, Summarizer

HANDLER_MODULES = [
    user_handlers,
    session_handlers,
    chat_handlers,
    goal_handlers,
    timer_handlers,
    notification_handlers,
    presence_handlers,
    officehours_handlers,
    group_handlers,
    schedule_handlers,
    admin_handlers,
    analytics_handlers,
    share_handlers,
    follow_handlers,
    media_handlers,
    docs_handlers,
    realtime_handlers,
    openapi,
]


@dataclass
class Services:
    """What handlers reach through ``self.settings["studysession"]``."""

    store: Store
    clock: Clock
    limiter: RateLimiter
    role_provider: RoleProvider
    users: UserManager
    sessions: SessionManager
    participants: ParticipantManager
    chat: ChatManager
    goals: GoalManager
    timer: TimerManager
    notifications: NotificationManager
    presence: PresenceManager
    write_limit: Limit
    admin_api_key: str
    bus: Bus
    outbox: Outbox
    hub: RealtimeHub
    send_buffer_bytes: int  # websocket_buffer_bytes
    officehours: OfficeHoursManager | None = None
    queue: QueueManager | None = None
    groups: GroupManager | None = None
    group_sessions: GroupSessionManager | None = None
    schedules: ScheduleManager | None = None
    reminders: ReminderManager | None = None
    calendar: CalendarManager | None = None
    analytics: AnalyticsManager | None = None
    shares: ShareManager | None = None
    hub_roster: HubRoster | None = None
    follow: FollowManager | None = None
    visits: VisitManager | None = None
    media: MediaManager | None = None
    docs: DocRoomManager | None = None
    handlers: list = field(default_factory=list)
    roster: list = field(default_factory=list)
    """Users the identity provider lists (``jupyter_server.auth.User``), recorded on open."""
    _opening: asyncio.Future | None = field(default=None, repr=False)

    async def open(self) -> str:
        """The store ready (:meth:`Store.open`: once, at start-up or on the first request),
        and the roster recorded as known users. Raises ``DatabaseNotReady`` if it is not."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        return await asyncio.shield(self._opening)

    async def _open(self) -> str:
        outcome = await self.store.open()
        if self.roster:
            async with self.store.transaction() as db:
                users = {u.username: await identity_for(u, self.role_provider) for u in self.roster}
                await record_roster(db, users, self.clock.now())
        return outcome

    async def close(self) -> None:
        """Release what :meth:`StudySessionApp.build_services` opened: the hub's tasks, this
        process's tabs and the presence store's connections (Redis), the bus, the database
        engines, in that order; every step runs even if one before it failed. The server
        calls it when it stops, and so do the CLI commands and the ``ss_services`` fixture."""
        async with contextlib.AsyncExitStack() as steps:  # run last in, first out
            for close in (
                self.store.dispose,
                self.bus.stop,
                self.presence.close,
                self.hub.access.close,
                self.hub.close,
            ):
                steps.push_async_callback(close)
            if self.analytics is not None:
                steps.push_async_callback(self.analytics.close)
            if self.follow is not None:  # writes the places still buffered, first
                steps.push_async_callback(self.follow.relay.close)
            if self.media is not None:  # first: calls end, recordings are stopped and recorded
                steps.push_async_callback(self.media.close)
            if self.docs is not None:
                steps.push_async_callback(self.docs.close)


class StudySessionApp(ExtensionApp):
    """jupyter-studysession: study sessions, office hours and attendance for Jupyter."""

    name = "jupyter_studysession"
    app_name = "Jupyter Study Session"
    version = __version__
    description = __doc__
    load_other_extensions = True

    # -- storage ------------------------------------------------------------------------

    db_url = Unicode(
        config=True,
        help="""SQLAlchemy URL of the database (an async driver).

        Default: a SQLite file ``studysession/studysession.sqlite`` in the Jupyter data
        directory, or ``$JUPYTER_STUDYSESSION_DB_URL``. For several server replicas use
        PostgreSQL: ``postgresql+asyncpg://user@host/dbname`` (``pip install
        jupyter-studysession[scale]``).""",
    )

    @default("db_url")
    def _default_db_url(self):
        if os.environ.get("JUPYTER_STUDYSESSION_DB_URL"):
            return os.environ["JUPYTER_STUDYSESSION_DB_URL"]
        path = Path(jupyter_data_dir()) / "studysession" / "studysession.sqlite"
        return f"sqlite+aiosqlite:///{path}"

    @validate("db_url")
    def _validate_db_url(self, proposal):
        url = proposal["value"]
        sync_drivers = {
            "sqlite://": "sqlite+aiosqlite://",
            "postgresql://": "postgresql+asyncpg://",
        }
        for sync, async_ in sync_drivers.items():
            if url.startswith(sync):
                return async_ + url[len(sync) :]
        return url

    bus_url = Unicode(
        config=True,
        help="""Where realtime events fan out between server processes. Empty (the default):
        in this process only. ``redis://host:6379/0``: Redis pub/sub, so several replicas
        behind the hub's proxy behave as one (needs ``jupyter-studysession[scale]`` and a
        shared PostgreSQL ``db_url``). Default: ``$JUPYTER_STUDYSESSION_BUS_URL``.""",
    )

    @default("bus_url")
    def _default_bus_url(self):
        return os.environ.get("JUPYTER_STUDYSESSION_BUS_URL", "")

    service_url = Unicode(
        config=True,
        help="""The course's study service, for a student's own server on JupyterHub (e.g.
        ``http://127.0.0.1:10101/services/study/``). When set, this server keeps no database:
        the study API and its websockets are forwarded to the service with this server's hub
        token, which proves to the service who its owner is (see docs/hub.md). Empty (the
        default): this server is the study server.
        Default: ``$JUPYTER_STUDYSESSION_SERVICE_URL``.""",
    )

    @default("service_url")
    def _default_service_url(self):
        return os.environ.get("JUPYTER_STUDYSESSION_SERVICE_URL", "")

    db_auto_upgrade = Bool(
        False,
        config=True,
        help="""Upgrade an existing database to this version's schema at start-up.
        Off by default: back up first, then run ``jupyter studysession db upgrade``.
        A new (empty) database is always created.""",
    )

    # -- people and roles ---------------------------------------------------------------

    instructors = Set(
        Unicode(),
        config=True,
        help="Usernames of the course's instructors (for the default role provider).",
    )
    tas = Set(
        Unicode(),
        config=True,
        help="Usernames of the course's teaching assistants (default role provider).",
    )
    role_provider_class = Type(
        ConfigRoleProvider,
        klass=RoleProvider,
        config=True,
        help="""Decides each user's course role (instructor, ta, student).
        ``ConfigRoleProvider`` reads ``instructors`` and ``tas``; ``HubGroupsRoleProvider``
        reads JupyterHub groups; or give your own subclass of ``RoleProvider``.""",
    )
    summarizer_class = Type(
        ExtractiveSummarizer,
        klass=Summarizer,
        config=True,
        help="""Writes the text of a session's summary when it ends, from its chat and
        goals. ``ExtractiveSummarizer`` (offline) picks the chat's most representative
        sentences and lists the goals done; or give your own subclass of ``Summarizer``.""",
    )

    # -- rules --------------------------------------------------------------------------

    join_window_minutes = Float(
        5, config=True, help="How many minutes before ``scheduled_at`` joining opens."
    )
    cleanup_interval_seconds = Float(
        300,
        config=True,
        help="How often the server cleans up abandoned sessions (0 turns the task off).",
    )
    abandon_scheduled_after_minutes = Float(
        30,
        min=0,
        config=True,
        help="""Delete a scheduled session that never started and holds nothing (nobody but
        the host ever joined, no pending invitation or live invite link, no chat, no goals)
        this many minutes after its scheduled time (or its creation, when unscheduled).""",
    )
    expire_unstarted_after_hours = Float(
        168,
        min=0,
        config=True,
        help="""A scheduled session that never started, but has pending invitations or
        content, is kept this many hours after its scheduled time (or creation); then one
        with content (someone else joined, chat or goals) is cancelled, so it stays in
        everyone's history, and one without is deleted, its invitees told "removed: nobody
        joined". It should be longer than ``abandon_scheduled_after_minutes``.""",
    )
    auto_end_active_after_hours = Float(
        6,
        config=True,
        help="End an active session this many hours after it started (ended by 'system').",
    )
    event_retention_hours = Float(
        72,
        config=True,
        help="""How long stored realtime events are kept for clients that reconnect. A client
        away for longer reloads its state instead of replaying. Pruned by the cleanup.""",
    )
    presence_timeout_seconds = Float(
        45,
        min=1,
        config=True,
        help="""A tab that sent no heartbeat for this long counts as closed (tabs send one
        every third of it: 15 s by default). A user whose last tab closes is offline.""",
    )
    presence_sweep_seconds = Float(
        5,
        config=True,
        help="""How often the server looks for tabs past the presence timeout and for
        attendance past its grace period (0 turns the task off: tests sweep by hand).""",
    )
    attendance_grace_seconds = Float(
        30,
        min=0,
        config=True,
        help="""When a participant's last tab leaves a session, their attendance goes on if a
        tab comes back within this many seconds (a flaky network does not split it into
        pieces); otherwise it ends at the moment the last tab left.""",
    )
    slow_callback_seconds = Float(
        0.1,
        min=0,
        config=True,
        help="""Log a warning for each callback that holds the server's event loop this many
        seconds or longer, naming the op, request or background job that ran (while one
        callback runs, no other request, op or delivery of the server moves). 0 turns the
        monitor off.""",
    )
    websocket_buffer_bytes = Int(
        4 * 1024 * 1024,
        min=64 * 1024,
        config=True,
        help="""The most bytes the server keeps queued for one websocket (a tab or a shared
        document) that does not read them. A client that stops reading (a frozen tab, a stalled
        network) is closed with code 1013 when more would wait, instead of the server's memory
        growing; its client reconnects and resumes from the outbox (``since``) or syncs the
        document afresh, so nothing is lost.""",
    )
    timer_tick_seconds = Float(
        1,
        config=True,
        help="""How often the server looks for shared timers whose phase has ended, to tell the
        room (0 turns the task off; the timer stays right, since every read settles it).
        With several replicas each one looks; only one publishes a given transition.""",
    )
    admin_api_key = Unicode(
        config=True,
        help="""A secret that lets a cron job call ``POST /studysession/api/admin/cleanup``
        with the header ``X-StudySession-Api-Key``. Empty (the default) disables it.
        Default: ``$JUPYTER_STUDYSESSION_ADMIN_API_KEY``.""",
    )

    @default("admin_api_key")
    def _default_admin_api_key(self):
        return os.environ.get("JUPYTER_STUDYSESSION_ADMIN_API_KEY", "")

    session_create_limit = Unicode(
        "10/hour", config=True, help="How many sessions one user may create (count/period)."
    )
    write_limit = Unicode(
        "120/minute",
        config=True,
        help="How many REST writes (POST, PATCH, DELETE) one user may make (count/period).",
    )

    chat_limit = Unicode(
        "60/minute",
        config=True,
        help="""How many chat messages one user may send or edit (count/period), over REST
        and the websocket together. Over it, REST answers 429 with ``Retry-After`` and the
        websocket an error ack ``rate_limited``.""",
    )

    # -- office hours -------------------------------------------------------------------

    queue_join_limit = Unicode(
        "10/hour",
        config=True,
        help="""How many times one student may join office-hours queues (count/period), over
        REST and the websocket together. Over it: 429 with ``Retry-After``.""",
    )
    queue_almost_up_position = Int(
        2,
        min=1,
        config=True,
        help="""A waiting student at this position or nearer the front gets one "you're almost
        up" notification (once per queue entry).""",
    )
    queue_no_show_minutes = Float(
        5,
        min=0,
        config=True,
        help="""An admitted student who has not opened their room (no tab on the session)
        this many minutes after being admitted is marked ``no_show``.""",
    )
    queue_step_out_minutes = Float(
        10,
        min=0,
        config=True,
        help="""A student who steps out keeps their place this long; later they go to the end
        of the queue.""",
    )
    queue_default_help_minutes = Float(
        10,
        min=0,
        config=True,
        help="""The help time assumed by the wait estimate while an office hours has no
        finished help sessions to learn from.""",
    )
    queue_sweep_seconds = Float(
        30,
        config=True,
        help="""How often the server looks for no-shows and step-outs that ran out in every
        queue (0 turns the task off; reading a queue settles it anyway).""",
    )

    # -- shared notes and whiteboard ----------------------------------------------------------

    doc_max_bytes = Int(
        2 * 1024 * 1024,
        min=1024,
        config=True,
        help="""The largest a shared document (notes, whiteboard) may grow, in bytes of its
        Yjs encoding. An update that would pass it is refused (close code 4413) and the
        document stays as it was.""",
    )
    doc_update_max_bytes = Int(
        512 * 1024,
        min=1024,
        config=True,
        help="The largest single Yjs update a peer may send, in bytes (close code 4413).",
    )
    doc_update_limit = Unicode(
        "1200/minute",
        config=True,
        help="""How many document updates one user may send (count/period, all documents
        together). Over it, the connection is closed with 4429 and the client resyncs when it
        reconnects, so nothing typed is lost.""",
    )
    doc_compact_after_updates = Int(
        500,
        min=1,
        config=True,
        help="""Compact a document (fold its update log into one snapshot) once this many
        updates were stored since the last compaction, so loading it stays fast.""",
    )
    doc_recheck_seconds = Float(
        10,
        config=True,
        help="""How often the open document connections are checked against the session's
        membership (a participant who left reads only, a removed one is disconnected).
        0 turns the task off.""",
    )

    @validate(
        "session_create_limit", "write_limit", "chat_limit", "queue_join_limit", "doc_update_limit"
    )
    def _validate_limit(self, proposal):
        Limit.parse(proposal["value"])
        return proposal["value"]

    # -- schedules ------------------------------------------------------------------------

    recurrence_window_days = Float(
        28,
        min=1,
        config=True,
        help="""How far ahead the occurrences of a recurring session exist as sessions (that
        people can see, join and put in their calendars). A periodic task tops them up.""",
    )
    recurrence_topup_interval_seconds = Float(
        3600,
        config=True,
        help="""How often the server materialises the next occurrences of recurring
        sessions (0 turns the task off). Safe with several replicas.""",
    )
    reminder_minutes = List(
        Int(min=1),
        default_value=[15, 5],
        config=True,
        help="""Reminders go to a scheduled session's invited and joined participants this
        many minutes before it starts (stored and live notifications of kind "reminder").""",
    )
    reminder_interval_seconds = Float(
        30,
        config=True,
        help="""How often the server looks for reminders that are due (0 turns the task
        off). With several replicas each looks; each reminder is delivered once.""",
    )
    calendar_event_minutes = Float(
        60,
        min=1,
        config=True,
        help="""Sessions have no planned end: in calendar exports, a session that has not
        ended lasts this long.""",
    )

    # -- JupyterLab ---------------------------------------------------------------------

    lab_state_per_user = Bool(
        False,
        config=True,
        help="""Give each user of this server their own JupyterLab layout (workspaces: the
        open tabs) and settings (theme, ...), in a subfolder per user of JupyterLab's
        folders, instead of one for everyone. Turn it on for a server several people log in
        to (a shared study server, the demo); on JupyterHub each user already has a server
        of their own.""",
    )

    # -- study notebooks ------------------------------------------------------------------

    follow_place_interval_seconds = Float(
        0.05,
        min=0,
        config=True,
        help="""The leader's places reach followers at most this often per session; a place
        that comes sooner waits and is replaced by a newer one (the last is always sent).""",
    )
    follow_record_seconds = Float(
        1,
        min=0.01,
        config=True,
        help="""How often the leader's places (each change of cell or heading) are written to
        the database, for the session's progress and coverage.""",
    )
    follow_leader_grace_seconds = Float(
        30,
        min=0,
        config=True,
        help="""When the leader's last tab leaves the session's notebook, the lead passes to the
        host or a connected co-host (or stops) unless one of their tabs is back within this
        many seconds.""",
    )

    # -- video and voice ----------------------------------------------------------------

    media_enabled = Bool(
        config=True,
        help="""Offer video and voice in session rooms (needs ``jupyter-studysession[media]``:
        aiortc and PyAV). Default: on when aiortc is installed. The media server's own
        settings are on ``c.AiortcMediaBackend`` (ICE servers, addresses, UDP ports, codec);
        recordings' on ``c.RecordingStore`` (directory, quota, retention).""",
    )

    @default("media_enabled")
    def _default_media_enabled(self):
        return importlib.util.find_spec("aiortc") is not None

    media_backend_class = Type(
        AiortcMediaBackend,
        klass=MediaBackend,
        config=True,
        help="""Carries the calls' media. ``AiortcMediaBackend``: a self-hosted media server,
        one worker process per room. A subclass of ``MediaBackend`` can put an external SFU
        behind the same signalling and room rules (docs/media.md).""",
    )
    media_sweep_seconds = Float(
        5,
        config=True,
        help="""How often the server checks that everyone in a call is still a joined
        participant of an active session (and cuts off the others), and deletes recordings
        past their retention (0 turns the task off).""",
    )

    clock = Instance(Clock, config=True, help="The clock managers read (tests replace it).")

    @default("clock")
    def _default_clock(self):
        return Clock()

    # -- wiring -------------------------------------------------------------------------

    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            join_window=timedelta(minutes=self.join_window_minutes),
            abandon_scheduled_after=timedelta(minutes=self.abandon_scheduled_after_minutes),
            auto_end_active_after=timedelta(hours=self.auto_end_active_after_hours),
            create_limit=Limit.parse(self.session_create_limit),
            event_retention=timedelta(hours=self.event_retention_hours),
            expire_unstarted_after=timedelta(hours=self.expire_unstarted_after_hours),
        )

    def build_services(self, event_logger=None) -> Services:
        """Every manager, built on one store and clock (also used by the CLI)."""
        store = Store(self.db_url, auto_upgrade=self.db_auto_upgrade)
        clock = self.clock
        limiter = RateLimiter(clock)
        audit = Audit(event_logger)
        policy = self.policy()
        bus = RedisBus(parent=self, url=self.bus_url) if self.bus_url else LocalBus(parent=self)
        outbox = Outbox(store, bus, clock)
        hub = RealtimeHub(outbox, bus)
        hub.register_channel("session", partial(authorize_session_channel, store))
        hub.register_channel("user", authorize_user_channel)
        notifications = NotificationManager(store, clock, outbox)
        chat = ChatManager(store, clock, limiter, outbox, Limit.parse(self.chat_limit))
        register_chat_ops(hub, chat)
        goals = GoalManager(store, clock, outbox)
        register_goal_ops(hub, goals)
        timer = TimerManager(store, clock, outbox)
        register_timer_ops(hub, timer)
        live = (
            RedisPresenceStore(parent=self, url=self.bus_url, prefix=f"{bus.prefix}presence:")
            if isinstance(bus, RedisBus)
            else MemoryPresenceStore(parent=self)
        )
        presence = PresenceManager(
            store,
            clock,
            outbox,
            live,
            timeout=timedelta(seconds=self.presence_timeout_seconds),
            grace=timedelta(seconds=self.attendance_grace_seconds),
        )
        register_presence_ops(hub, presence, store)
        officehours = OfficeHoursManager(store, clock, outbox, notifications)
        queue = QueueManager(
            store,
            clock,
            outbox,
            notifications,
            limiter,
            audit,
            QueuePolicy(
                almost_up_position=self.queue_almost_up_position,
                no_show=timedelta(minutes=self.queue_no_show_minutes),
                step_out=timedelta(minutes=self.queue_step_out_minutes),
                default_help_minutes=self.queue_default_help_minutes,
            ),
            Limit.parse(self.queue_join_limit),
        )
        register_queue_ops(hub, queue)
        hub.register_channel("queue", partial(authorize_queue_channel, store))
        hub.register_channel("group", partial(authorize_group_channel, store))
        schedules = ScheduleManager(
            store,
            clock,
            notifications,
            audit,
            outbox,
            window=timedelta(days=self.recurrence_window_days),
            join_window=policy.join_window,
        )
        sharing = HubShares(parent=self)
        hub_api = HubAPI(parent=self)
        shares = ShareManager(
            store,
            clock,
            hub_api,
            wanted=sharing.enabled,
            server_name=sharing.server_name,
            sync_interval=sharing.sync_interval_seconds,
            log=self.log,
        )
        outbox.watch(shares.watch)
        group_sessions = GroupSessionManager(store, clock, notifications, limiter, outbox, policy)
        follow = FollowManager(
            store,
            clock,
            outbox,
            notifications,
            limiter,
            audit,
            group_sessions=group_sessions,
            session_policy=policy,
            policy=FollowPolicy(
                place_interval=self.follow_place_interval_seconds,
                record_seconds=self.follow_record_seconds,
                leader_grace=timedelta(seconds=self.follow_leader_grace_seconds),
            ),
            connections=live,
            spawn=hub.spawn,
        )
        register_follow_ops(hub, follow, store)
        media = MediaManager(
            store,
            clock,
            outbox,
            self.media_backend_class(parent=self),
            RecordingStore(parent=self),
            available=self.media_enabled,
        )
        register_media_ops(hub, media)
        hub.access.on_revoke(media.on_revoked)
        return Services(
            store=store,
            clock=clock,
            limiter=limiter,
            role_provider=self.role_provider_class(parent=self),
            users=UserManager(store, clock),
            sessions=SessionManager(
                store,
                clock,
                notifications,
                limiter,
                audit,
                outbox,
                policy,
                connections=live,
                schedules=schedules,
                summarizer=self.summarizer_class(parent=self),
                follow=follow,
            ),
            participants=ParticipantManager(
                store, clock, notifications, audit, outbox, policy, connections=live, follow=follow
            ),
            chat=chat,
            goals=goals,
            timer=timer,
            notifications=notifications,
            presence=presence,
            write_limit=Limit.parse(self.write_limit),
            admin_api_key=self.admin_api_key,
            send_buffer_bytes=self.websocket_buffer_bytes,
            bus=bus,
            outbox=outbox,
            hub=hub,
            officehours=officehours,
            schedules=schedules,
            reminders=ReminderManager(store, clock, notifications, self.reminder_minutes),
            calendar=CalendarManager(store, clock, self.calendar_event_minutes),
            analytics=AnalyticsManager(store, clock),
            shares=shares,
            hub_roster=(
                HubRoster(store, clock, hub_api, parent=self) if hub_api.configured else None
            ),
            docs=DocRoomManager(
                store,
                clock,
                limiter,
                bus,
                DocLimits(
                    max_document_bytes=self.doc_max_bytes,
                    max_update_bytes=self.doc_update_max_bytes,
                    update_limit=Limit.parse(self.doc_update_limit),
                    compact_after_updates=self.doc_compact_after_updates,
                ),
                access=hub.access,
            ),
            queue=queue,
            media=media,
            groups=GroupManager(store, clock, notifications, outbox),
            group_sessions=group_sessions,
            follow=follow,
            visits=VisitManager(store, follow),
        )

    def initialize_settings(self):
        if self.service_url:
            upstream = forward.Upstream.from_environment(self.service_url)
            self.settings[forward.SETTINGS_KEY] = upstream
            self.log.info("Study sessions: forwarded to the study service at %s", self.service_url)
            return
        self.services = self.build_services(self.serverapp.event_logger)
        contents = self.serverapp.contents_manager
        if HubShares(parent=self).enabled:
            # the study notebooks are on the hosts' own servers, which check them (hub/forward.py)
            self.services.follow.notebooks = UncheckedNotebooks()
        else:
            self.services.follow.notebooks = ContentsNotebooks(contents)
        # study notebooks move along when renamed on this server, and rooms hear of deletes
        self.serverapp.event_logger.add_listener(
            schema_id=contents.event_schema_id, listener=self._contents_changed
        )
        self.services.handlers = [h for m in HANDLER_MODULES for h in m.default_handlers]
        roster = getattr(self.serverapp.identity_provider, "roster", None)
        self.services.roster = roster() if callable(roster) else []
        self.settings.update({"studysession": self.services})
        self._tasks: set[asyncio.Task] = set()
        self._loop_lag: LoopLagMonitor | None = None
        if self.slow_callback_seconds > 0:
            self._loop_lag = LoopLagMonitor(self.slow_callback_seconds, self.log)
            self._loop_lag.install()

    async def _contents_changed(self, logger, schema_id: str, data: dict) -> None:
        follow = self.services.follow
        if not self.services.store.ready:
            return
        try:
            if data.get("action") == "rename":
                await follow.notebook_renamed(data["source_path"], data["path"])
            elif data.get("action") == "delete":
                await follow.notebook_deleted(data["path"])
        except Exception:
            self.log.exception("Study sessions: could not follow a change of %s", data.get("path"))

    def initialize_handlers(self):
        if self.service_url:
            self.handlers.extend(forward.default_handlers)
            return
        self.handlers.extend(self.services.handlers)

    async def _start_jupyter_server_extension(self, serverapp):
        if self.lab_state_per_user:  # once every extension's handlers are in place
            routes = separate_lab_state(serverapp.web_app)
            self.log.info("Study sessions: JupyterLab state per user (%d routes)", routes)
        if self.service_url:
            return
        store = self.services.store
        await self.services.bus.start()
        try:
            store.claim_for_server(serverapp.connection_url, shared_bus=bool(self.bus_url))
            outcome = await self.services.open()
            self.log.info("Study sessions: database %s (%s)", redact_url(store.url), outcome)
        except DatabaseNotReady as err:
            self.log.error("Study sessions are unavailable: %s", err.message)
        if store.ready and self.cleanup_interval_seconds > 0:
            self._spawn(self._cleanup_periodically())
        if store.ready and self.timer_tick_seconds > 0:
            self._spawn(self._advance_timers_periodically())
        if self.presence_sweep_seconds > 0:
            self._spawn(self.services.presence.run_sweeps(self.presence_sweep_seconds))
        if store.ready and self.queue_sweep_seconds > 0:
            self._spawn(self._sweep_queues_periodically())
        if store.ready and self.recurrence_topup_interval_seconds > 0:
            self._spawn(
                self._every(
                    self.recurrence_topup_interval_seconds,
                    self.services.schedules.top_up_series,
                    "materialising recurring sessions",
                )
            )
        if store.ready and self.media_sweep_seconds > 0:
            self._spawn(
                self._every(self.media_sweep_seconds, self.services.media.sweep, "checking calls")
            )
            self._spawn(
                self._every(
                    3600, self.services.media.archive.prune_recordings, "pruning recordings"
                )
            )
        await self._start_sharing()
        if store.ready and self.services.hub_roster is not None:
            roster = self.services.hub_roster
            if roster.interval_seconds > 0:
                job = self._every(roster.interval_seconds, roster.record, "listing hub users")
                self._spawn(job)
            else:
                self._spawn(roster.record())
        if store.ready and self.doc_recheck_seconds > 0:
            self._spawn(
                self._every(
                    self.doc_recheck_seconds,
                    self.services.docs.recheck_access,
                    "checking document connections",
                )
            )
        if store.ready and self.reminder_interval_seconds > 0:
            self._spawn(
                self._every(
                    self.reminder_interval_seconds,
                    self.services.reminders.send_due_reminders,
                    "sending reminders",
                )
            )
        # Start-up made most of the objects the server keeps for good (modules, classes,
        # handlers, traits): frozen, they are no longer walked by every full collection, each
        # of which would hold the event loop for tens of milliseconds.
        gc.collect()
        gc.freeze()

    async def _start_sharing(self) -> None:
        """Hub shares of hosts' servers: on if configured and the hub is 5.0 or later."""
        shares = self.services.shares
        if self.services.store.ready and (await shares.start()).enabled and shares.sync_interval:
            self._spawn(self._every(shares.sync_interval, shares.sync_all, "syncing hub shares"))

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log.error("Study sessions: background task failed", exc_info=task.exception())

    async def _cleanup_periodically(self) -> None:
        doing("cleanup")
        while True:
            await asyncio.sleep(self.cleanup_interval_seconds)
            try:
                await self.services.sessions.cleanup()
            except Exception:
                self.log.exception("Study sessions: cleanup failed; will try again")

    async def _advance_timers_periodically(self) -> None:
        doing("advancing timers")
        while True:
            await asyncio.sleep(self.timer_tick_seconds)
            try:
                await self.services.timer.advance_due_timers()
            except Exception:
                self.log.exception("Study sessions: advancing timers failed; will try again")

    async def _every(self, seconds: float, job, what: str) -> None:
        """Run ``job()`` every ``seconds`` (the first time right away); a failure is logged
        and the next run tries again."""
        doing(what)
        while True:
            try:
                await job()
            except Exception:
                self.log.exception("Study sessions: %s failed; will try again", what)
            await asyncio.sleep(seconds)

    async def _sweep_queues_periodically(self) -> None:
        doing("sweeping queues")
        while True:
            await asyncio.sleep(self.queue_sweep_seconds)
            try:
                await self.services.queue.sweep()
            except Exception:
                self.log.exception("Study sessions: sweeping queues failed; will try again")

    async def stop_extension(self):
        if self._loop_lag is not None:
            self._loop_lag.uninstall()
        if self.service_url:
            return
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self.services.close()


main = launch_new_instance = StudySessionApp.launch_instance
