"""Study groups: create, list, browse, update, delete; members and roles; invitations and
invite links; the group's last place.

Every public method is one transaction; changes are durable events on ``group:<id>``
(``group.updated``, ``group.deleted``, ``group.last_place``, ``member.*``), published after
the commit. Rules: the creator is the first admin; admins change the group and its members;
a group never loses its last admin (leaving, demotion and removal of the last admin are 409
``last_admin``); a full group refuses joins (409 ``group_full``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from ...clock import Clock
from ...exceptions import Conflict, NotAuthorized, NotFound
from ...identity import Identity
from ...models import (
    CreateGroup,
    CreateInviteLink,
    DescribeGroup,
    DescribeGroupInviteLink,
    DescribeGroupMember,
    InviteUsers,
    JoinGroup,
    ListGroupInviteLinks,
    ListGroupMembers,
    ListGroups,
    ListGroupsQuery,
    SetLastPlace,
    UpdateGroup,
    UpdateGroupMember,
)
from ...orm import (
    GroupInviteLink,
    GroupMember,
    GroupMemberState,
    GroupRole,
    StudyGroup,
    StudySession,
)
from ...realtime.access import revoke_access
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..sessions.access import next_cursor, paginate
from ..users.manager import ensure_users, record_user
from .access import (
    admin_group,
    describe_group,
    describe_groups,
    group_channel,
    group_membership,
    is_joined,
    joined_names,
    member_group,
    publish_group,
    publish_member,
    store_place,
    viewable_group,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class GroupManager:
    def __init__(
        self, store: Store, clock: Clock, notifications: NotificationManager, outbox: Outbox
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.outbox = outbox

    # -- groups --------------------------------------------------------------------------

    async def create_group(self, actor: Identity, request: CreateGroup) -> DescribeGroup:
        """A new group with the actor as its admin; ``request.invite`` are invited."""
        now = self.clock.now()
        invitees = [u for u in dict.fromkeys(request.invite) if u != actor.username]
        async with self.store.transaction() as db:
            await record_user(db, actor, now)
            await ensure_users(db, invitees)
            group = StudyGroup(
                **request.model_dump(exclude={"invite"}),
                created_by=actor.username,
                created_at=now,
                updated_at=now,
            )
            db.add(group)
            await db.flush()
            db.add(
                GroupMember(
                    group_id=group.id,
                    username=actor.username,
                    role=GroupRole.admin,
                    state=GroupMemberState.joined,
                    joined_at=now,
                    updated_at=now,
                )
            )
            for name in invitees:
                db.add(self._invited(group.id, name, actor, now))
            await self._notify_invited(db, invitees, actor, group)
            await db.flush()
            return await describe_group(db, group, actor)

    async def get_group(self, actor: Identity, group_id: str) -> DescribeGroup:
        async with self.store.read() as db:
            group, _ = await viewable_group(db, group_id, actor)
            return await describe_group(db, group, actor)

    async def list_groups(self, actor: Identity, query: ListGroupsQuery) -> ListGroups:
        """The actor's groups (joined, or invited to), newest first."""
        mine = select(GroupMember.group_id).where(GroupMember.username == actor.username)
        return await self._page(actor, select(StudyGroup).where(StudyGroup.id.in_(mine)), query)

    async def browse_groups(self, actor: Identity, query: ListGroupsQuery) -> ListGroups:
        """Public groups the actor has not joined."""
        joined = select(GroupMember.group_id).where(
            GroupMember.username == actor.username, GroupMember.state == GroupMemberState.joined
        )
        groups = select(StudyGroup).where(
            StudyGroup.is_public.is_(True), StudyGroup.id.not_in(joined)
        )
        return await self._page(actor, groups, query)

    async def _page(self, actor: Identity, query, page: ListGroupsQuery) -> ListGroups:
        async with self.store.read() as db:
            rows = list(
                await db.scalars(
                    paginate(query, StudyGroup.created_at, StudyGroup.id, page.cursor, page.limit)
                )
            )
            rows, cursor = next_cursor(rows, page.limit, lambda g: (g.created_at, g.id))
            return ListGroups(items=await describe_groups(db, rows, actor), next_cursor=cursor)

    async def update_group(
        self, actor: Identity, group_id: str, request: UpdateGroup
    ) -> DescribeGroup:
        changes = request.model_dump(exclude_unset=True)
        async with self.store.transaction() as db:
            group, _ = await admin_group(db, group_id, actor)
            if not changes:
                return await describe_group(db, group, actor)
            if changes.get("max_members") is not None:
                count = len(await joined_names(db, group_id))
                if request.max_members < count:
                    raise Conflict(
                        f"The group has {count} members; max_members cannot be lower.",
                        "too_many_members",
                    )
            for field, value in changes.items():
                if value is not None or field in ("subject",):
                    setattr(group, field, value)
            group.updated_at = self.clock.now()
            await publish_group(self.outbox, db, group, "group.updated")
            return await describe_group(db, group, actor)

    async def delete_group(self, actor: Identity, group_id: str) -> DescribeGroup:
        """An admin deletes the group: members, links and chat go with it; its sessions stay,
        no longer attached to a group."""
        async with self.store.transaction() as db:
            group, _ = await admin_group(db, group_id, actor)
            described = await describe_group(db, group, actor)
            await self.outbox.append(
                db, group_channel(group_id), "group.deleted", {"group_id": group_id}
            )
            await revoke_access(
                self.outbox, db, group_channel(group_id), None, "deleted", "The group was deleted."
            )
            await db.execute(
                update(StudySession).where(StudySession.group_id == group_id).values(group_id=None)
            )
            await db.delete(group)
        return described

    # -- membership ----------------------------------------------------------------------

    async def join_group(self, actor: Identity, group_id: str, request: JoinGroup) -> DescribeGroup:
        """Join a public group, one you were invited to, or one whose invite link you have.
        Joining twice is harmless; a full group refuses (409 ``group_full``)."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            group = await db.scalar(
                select(StudyGroup).where(StudyGroup.id == group_id).with_for_update()
            )
            member = await group_membership(db, group_id, actor.username)
            link_ok = request.invite_token is not None and await self._valid_link(
                db, group_id, request.invite_token
            )
            if group is None:
                raise NotFound(f"No study group {group_id!r}.", "group_not_found")
            if member is None and not (group.is_public or link_ok):
                if request.invite_token is not None:
                    raise NotAuthorized(
                        "This invite link is invalid, expired or revoked.", "invalid_invite"
                    )
                if actor.is_staff:  # staff see private groups, but join them like anyone
                    raise NotAuthorized(
                        "This group is joined by invitation.", "invitation_required"
                    )
                raise NotFound(f"No study group {group_id!r}.", "group_not_found")
            if is_joined(member):
                return await describe_group(db, group, actor)
            count = len(await joined_names(db, group_id))
            if count >= group.max_members:
                raise Conflict(f"The group is full ({group.max_members} members).", "group_full")
            await record_user(db, actor, now)
            if member is None:
                member = GroupMember(
                    group_id=group_id, username=actor.username, role=GroupRole.member
                )
                db.add(member)
            member.state = GroupMemberState.joined
            member.joined_at = member.updated_at = now
            await publish_member(self.outbox, db, member, "member.joined")
            return await describe_group(db, group, actor)

    async def leave_group(self, actor: Identity, group_id: str) -> DescribeGroup:
        """Leave the group (or decline its invitation). The last admin hands over first."""
        async with self.store.transaction() as db:
            group, member = await viewable_group(db, group_id, actor, lock=True)
            if member is None:
                raise Conflict("You are not a member of this group.", "not_member")
            await self._ensure_not_last_admin(db, member, "leave")
            described_member = DescribeGroupMember.model_validate(member)
            if is_joined(member):
                await self.outbox.append(
                    db,
                    group_channel(group_id),
                    "member.left",
                    {"member": described_member.model_dump(mode="json")},
                )
                await revoke_access(
                    self.outbox,
                    db,
                    group_channel(group_id),
                    [actor.username],
                    "left",
                    "You left the group.",
                )
            await db.delete(member)
            await db.flush()
            return await describe_group(db, group, actor)

    async def invite_users(
        self, actor: Identity, group_id: str, request: InviteUsers
    ) -> ListGroupMembers:
        """Invite users (admins); members stay as they are."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            group, _ = await admin_group(db, group_id, actor)
            await ensure_users(db, request.usernames)
            existing = {
                m.username
                for m in await db.scalars(
                    select(GroupMember).where(GroupMember.group_id == group_id)
                )
            }
            invited = []
            for name in dict.fromkeys(request.usernames):
                if name in existing:
                    continue
                member = self._invited(group_id, name, actor, now)
                db.add(member)
                invited.append(name)
                await publish_member(self.outbox, db, member, "member.invited")
            await self._notify_invited(db, invited, actor, group)
            await db.flush()
            return await self._members(db, group_id)

    async def list_members(self, actor: Identity, group_id: str) -> ListGroupMembers:
        async with self.store.read() as db:
            await viewable_group(db, group_id, actor)
            return await self._members(db, group_id)

    async def update_member(
        self, actor: Identity, group_id: str, username: str, request: UpdateGroupMember
    ) -> DescribeGroupMember:
        """An admin promotes a member to admin or demotes an admin (never the last one)."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            await admin_group(db, group_id, actor)
            member = await self._member(db, group_id, username)
            if request.role == GroupRole.member:
                await self._ensure_not_last_admin(db, member, "step down")
            member.role = request.role
            member.updated_at = now
            await publish_member(self.outbox, db, member, "member.updated")
            return DescribeGroupMember.model_validate(member)

    async def remove_member(
        self, actor: Identity, group_id: str, username: str
    ) -> DescribeGroupMember:
        """An admin removes a member (or withdraws an invitation)."""
        async with self.store.transaction() as db:
            group, _ = await admin_group(db, group_id, actor)
            member = await self._member(db, group_id, username, joined_only=False)
            await self._ensure_not_last_admin(db, member, "be removed")
            described = DescribeGroupMember.model_validate(member)
            await self.outbox.append(
                db,
                group_channel(group_id),
                "member.removed",
                {"member": described.model_dump(mode="json")},
            )
            await self.notifications.notify(
                db,
                [username],
                "group_removed",
                f"You were removed from “{group.name}”",
                group_id=group_id,
            )
            await revoke_access(
                self.outbox,
                db,
                group_channel(group_id),
                [username],
                "removed",
                "An admin removed you from the group.",
            )
            await db.delete(member)
            return described

    async def _member(
        self, db, group_id: str, username: str, *, joined_only: bool = True
    ) -> GroupMember:
        member = await group_membership(db, group_id, username)
        if member is None or (joined_only and not is_joined(member)):
            raise NotFound(f"{username!r} is not a member of this group.", "member_not_found")
        return member

    @staticmethod
    async def _ensure_not_last_admin(db, member: GroupMember, what: str) -> None:
        if member.role != GroupRole.admin or member.state != GroupMemberState.joined:
            return
        admins = await db.scalar(
            select(func.count()).where(
                GroupMember.group_id == member.group_id,
                GroupMember.role == GroupRole.admin,
                GroupMember.state == GroupMemberState.joined,
            )
        )
        if admins <= 1:
            raise Conflict(
                f"The last admin cannot {what}: make another member an admin first "
                "(or delete the group).",
                "last_admin",
            )

    @staticmethod
    async def _members(db, group_id: str) -> ListGroupMembers:
        rows = await db.scalars(
            select(GroupMember).where(GroupMember.group_id == group_id).order_by(GroupMember.id)
        )
        return ListGroupMembers(items=[DescribeGroupMember.model_validate(m) for m in rows])

    @staticmethod
    def _invited(group_id: str, name: str, actor: Identity, now) -> GroupMember:
        return GroupMember(
            group_id=group_id,
            username=name,
            role=GroupRole.member,
            state=GroupMemberState.invited,
            invited_by=actor.username,
            invited_at=now,
            updated_at=now,
        )

    async def _notify_invited(self, db, names: list[str], actor: Identity, group: StudyGroup):
        await self.notifications.notify(
            db,
            names,
            "group_invite",
            f"{actor.display_name} invited you to the study group “{group.name}”",
            group_id=group.id,
        )

    # -- invite links --------------------------------------------------------------------

    async def create_invite_link(
        self, actor: Identity, group_id: str, request: CreateInviteLink
    ) -> DescribeGroupInviteLink:
        """A new link token; only its hash is stored, so it is returned just this once."""
        now = self.clock.now()
        token = secrets.token_urlsafe(24)
        async with self.store.transaction() as db:
            await admin_group(db, group_id, actor)
            link = GroupInviteLink(
                group_id=group_id,
                token_hash=hash_token(token),
                created_by=actor.username,
                created_at=now,
                expires_at=now + timedelta(hours=request.expires_in_hours),
            )
            db.add(link)
            await db.flush()
            return DescribeGroupInviteLink.model_validate(link).model_copy(update={"token": token})

    async def list_invite_links(self, actor: Identity, group_id: str) -> ListGroupInviteLinks:
        async with self.store.read() as db:
            await admin_group(db, group_id, actor, lock=False)
            rows = await db.scalars(
                select(GroupInviteLink)
                .where(GroupInviteLink.group_id == group_id)
                .order_by(GroupInviteLink.created_at, GroupInviteLink.id)
            )
            return ListGroupInviteLinks(
                items=[DescribeGroupInviteLink.model_validate(x) for x in rows]
            )

    async def revoke_invite_link(
        self, actor: Identity, group_id: str, link_id: str
    ) -> DescribeGroupInviteLink:
        async with self.store.transaction() as db:
            await admin_group(db, group_id, actor)
            link = await db.get(GroupInviteLink, link_id)
            if link is None or link.group_id != group_id:
                raise NotFound(f"No invite link {link_id!r} in this group.", "link_not_found")
            if link.revoked_at is None:
                link.revoked_at = self.clock.now()
            return DescribeGroupInviteLink.model_validate(link)

    async def _valid_link(self, db, group_id: str, token: str) -> bool:
        link = await db.scalar(
            select(GroupInviteLink).where(GroupInviteLink.token_hash == hash_token(token))
        )
        return bool(
            link is not None
            and link.group_id == group_id
            and link.revoked_at is None
            and link.expires_at > self.clock.now()
        )

    # -- last place ----------------------------------------------------------------------

    async def set_last_place(
        self, actor: Identity, group_id: str, request: SetLastPlace
    ) -> DescribeGroup:
        """A member records where the group got to; during an active group session it is
        attributed to that session (and kept when the session ends)."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            group, _ = await member_group(db, group_id, actor, lock=True, purpose="set its place")
            active = await db.scalar(
                select(StudySession.id).where(
                    StudySession.group_id == group_id, StudySession.status == "active"
                )
            )
            store_place(group, request, actor.username, now, active)
            group.updated_at = now
            await publish_group(self.outbox, db, group, "group.last_place")
            return await describe_group(db, group, actor)
