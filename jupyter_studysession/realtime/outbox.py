"""Durable realtime events: the outbox.

A manager calls :meth:`Outbox.append` inside its transaction; the event gets the channel's next
sequence number and is stored with the change it reports. After the commit it is published on
the bus. A client that reconnects asks for ``seq > since`` and misses nothing. If the bus
fails to publish it, the write is still committed (and acknowledged as such): the bus has every
replica catch up from here once it works again (:meth:`~jupyter_studysession.bus.Bus.missed`).

The per-channel counter row is updated in the same transaction, which locks it until commit:
two writers on one channel commit in sequence order, so a subscriber never sees seq 6 before
seq 5 exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..bus import Bus
from ..clock import Clock
from ..exceptions import BusUnavailable
from ..orm import ChannelSequence, OutboxEvent
from ..store import Store, after_commit


@dataclass(frozen=True)
class Event:
    channel: str
    type: str
    data: dict[str, Any]
    seq: int | None = None

    def to_json(self) -> str:
        """The wire envelope ``{channel, seq, type, data}``, serialised once."""
        return json.dumps(
            {"channel": self.channel, "seq": self.seq, "type": self.type, "data": self.data},
            separators=(",", ":"),
            default=str,
        )


Watcher = Callable[[AsyncSession, Event], None]
"""Called with ``(db, event)`` for every durable event, inside the writer's transaction."""


class Outbox:
    def __init__(self, store: Store, bus: Bus, clock: Clock):
        self.store = store
        self.bus = bus
        self.clock = clock
        self._watchers: list[Watcher] = []

    def watch(self, watcher: Watcher) -> None:
        """Let ``watcher`` see every durable event as it is written (to act after the commit
        with :func:`~jupyter_studysession.store.after_commit`, as the hub shares do)."""
        self._watchers.append(watcher)

    async def append(
        self, db: AsyncSession, channel: str, type: str, data: dict[str, Any]
    ) -> Event:
        """Store a durable event in the caller's transaction; publish it after the commit.

        Two Core statements on the tables (not the ORM's bulk and unit-of-work paths, which
        cost several times more per event)."""
        upsert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
        sequences = ChannelSequence.__table__
        bump = (
            upsert(sequences)
            .values(channel=channel, last_seq=1)
            .on_conflict_do_update(
                index_elements=[sequences.c.channel],
                set_={"last_seq": sequences.c.last_seq + 1},
            )
            .returning(sequences.c.last_seq)
        )
        seq = (await db.execute(bump)).scalar_one()
        await db.execute(
            insert(OutboxEvent.__table__).values(
                channel=channel, seq=seq, type=type, data=data, created_at=self.clock.now()
            )
        )
        event = Event(channel, type, data, seq)
        for watcher in self._watchers:
            watcher(db, event)
        message = event.to_json()

        async def publish() -> None:
            try:
                await self.bus.publish(channel, message)
            except BusUnavailable:
                # committed all the same: subscribers catch up from here when the bus is back
                self.bus.missed(channel)

        after_commit(db, publish)
        return event

    async def publish_ephemeral(self, channel: str, type: str, data: dict[str, Any]) -> None:
        """An event that is not stored (typing, presence heartbeats): no seq, no replay."""
        await self.bus.publish(channel, Event(channel, type, data).to_json())

    async def replay(self, channel: str, since: int, limit: int = 1000) -> list[Event]:
        """Stored events of ``channel`` after ``since``, in order."""
        async with self.store.read() as db:
            rows = await db.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.channel == channel, OutboxEvent.seq > since)
                .order_by(OutboxEvent.seq)
                .limit(limit)
            )
            return [Event(r.channel, r.type, r.data, r.seq) for r in rows]

    async def last_seq(self, channel: str) -> int:
        async with self.store.read() as db:
            return (
                await db.scalar(
                    select(ChannelSequence.last_seq).where(ChannelSequence.channel == channel)
                )
                or 0
            )

    async def prune(self, older_than: timedelta) -> int:
        """Forget events older than ``older_than`` (clients that far behind reload instead)."""
        cutoff: datetime = self.clock.now() - older_than
        async with self.store.transaction() as db:
            result = await db.execute(delete(OutboxEvent).where(OutboxEvent.created_at < cutoff))
        return result.rowcount or 0
