"""The event bus: how a published realtime message reaches every server process.

Managers publish after their transaction commits. ``LocalBus`` delivers inside this process
(the default); ``RedisBus`` publishes through Redis pub/sub so that every replica delivers to
its own websocket subscribers. Messages are already-serialised JSON strings: they are encoded
once, whatever the number of recipients.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from traitlets import MetaHasTraits, Unicode
from traitlets.config import LoggingConfigurable

Listener = Callable[[str, str], Awaitable[None] | None]
"""Called with ``(channel, message)`` for every message on a channel it listens to."""

log = logging.getLogger(__name__)


class _BusMeta(MetaHasTraits, abc.ABCMeta):
    pass


class Bus(LoggingConfigurable, metaclass=_BusMeta):
    """Publish/subscribe by channel name. One listener per process (the realtime hub)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._listener: Listener | None = None
        self._routes: dict[str, Listener] = {}
        self._channels: set[str] = set()

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def route(self, channel: str, listener: Listener) -> None:
        """Messages on ``channel`` go to ``listener`` instead of the hub, always (a control
        channel of the server, such as revocations). Call it before :meth:`start`.
        ``"<kind>:*"`` routes the channels ``<kind>:...`` that this process listens to (the
        shared documents relay their updates between replicas this way)."""
        self._routes[channel] = listener

    async def start(self) -> None:
        """Connect (if needed). Called once when the server starts."""

    async def stop(self) -> None:
        """Disconnect. Called once when the server stops."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every process listening to ``channel``."""

    async def listen(self, channel: str) -> None:
        """Start receiving ``channel`` in this process."""
        self._channels.add(channel)

    async def unlisten(self, channel: str) -> None:
        self._channels.discard(channel)

    async def _deliver(self, channel: str, message: str) -> None:
        listener = self._routes.get(channel)
        if listener is None:
            listener = self._routes.get(channel.partition(":")[0] + ":*", self._listener)
            if listener is None or channel not in self._channels:
                return
        result = listener(channel, message)
        if asyncio.iscoroutine(result):
            await result


class LocalBus(Bus):
    """Delivers in this process only: one server, no Redis."""

    async def publish(self, channel: str, message: str) -> None:
        await self._deliver(channel, message)


class RedisBus(Bus):
    """Redis pub/sub, so several server replicas behave as one.

    Each process subscribes to the channels its own websockets listen to, so a replica only
    receives what it delivers.
    """

    url = Unicode(
        "redis://127.0.0.1:6379/0", config=True, help="Redis URL (``c.StudySessionApp.bus_url``)."
    )
    prefix = Unicode("studysession:", config=True, help="Prefix of the Redis channel names.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._redis = None
        self._pubsub = None
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        # a pub/sub connection needs one subscription before it can be read
        controls = [c for c in self._routes if not c.endswith(":*")]  # not the relays
        await self._pubsub.subscribe(self.prefix + "__bus__", *(self.prefix + c for c in controls))
        self._reader = asyncio.ensure_future(self._read())

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self.prefix + channel, message)

    async def listen(self, channel: str) -> None:
        if channel not in self._channels:
            await super().listen(channel)
            await self._pubsub.subscribe(self.prefix + channel)

    async def unlisten(self, channel: str) -> None:
        if channel in self._channels:
            await super().unlisten(channel)
            await self._pubsub.unsubscribe(self.prefix + channel)

    async def _read(self) -> None:
        while True:
            try:
                async for item in self._pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    channel = item["channel"].decode()[len(self.prefix) :]
                    try:
                        await self._deliver(channel, item["data"].decode())
                    except Exception:
                        log.exception("bus: delivering a message on %s failed", channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bus: Redis connection lost; reconnecting in 1 s")
                await asyncio.sleep(1)
