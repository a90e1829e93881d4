"""Users as the database knows them: recorded the first time the server identifies them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ...clock import Clock
from ...exceptions import InvalidInput
from ...identity import Identity
from ...models import (
    DescribeMe,
    DescribeUser,
    DescribeUserSuggestion,
    ListUserSuggestions,
    SuggestUsersQuery,
)
from ...orm import GroupMember, GroupMemberState, Participant, ParticipantState, User
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


async def ensure_users(db: AsyncSession, usernames: list[str]) -> dict[str, User]:
    """The rows of users named by others (invitees), who must be known to the server: it has
    seen them, or its identity provider lists them (:func:`record_roster`). Otherwise 400
    ``unknown_users``, naming them (every invite path answers the same)."""
    wanted = list(dict.fromkeys(usernames))
    rows = (await db.scalars(select(User).where(User.username.in_(wanted)))).all()
    found = {u.username: u for u in rows}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise InvalidInput(
            f"No such users: {', '.join(unknown)}. People can be invited once they have "
            "opened JupyterLab with study sessions; check the spelling.",
            "unknown_users",
        )
    return found


async def record_roster(db: AsyncSession, users: dict[str, Identity], now: datetime) -> int:
    """Record the users an identity provider lists (so they can be invited before their first
    login) that the database does not know yet. Returns how many were new."""
    known = set(await db.scalars(select(User.username).where(User.username.in_(list(users)))))
    new = [identity for name, identity in users.items() if name not in known]
    for identity in new:
        db.add(
            User(
                username=identity.username,
                display_name=identity.display_name,
                initials=identity.initials,
                color=identity.color,
                avatar_url=identity.avatar_url,
                first_seen=now,
            )
        )
    return len(new)


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

    async def suggest_people(
        self, actor: Identity, query: SuggestUsersQuery
    ) -> ListUserSuggestions:
        """People the actor has studied with (members of a session or a study group with
        them, removed members aside) whose username or display name contains ``q``: the
        ones shared with most often first. Never anyone else, whatever the actor's role."""
        mine, theirs = aliased(Participant), aliased(Participant)
        sessions = (
            select(theirs.username, func.count())
            .join(mine, mine.session_id == theirs.session_id)
            .where(
                mine.username == actor.username,
                theirs.username != actor.username,
                mine.state != ParticipantState.removed,
                theirs.state != ParticipantState.removed,
            )
            .group_by(theirs.username)
        )
        my_group, their_group = aliased(GroupMember), aliased(GroupMember)
        groups = (
            select(their_group.username, func.count())
            .join(my_group, my_group.group_id == their_group.group_id)
            .where(
                my_group.username == actor.username,
                their_group.username != actor.username,
                my_group.state == GroupMemberState.joined,
            )
            .group_by(their_group.username)
        )
        async with self.store.read() as db:
            shared_sessions = {name: n for name, n in await db.execute(sessions)}
            shared_groups = {name: n for name, n in await db.execute(groups)}
            names = set(shared_sessions) | set(shared_groups)
            users = (
                (await db.scalars(select(User).where(User.username.in_(names)))).all()
                if names
                else []
            )
        needle = query.q.strip().casefold()
        found = [
            u
            for u in users
            if needle in u.username.casefold() or needle in (u.display_name or "").casefold()
        ]

        def rank(user: User):
            together = shared_sessions.get(user.username, 0) + shared_groups.get(user.username, 0)
            starts = user.username.casefold().startswith(needle) or (
                user.display_name or ""
            ).casefold().startswith(needle)
            return (not starts, -together, user.display_name.casefold(), user.username)

        return ListUserSuggestions(
            items=[
                DescribeUserSuggestion(
                    user=DescribeUser.model_validate(u),
                    shared_sessions=shared_sessions.get(u.username, 0),
                    shared_groups=shared_groups.get(u.username, 0),
                )
                for u in sorted(found, key=rank)[: query.limit]
            ]
        )
