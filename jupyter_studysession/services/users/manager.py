"""Users as the database knows them: recorded the first time the server identifies them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...clock import Clock
from ...identity import Identity
from ...models import DescribeMe
from ...orm import User
from ...store import Store


async def record_user(db: AsyncSession, identity: Identity, now: datetime) -> User:
    """Insert or refresh the user's row from the identity the server gave us."""
    user = await db.get(User, identity.username)
    if user is None:
        user = User(username=identity.username, first_seen=now, display_name=identity.display_name)
        db.add(user)
    user.display_name = identity.display_name
    user.initials = identity.initials
    user.color = identity.color
    user.avatar_url = identity.avatar_url
    user.last_seen = now
    return user


async def ensure_users(db: AsyncSession, usernames: list[str], now: datetime) -> dict[str, User]:
    """Rows for users named by others (invitees) who may not have logged in yet."""
    wanted = list(dict.fromkeys(usernames))
    rows = (await db.scalars(select(User).where(User.username.in_(wanted)))).all()
    found = {u.username: u for u in rows}
    for name in wanted:
        if name not in found:
            found[name] = User(username=name, display_name=name, first_seen=now)
            db.add(found[name])
    return found


class UserManager:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock

    async def describe_me(self, actor: Identity) -> DescribeMe:
        """The actor as the server identifies them; recorded so others can find and invite
        them by name."""
        async with self.store.transaction() as db:
            await record_user(db, actor, self.clock.now())
        return DescribeMe(
            username=actor.username,
            display_name=actor.display_name,
            initials=actor.initials,
            color=actor.color,
            avatar_url=actor.avatar_url,
            course_role=actor.course_role,
        )
