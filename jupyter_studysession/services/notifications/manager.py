"""Stored notifications: one row per recipient, created in the transaction of the change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...clock import Clock
from ...exceptions import InvalidInput
from ...identity import Identity
from ...models import (
    DescribeNotification,
    ListNotifications,
    MarkedRead,
    MarkNotificationsRead,
    PageQuery,
)
from ...orm import Notification, new_id
from ...realtime.outbox import Outbox
from ...store import Store

JOIN_OFFERS = ("invite", "reminder", "session_started", "group_session_started")
"""Kinds of notification that offer to join their session (the UI shows a Join button)."""


def after(last: Notification):
    """Rows after ``last`` in the order unread first, then newest first, then by id."""
    later = or_(
        Notification.created_at < last.created_at,
        and_(Notification.created_at == last.created_at, Notification.id < last.id),
    )
    read = Notification.read_at.is_not(None)
    if last.read_at is not None:
        return and_(read, later)
    return or_(read, and_(Notification.read_at.is_(None), later))


class NotificationManager:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox):
        self.store = store
        self.clock = clock
        self.outbox = outbox

    async def notify(
        self,
        db: AsyncSession,
        usernames: Iterable[str],
        kind: str,
        title: str,
        body: str = "",
        **data: Any,
    ) -> list[Notification]:
        """Add a notification for each user to the caller's transaction; each user's
        ``user:<name>`` channel gets it live after the commit."""
        now = self.clock.now()
        rows = [
            Notification(
                id=new_id(),
                username=name,
                kind=kind,
                title=title,
                body=body,
                data=data,
                created_at=now,
            )
            for name in dict.fromkeys(usernames)
        ]
        db.add_all(rows)
        for row in rows:
            await self.outbox.append(
                db,
                f"user:{row.username}",
                "notification",
                DescribeNotification.model_validate(row).model_dump(mode="json"),
            )
        return rows

    async def settle_offers(
        self, db: AsyncSession, session_id: str, username: str | None = None
    ) -> None:
        """In the caller's transaction: unread notifications that offer to join the session
        (invites, reminders, "it started") are read, so no tab offers them again: the
        user's (they joined it, by whatever door), or everyone's (``username`` None: it was
        cancelled or has ended)."""
        unread = [
            Notification.kind.in_(JOIN_OFFERS),
            Notification.read_at.is_(None),
            Notification.data["session_id"].as_string() == session_id,
        ]
        if username is not None:
            unread.append(Notification.username == username)
        await db.execute(update(Notification).where(*unread).values(read_at=self.clock.now()))

    async def list_notifications(self, actor: Identity, query: PageQuery) -> ListNotifications:
        """The user's notifications: unread ones first, each group newest first.

        The cursor is the id of the last item of the page.
        """
        is_read = Notification.read_at.is_not(None)
        order = (is_read.asc(), Notification.created_at.desc(), Notification.id.desc())
        async with self.store.read() as db:
            mine = select(Notification).where(Notification.username == actor.username)
            if query.cursor:
                last = await db.get(Notification, query.cursor)
                if last is None or last.username != actor.username:
                    raise InvalidInput(
                        "cursor: not a cursor returned by this API", "invalid_cursor"
                    )
                mine = mine.where(after(last))
            rows = list(await db.scalars(mine.order_by(*order).limit(query.limit + 1)))
            unread = await db.scalar(
                select(func.count()).where(
                    Notification.username == actor.username, Notification.read_at.is_(None)
                )
            )
        cursor = rows[query.limit - 1].id if len(rows) > query.limit else None
        return ListNotifications(
            items=[DescribeNotification.model_validate(n) for n in rows[: query.limit]],
            unread_count=unread or 0,
            next_cursor=cursor,
        )

    async def mark_read(self, actor: Identity, request: MarkNotificationsRead) -> MarkedRead:
        query = update(Notification).where(
            Notification.username == actor.username, Notification.read_at.is_(None)
        )
        if not request.all:
            query = query.where(Notification.id.in_(request.ids))
        async with self.store.transaction() as db:
            result = await db.execute(query.values(read_at=self.clock.now()))
        return MarkedRead(marked=result.rowcount or 0)
