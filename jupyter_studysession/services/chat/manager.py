"""Chat in a session room or a study group: history, send, edit, delete (tombstones) and
typing indicators. One chat, two kinds of conversation (:class:`Conversation`): a message
belongs to exactly one session or one group.

Who may do what in a **session**:

- **read** the history: members who joined (now or before) and course staff; others who can
  see the session get 403, everyone else 404 (the session stays invisible to them);
- **write** (send, edit, delete): participants joined now, while the session is scheduled or
  active; the chat of a completed or cancelled session is read-only (409);
- **edit** your own messages; **delete** your own, or any as the host or a co-host.

In a **group**: joined members read and write (others who can see the group get 403
``not_member``, outsiders of a private group 404); admins delete any message.

A deleted message stays as a tombstone: its row, sender and times are kept, its text is
erased. Every change is one transaction that appends its durable event (``chat.message``,
``chat.edited``, ``chat.deleted``) to the conversation's channel (``session:<id>`` or
``group:<id>``); the event is published after the commit. Chat writes lock the session's
(or group's) row first, so they are serialised per conversation: the order of the history is
the order of the events, and no message lands in a session that has just ended. Typing
indicators are ephemeral and throttled in memory, per server process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ... import idempotency
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput, NotAuthorized, NotFound, StudySessionError
from ...identity import Identity
from ...models import (
    CreateMessage,
    DescribeMessage,
    DescribeUser,
    ListMessages,
    ListMessagesQuery,
    UpdateMessage,
)
from ...orm import ChatMessage, StudySession, User, new_id
from ...ratelimit import Limit, RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store
from ..groups.access import group_channel, is_admin, member_group
from ..sessions.access import (
    ensure_open,
    is_host,
    is_joined,
    room_session,
    session_channel,
    viewable_session,
)

TYPING_INTERVAL = timedelta(seconds=2)
"""At most one ``typing`` broadcast per user and conversation in this interval."""


@dataclass(frozen=True)
class Conversation:
    """Where a message belongs: ``kind`` is ``"session"`` or ``"group"``."""

    kind: str
    id: str

    @property
    def column(self):
        return ChatMessage.session_id if self.kind == "session" else ChatMessage.group_id

    @property
    def channel(self) -> str:
        return session_channel(self.id) if self.kind == "session" else group_channel(self.id)

    @classmethod
    def of(cls, message: ChatMessage) -> Conversation:
        if message.group_id is not None:
            return cls("group", message.group_id)
        return cls("session", message.session_id)


def session_chat(session_id: str) -> Conversation:
    return Conversation("session", session_id)


def group_chat(group_id: str) -> Conversation:
    return Conversation("group", group_id)


# -- who may read and write ----------------------------------------------------------------


async def writable_session(
    db: AsyncSession, session_id: str, actor: Identity, *, lock: bool = True
):
    """The session and the actor's membership, if the actor may write in its chat now.

    404 when they cannot see the session, 409 when it is over, 403 unless joined. With
    ``lock``, the session's row is locked until the transaction ends.
    """
    session, member = await viewable_session(db, session_id, actor, lock=lock)
    ensure_open(session, "its chat is read-only")
    if not is_joined(member):
        raise NotAuthorized("Join the session to chat.", "not_participant")
    return session, member


async def readable(db: AsyncSession, conv: Conversation, actor: Identity) -> None:
    if conv.kind == "session":
        await room_session(db, conv.id, actor, purpose="read its chat")
    else:
        await member_group(db, conv.id, actor, purpose="read its chat")


async def writable(
    db: AsyncSession, conv: Conversation, actor: Identity, *, lock: bool = True
) -> tuple[object, bool]:
    """The session or group, and whether the actor moderates its chat (the host or a
    co-host; a group admin), if the actor may write in it now."""
    if conv.kind == "session":
        session, member = await writable_session(db, conv.id, actor, lock=lock)
        return session, is_host(member)
    group, member = await member_group(db, conv.id, actor, lock=lock, purpose="chat")
    return group, is_admin(member)


def describe_message(message: ChatMessage, sender: User) -> DescribeMessage:
    """The message as clients see it; a deleted one has an empty text."""
    return DescribeMessage(
        id=message.id,
        session_id=message.session_id,
        group_id=message.group_id,
        sender=DescribeUser.model_validate(sender),
        text="" if message.deleted_at is not None else message.text,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted_at=message.deleted_at,
    )


def _not_found(message_id: str) -> NotFound:
    return NotFound(f"No message {message_id!r}.", "message_not_found")


class ChatManager:
    """The rules of chat; used by the REST handlers and the websocket ops alike."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        outbox: Outbox,
        limit: Limit = Limit(60, 60),  # noqa: B008 (frozen, immutable)
        typing_interval: timedelta = TYPING_INTERVAL,
    ):
        self.store = store
        self.clock = clock
        self.limiter = limiter
        self.outbox = outbox
        self.limit = limit
        self.typing_interval = typing_interval
        # (channel, username) -> when their last typing event was broadcast
        self._typing: dict[tuple[str, str], datetime] = {}

    # -- sessions and groups ---------------------------------------------------------------

    async def list_messages(
        self, actor: Identity, session_id: str, query: ListMessagesQuery
    ) -> ListMessages:
        """A page of a session's history (see :meth:`list_conversation`)."""
        return await self.list_conversation(actor, session_chat(session_id), query)

    async def list_group_messages(
        self, actor: Identity, group_id: str, query: ListMessagesQuery
    ) -> ListMessages:
        return await self.list_conversation(actor, group_chat(group_id), query)

    async def send_message(
        self, actor: Identity, session_id: str, request: CreateMessage, key: str | None = None
    ) -> DescribeMessage:
        return await self.send_to(actor, session_chat(session_id), request, key)

    async def send_group_message(
        self, actor: Identity, group_id: str, request: CreateMessage, key: str | None = None
    ) -> DescribeMessage:
        return await self.send_to(actor, group_chat(group_id), request, key)

    async def edit_message(
        self,
        actor: Identity,
        message_id: str,
        request: UpdateMessage,
        session_id: str | None = None,
        *,
        group_id: str | None = None,
    ) -> DescribeMessage:
        """Replace the text of one of the actor's own messages; broadcast as ``chat.edited``.
        ``session_id`` or ``group_id``, when given (REST), must be the message's."""
        async with self.store.transaction() as db:
            message, _ = await self._writable_message(
                db, actor, message_id, _named(session_id, group_id)
            )
            if message.sender != actor.username:
                raise NotAuthorized("You can only edit your own messages.", "not_author")
            if message.deleted_at is not None:
                raise Conflict(
                    "The message was deleted; it can no longer change.", "message_deleted"
                )
            self.limiter.hit("chat", actor.username, self.limit)
            message.text = request.text
            message.edited_at = self.clock.now()
            return await self._publish(db, message, "chat.edited")

    async def delete_message(
        self,
        actor: Identity,
        message_id: str,
        session_id: str | None = None,
        *,
        group_id: str | None = None,
    ) -> DescribeMessage:
        """Delete a message (its author, the host or a co-host; in a group, an admin),
        leaving a tombstone; broadcast as ``chat.deleted``. Deleting it again returns the
        tombstone and changes nothing."""
        async with self.store.transaction() as db:
            message, moderator = await self._writable_message(
                db, actor, message_id, _named(session_id, group_id)
            )
            if message.sender != actor.username and not moderator:
                raise NotAuthorized(
                    "Only its author, the host or a co-host (in a group: an admin) can delete "
                    "a message.",
                    "not_author",
                )
            if message.deleted_at is not None:
                return describe_message(message, await db.get(User, message.sender))
            message.text = ""
            message.deleted_at = self.clock.now()
            return await self._publish(db, message, "chat.deleted")

    # -- any conversation ----------------------------------------------------------------

    async def list_conversation(
        self, actor: Identity, conv: Conversation, query: ListMessagesQuery
    ) -> ListMessages:
        """A page of the history: the newest ``limit`` messages before ``query.before``,
        oldest first within the page, with the cursor of the next (older) page."""
        async with self.store.read() as db:
            await readable(db, conv, actor)
            rows = (
                select(ChatMessage, User)
                .join(User, User.username == ChatMessage.sender)
                .where(conv.column == conv.id)
            )
            if query.before is not None:
                anchor = await db.scalar(
                    select(ChatMessage).where(
                        ChatMessage.id == query.before, conv.column == conv.id
                    )
                )
                if anchor is None:
                    raise InvalidInput(
                        f"before: not the id of a message in this {conv.kind}", "invalid_cursor"
                    )
                rows = rows.where(
                    or_(
                        ChatMessage.created_at < anchor.created_at,
                        and_(
                            ChatMessage.created_at == anchor.created_at,
                            ChatMessage.id < anchor.id,
                        ),
                    )
                )
            newest = (
                await db.execute(
                    rows.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(
                        query.limit + 1
                    )
                )
            ).all()
        page = [describe_message(m, u) for m, u in reversed(newest[: query.limit])]
        more = len(newest) > query.limit
        return ListMessages(items=page, next_before=page[0].id if more else None)

    async def send_to(
        self, actor: Identity, conv: Conversation, request: CreateMessage, key: str | None = None
    ) -> DescribeMessage:
        """Post ``request.text`` as the actor; broadcast as ``chat.message``.

        With an idempotency ``key`` the actor sent before, the message that request created
        is returned and nothing changes, even if the chat has closed since (409 if the key
        was used for another message; see :mod:`~jupyter_studysession.idempotency`).

        The writes are Core statements (the hot path of the chat: the ORM's unit of work
        would cost more than the rest of the send)."""
        if (sent := await self._sent_before(actor, conv, request, key)) is not None:
            return sent
        async with self.store.transaction() as db:
            await writable(db, conv, actor)
            # again under the conversation's lock: a retry may have raced the first request
            if (earlier := await self._earlier(db, actor, conv, request, key)) is not None:
                return describe_message(earlier, await db.get(User, actor.username))
            self.limiter.hit("chat", actor.username, self.limit)
            now = self.clock.now()
            message = ChatMessage(
                id=new_id(),
                sender=actor.username,
                text=request.text,
                created_at=await self._next_time(db, conv, now),
                idempotency_key=key,
                edited_at=None,
                deleted_at=None,
            )
            setattr(message, conv.column.key, conv.id)
            columns = ChatMessage.__table__.c
            await db.execute(
                insert(ChatMessage.__table__).values(
                    {c.key: getattr(message, c.key) for c in columns}
                )
            )
            if conv.kind == "session":
                sessions = StudySession.__table__
                await db.execute(
                    update(sessions).where(sessions.c.id == conv.id).values(last_activity_at=now)
                )
            return await self._publish(db, message, "chat.message")

    async def _sent_before(
        self, actor: Identity, conv: Conversation, request: CreateMessage, key: str | None
    ) -> DescribeMessage | None:
        if key is None:
            return None
        async with self.store.read() as db:
            earlier = await self._earlier(db, actor, conv, request, key)
            if earlier is None:
                return None
            return describe_message(earlier, await db.get(User, actor.username))

    @staticmethod
    async def _earlier(
        db: AsyncSession,
        actor: Identity,
        conv: Conversation,
        request: CreateMessage,
        key: str | None,
    ) -> ChatMessage | None:
        """The message the actor sent earlier with ``key``, if it was this same request."""
        earlier = await idempotency.earlier(db, ChatMessage.sender, key, actor.username)
        if earlier is None:
            return None
        expected = {conv.column.key: conv.id}
        if earlier.edited_at is None and earlier.deleted_at is None:  # else its text changed
            expected["text"] = request.text
        return idempotency.same_or_reused(earlier, **expected)

    # -- typing --------------------------------------------------------------------------

    async def signal_typing(
        self, actor: Identity, session_id: str | None = None, *, group_id: str | None = None
    ) -> bool:
        """Tell the room (session or group) the actor is typing: an ephemeral ``typing``
        event, never stored.

        Throttled: at most one broadcast per user and conversation every
        ``typing_interval``; returns whether this one was broadcast. Only those who may
        write can type.
        """
        conv = _named(session_id, group_id)
        if conv is None:
            raise InvalidInput("Give a session_id or a group_id.")
        key = (conv.channel, actor.username)
        now = self.clock.now()
        last = self._typing.get(key)
        if last is not None and now - last < self.typing_interval:
            return False
        self._typing[key] = now  # taken before awaiting, so concurrent calls see it
        try:
            async with self.store.read() as db:
                await writable(db, conv, actor, lock=False)
        except StudySessionError:
            if last is None:
                self._typing.pop(key, None)
            else:
                self._typing[key] = last
            raise
        self._forget_typing(now)
        user = {"username": actor.username, "display_name": actor.display_name}
        await self.outbox.publish_ephemeral(conv.channel, "typing", {"user": user})
        return True

    def _forget_typing(self, now: datetime, max_keys: int = 10_000) -> None:
        """Bound the throttle's memory: drop entries too old to throttle anything."""
        if len(self._typing) > max_keys:
            cutoff = now - self.typing_interval
            for key in [k for k, when in self._typing.items() if when <= cutoff]:
                del self._typing[key]

    # -- helpers -------------------------------------------------------------------------

    async def _writable_message(
        self, db: AsyncSession, actor: Identity, message_id: str, conv: Conversation | None
    ) -> tuple[ChatMessage, bool]:
        """The message and whether the actor moderates its conversation, if the actor may
        write there.

        The session's (group's) row is locked before the message is read, so concurrent
        edits and deletes of one message apply one after the other, each on the latest state.
        """
        if conv is None:  # a websocket op names the message only
            found = await db.scalar(select(ChatMessage).where(ChatMessage.id == message_id))
            if found is None:
                raise _not_found(message_id)
            conv = Conversation.of(found)
            try:
                _, moderator = await writable(db, conv, actor)
            except NotFound:
                raise _not_found(message_id) from None
        else:
            _, moderator = await writable(db, conv, actor)
        # read again under the lock: the row read above (to find the conversation) may be
        # stale, and the session keeps the object it loaded unless told to refresh it
        message = await db.scalar(
            select(ChatMessage)
            .where(ChatMessage.id == message_id, conv.column == conv.id)
            .execution_options(populate_existing=True)
        )
        if message is None:
            raise _not_found(message_id)
        return message, moderator

    async def _next_time(self, db: AsyncSession, conv: Conversation, now: datetime) -> datetime:
        """``now``, or just after the conversation's latest message if the clock says
        otherwise (two messages in one microsecond, a clock set back, replicas' clocks
        apart): the history's order stays the order in which messages were sent."""
        latest = await db.scalar(
            select(ChatMessage.created_at)
            .where(conv.column == conv.id)
            .order_by(ChatMessage.created_at.desc())
            .limit(1)
        )
        if latest is None or now > latest:
            return now
        return latest + timedelta(microseconds=1)

    async def _publish(self, db: AsyncSession, message: ChatMessage, type: str) -> DescribeMessage:
        """Append the durable ``type`` event carrying the message; return the message."""
        described = describe_message(message, await db.get(User, message.sender))
        await self.outbox.append(
            db,
            Conversation.of(message).channel,
            type,
            {"message": described.model_dump(mode="json")},
        )
        return described


def _named(session_id: str | None, group_id: str | None) -> Conversation | None:
    if group_id is not None:
        return group_chat(group_id)
    if session_id is not None:
        return session_chat(session_id)
    return None
