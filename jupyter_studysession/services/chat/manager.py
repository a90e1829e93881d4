"""Chat in a session room: history, send, edit, delete (tombstones) and typing indicators.

Who may do what:

- **read** the history: members who joined (now or before) and course staff; others who can
  see the session get 403, everyone else 404 (the session stays invisible to them);
- **write** (send, edit, delete): participants joined now, while the session is scheduled or
  active; the chat of a completed or cancelled session is read-only (409);
- **edit** your own messages; **delete** your own, or any as the host or a co-host. A deleted
  message stays as a tombstone: its row, sender and times are kept, its text is erased.

Every change is one transaction that appends its durable event (``chat.message``,
``chat.edited``, ``chat.deleted``) to the session's channel; the event is published after the
commit. Chat writes lock the session's row first, so they are serialised per session: the
order of the history is the order of the events, and no message lands in a session that has
just ended. Typing indicators are ephemeral and throttled in memory, per server process.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
from ...orm import ChatMessage, User, new_id
from ...ratelimit import Limit, RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store
from ..sessions.access import (
    ensure_open,
    is_host,
    is_joined,
    room_session,
    session_channel,
    viewable_session,
)

TYPING_INTERVAL = timedelta(seconds=2)
"""At most one ``typing`` broadcast per user and session in this interval."""


# -- who may write (reading is ``room_session``'s rule) ------------------------------------


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


def describe_message(message: ChatMessage, sender: User) -> DescribeMessage:
    """The message as clients see it; a deleted one has an empty text."""
    return DescribeMessage(
        id=message.id,
        session_id=message.session_id,
        sender=DescribeUser.model_validate(sender),
        text="" if message.deleted_at is not None else message.text,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted_at=message.deleted_at,
    )


def _not_found(message_id: str) -> NotFound:
    return NotFound(f"No message {message_id!r}.", "message_not_found")


class ChatManager:
    """The rules of session chat; used by the REST handlers and the websocket ops alike."""

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
        # (session_id, username) -> when their last typing event was broadcast
        self._typing: dict[tuple[str, str], datetime] = {}

    # -- read ----------------------------------------------------------------------------

    async def list_messages(
        self, actor: Identity, session_id: str, query: ListMessagesQuery
    ) -> ListMessages:
        """A page of the history: the newest ``limit`` messages before ``query.before``,
        oldest first within the page, with the cursor of the next (older) page."""
        async with self.store.read() as db:
            await room_session(db, session_id, actor, purpose="read its chat")
            rows = (
                select(ChatMessage, User)
                .join(User, User.username == ChatMessage.sender)
                .where(ChatMessage.session_id == session_id)
            )
            if query.before is not None:
                anchor = await db.scalar(
                    select(ChatMessage).where(
                        ChatMessage.id == query.before, ChatMessage.session_id == session_id
                    )
                )
                if anchor is None:
                    raise InvalidInput(
                        "before: not the id of a message in this session", "invalid_cursor"
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

    # -- write ---------------------------------------------------------------------------

    async def send_message(
        self, actor: Identity, session_id: str, request: CreateMessage
    ) -> DescribeMessage:
        """Post ``request.text`` as the actor; broadcast as ``chat.message``."""
        async with self.store.transaction() as db:
            session, _ = await writable_session(db, session_id, actor)
            self.limiter.hit("chat", actor.username, self.limit)
            now = self.clock.now()
            message = ChatMessage(
                id=new_id(),
                session_id=session_id,
                sender=actor.username,
                text=request.text,
                created_at=await self._next_time(db, session_id, now),
            )
            db.add(message)
            session.last_activity_at = now
            return await self._publish(db, message, "chat.message")

    async def edit_message(
        self,
        actor: Identity,
        message_id: str,
        request: UpdateMessage,
        session_id: str | None = None,
    ) -> DescribeMessage:
        """Replace the text of one of the actor's own messages; broadcast as ``chat.edited``.
        ``session_id``, when given (REST), must be the message's session."""
        async with self.store.transaction() as db:
            message, _ = await self._writable_message(db, actor, message_id, session_id)
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
        self, actor: Identity, message_id: str, session_id: str | None = None
    ) -> DescribeMessage:
        """Delete a message (its author, the host or a co-host), leaving a tombstone; broadcast
        as ``chat.deleted``. Deleting it again returns the tombstone and changes nothing."""
        async with self.store.transaction() as db:
            message, member = await self._writable_message(db, actor, message_id, session_id)
            if message.sender != actor.username and not is_host(member):
                raise NotAuthorized(
                    "Only its author, the host or a co-host can delete a message.", "not_author"
                )
            if message.deleted_at is not None:
                return describe_message(message, await db.get(User, message.sender))
            message.text = ""
            message.deleted_at = self.clock.now()
            return await self._publish(db, message, "chat.deleted")

    # -- typing --------------------------------------------------------------------------

    async def signal_typing(self, actor: Identity, session_id: str) -> bool:
        """Tell the room the actor is typing (an ephemeral ``typing`` event, never stored).

        Throttled: at most one broadcast per user and session every ``typing_interval``;
        returns whether this one was broadcast. Only participants who may write can type.
        """
        key = (session_id, actor.username)
        now = self.clock.now()
        last = self._typing.get(key)
        if last is not None and now - last < self.typing_interval:
            return False
        self._typing[key] = now  # taken before awaiting, so concurrent calls see it
        try:
            async with self.store.read() as db:
                await writable_session(db, session_id, actor, lock=False)
        except StudySessionError:
            if last is None:
                self._typing.pop(key, None)
            else:
                self._typing[key] = last
            raise
        self._forget_typing(now)
        user = {"username": actor.username, "display_name": actor.display_name}
        await self.outbox.publish_ephemeral(session_channel(session_id), "typing", {"user": user})
        return True

    def _forget_typing(self, now: datetime, max_keys: int = 10_000) -> None:
        """Bound the throttle's memory: drop entries too old to throttle anything."""
        if len(self._typing) > max_keys:
            cutoff = now - self.typing_interval
            for key in [k for k, when in self._typing.items() if when <= cutoff]:
                del self._typing[key]

    # -- helpers -------------------------------------------------------------------------

    async def _writable_message(
        self, db: AsyncSession, actor: Identity, message_id: str, session_id: str | None
    ):
        """The message and the actor's membership, if the actor may write in its session.

        The session's row is locked before the message is read, so concurrent edits and
        deletes of one message apply one after the other, each on the latest state.
        """
        if session_id is None:  # a websocket op names the message only
            session_id = await db.scalar(
                select(ChatMessage.session_id).where(ChatMessage.id == message_id)
            )
            if session_id is None:
                raise _not_found(message_id)
            try:
                _, member = await writable_session(db, session_id, actor)
            except NotFound:
                raise _not_found(message_id) from None
        else:
            _, member = await writable_session(db, session_id, actor)
        message = await db.scalar(
            select(ChatMessage).where(
                ChatMessage.id == message_id, ChatMessage.session_id == session_id
            )
        )
        if message is None:
            raise _not_found(message_id)
        return message, member

    async def _next_time(self, db: AsyncSession, session_id: str, now: datetime) -> datetime:
        """``now``, or just after the session's latest message if the clock says otherwise
        (two messages in one microsecond, a clock set back, replicas' clocks apart): the
        history's order stays the order in which messages were sent."""
        latest = await db.scalar(
            select(ChatMessage.created_at)
            .where(ChatMessage.session_id == session_id)
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
            session_channel(message.session_id),
            type,
            {"message": described.model_dump(mode="json")},
        )
        return described
