"""Loading study groups and deciding who may see or change them; the group's channel; the
rules group sessions share with the session lifecycle (one active session, the last place).

Who sees what:

- a **public** group is visible to everyone; a **private** one to its members (invited or
  joined) and course staff; anyone else gets 404, as if it did not exist;
- the group's chat, presence and live channel ``group:<id>`` are for joined members;
- admins change the group, its members and its invite links.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...exceptions import Conflict, NotAuthorized, NotFound
from ...identity import Identity
from ...models import DescribeGroup, DescribeGroupMember, DescribeLastPlace, Place
from ...orm import GroupMember, GroupMemberState, GroupRole, SessionStatus, StudyGroup, StudySession


def group_channel(group_id: str) -> str:
    return f"group:{group_id}"


def _not_found(group_id: str) -> NotFound:
    return NotFound(f"No study group {group_id!r}.", "group_not_found")


async def load_group(db: AsyncSession, group_id: str, *, lock: bool = False) -> StudyGroup:
    query = select(StudyGroup).where(StudyGroup.id == group_id)
    if lock:
        query = query.with_for_update(of=StudyGroup)
    group = await db.scalar(query)
    if group is None:
        raise _not_found(group_id)
    return group


async def group_membership(db: AsyncSession, group_id: str, username: str) -> GroupMember | None:
    return await db.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group_id, GroupMember.username == username
        )
    )


def is_joined(member: GroupMember | None) -> bool:
    return member is not None and member.state == GroupMemberState.joined


def is_admin(member: GroupMember | None) -> bool:
    return is_joined(member) and member.role == GroupRole.admin


async def viewable_group(
    db: AsyncSession, group_id: str, actor: Identity, *, lock: bool = False
) -> tuple[StudyGroup, GroupMember | None]:
    """The group and the actor's membership; 404 when the actor may not know it exists."""
    group = await load_group(db, group_id, lock=lock)
    member = await group_membership(db, group_id, actor.username)
    if not (group.is_public or actor.is_staff or member is not None):
        raise _not_found(group_id)
    return group, member


async def member_group(
    db: AsyncSession,
    group_id: str,
    actor: Identity,
    *,
    lock: bool = False,
    purpose: str = "do this",
) -> tuple[StudyGroup, GroupMember]:
    """The group, if the actor joined it; 403 ``not_member`` for others who may see it."""
    group, member = await viewable_group(db, group_id, actor, lock=lock)
    if not is_joined(member):
        raise NotAuthorized(f"Join the group to {purpose}.", "not_member")
    return group, member


async def admin_group(
    db: AsyncSession, group_id: str, actor: Identity, *, lock: bool = True
) -> tuple[StudyGroup, GroupMember]:
    """The group, if the actor is one of its admins; 403 ``not_admin`` otherwise."""
    group, member = await viewable_group(db, group_id, actor, lock=lock)
    if not is_admin(member):
        raise NotAuthorized("Only an admin of the group can do this.", "not_admin")
    return group, member


async def joined_names(db: AsyncSession, group_id: str, exclude: str | None = None) -> list[str]:
    query = select(GroupMember.username).where(
        GroupMember.group_id == group_id, GroupMember.state == GroupMemberState.joined
    )
    if exclude is not None:
        query = query.where(GroupMember.username != exclude)
    return list(await db.scalars(query.order_by(GroupMember.id)))


async def authorize_group_channel(store, identity: Identity, group_id: str) -> None:
    """``group:<id>`` (and ``presence:group:<id>``) are for the group's joined members."""
    async with store.read() as db:
        await member_group(db, group_id, identity, purpose="follow it live")


# -- describing -------------------------------------------------------------------------


def describe_place(group: StudyGroup) -> DescribeLastPlace | None:
    if not group.last_place:
        return None
    return DescribeLastPlace(
        **group.last_place,
        set_by=group.last_place_by,
        set_at=group.last_place_at,
        session_id=group.last_place_session_id,
    )


async def describe_groups(
    db: AsyncSession, groups: Sequence[StudyGroup], actor: Identity
) -> list[DescribeGroup]:
    """Response models for ``groups``, with member counts, active sessions and the actor's
    membership, batched."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    counts = dict(
        (
            await db.execute(
                select(GroupMember.group_id, func.count())
                .where(GroupMember.group_id.in_(ids), GroupMember.state == GroupMemberState.joined)
                .group_by(GroupMember.group_id)
            )
        ).all()
    )
    mine = {
        m.group_id: m
        for m in await db.scalars(
            select(GroupMember).where(
                GroupMember.group_id.in_(ids), GroupMember.username == actor.username
            )
        )
    }
    active = dict(
        (
            await db.execute(
                select(StudySession.group_id, StudySession.id).where(
                    StudySession.group_id.in_(ids), StudySession.status == SessionStatus.active
                )
            )
        ).all()
    )
    described = []
    for group in groups:
        member = mine.get(group.id)
        described.append(
            DescribeGroup(
                id=group.id,
                name=group.name,
                description=group.description,
                subject=group.subject,
                is_public=group.is_public,
                max_members=group.max_members,
                member_count=counts.get(group.id, 0),
                created_by=group.created_by,
                created_at=group.created_at,
                updated_at=group.updated_at,
                last_place=describe_place(group),
                active_session_id=active.get(group.id),
                my_role=member.role if member else None,
                my_state=member.state if member else None,
            )
        )
    return described


async def describe_group(db: AsyncSession, group: StudyGroup, actor: Identity) -> DescribeGroup:
    return (await describe_groups(db, [group], actor))[0]


# -- live events on the group channel ----------------------------------------------------

NOBODY = Identity(username="", display_name="")


async def publish_group(outbox, db: AsyncSession, group: StudyGroup, type: str, **extra) -> None:
    """A durable ``group.*`` event with the group as everyone sees it."""
    await db.flush()
    described = await describe_group(db, group, NOBODY)
    data = described.model_dump(mode="json", exclude={"my_role", "my_state"})
    await outbox.append(db, group_channel(group.id), type, {"group": data, **extra})


async def publish_member(outbox, db: AsyncSession, member: GroupMember, type: str) -> None:
    """A durable ``member.*`` event (invited, joined, left, updated, removed)."""
    await db.flush()
    await db.refresh(member, ["user"])
    data = DescribeGroupMember.model_validate(member).model_dump(mode="json")
    await outbox.append(db, group_channel(member.group_id), type, {"member": data})


# -- group sessions (called by the session lifecycle) ------------------------------------


async def claim_active_slot(db: AsyncSession, group_id: str, session_id: str | None = None):
    """Lock the group's row, then make sure it has no active session (other than
    ``session_id``): 409 ``group_session_active`` otherwise.

    The lock serialises every start of a session of this group (PostgreSQL: ``SELECT … FOR
    UPDATE``; SQLite: the write transaction holds the database lock), so two "start now"
    calls at once cannot both see no active session.
    """
    group = await load_group(db, group_id, lock=True)
    query = select(StudySession.id).where(
        StudySession.group_id == group_id, StudySession.status == SessionStatus.active
    )
    if session_id is not None:
        query = query.where(StudySession.id != session_id)
    active = await db.scalar(query.limit(1))
    if active is not None:
        raise Conflict(
            f"The group already has an active session ({active}); join it or end it first.",
            "group_session_active",
        )
    return group


def store_place(
    group: StudyGroup, place: Place, username: str, now: datetime, session_id: str | None
) -> None:
    group.last_place = place.model_dump(mode="json")
    group.last_place_by = username
    group.last_place_at = now
    group.last_place_session_id = session_id


async def group_session_started(outbox, db: AsyncSession, group: StudyGroup, session: dict):
    await publish_group(outbox, db, group, "group.session_started", session=session)


async def group_session_ended(
    outbox,
    db: AsyncSession,
    session: StudySession,
    username: str,
    now: datetime,
    place: Place | None,
    described: dict[str, Any],
) -> None:
    """A group session ended: keep where it stopped as the group's last place (``place``
    when the end carries one; otherwise the last place set during the session stays), and
    tell the group."""
    group = await db.scalar(
        select(StudyGroup).where(StudyGroup.id == session.group_id).with_for_update()
    )
    if group is None:  # the group was deleted meanwhile
        return
    if place is not None:
        store_place(group, place, username, now, session.id)
    group.updated_at = now
    await publish_group(outbox, db, group, "group.session_ended", session=described)
