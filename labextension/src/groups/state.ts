/**
 * The pure rules of the Groups views: sorting the user's groups, and how the
 * live events of `group:<id>` change an open group. No I/O, unit-tested.
 */
import type { ISession } from '../common/api';
import type {
  RealtimeEvent,
  SessionSnapshot
} from '../common/realtimeProtocol';
import type { IGroup, IGroupMember } from './api';

/** The groups the user joined and the ones they are invited to. */
export function partitionGroups(groups: readonly IGroup[]): {
  joined: IGroup[];
  invited: IGroup[];
} {
  return {
    joined: groups.filter(g => g.my_state === 'joined'),
    invited: groups.filter(g => g.my_state === 'invited')
  };
}

/** What an open group shows. */
export interface IGroupDetail {
  group: IGroup;
  /** Joined members first (admins first), then invitees; by name. */
  members: IGroupMember[];
  /** Newest first. */
  sessions: ISession[];
  /** The group is gone for this user (deleted, or they left or were removed). */
  gone: string | null;
}

/** Members in display order: joined before invited, admins first, then by name. */
export function sortMembers(members: readonly IGroupMember[]): IGroupMember[] {
  const rank = (m: IGroupMember): number =>
    (m.state === 'joined' ? 0 : 2) + (m.role === 'admin' ? 0 : 1);
  return [...members].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.user.display_name.localeCompare(b.user.display_name)
  );
}

function upsertSession(
  sessions: readonly ISession[],
  snapshot: SessionSnapshot
): ISession[] {
  const known = sessions.find(s => s.id === snapshot.id);
  const merged: ISession = {
    my_role: known?.my_role ?? null,
    my_state: known?.my_state ?? null,
    ...snapshot
  };
  const rest = sessions.filter(s => s.id !== snapshot.id);
  return [merged, ...rest].sort((a, b) =>
    b.created_at.localeCompare(a.created_at)
  );
}

/**
 * Apply one event of the group's channel. `me` is the signed-in user's
 * username (their leaving or removal closes the group for them).
 */
export function applyGroupEvent(
  detail: IGroupDetail,
  event: RealtimeEvent,
  me: string
): IGroupDetail {
  const group = detail.group;
  switch (event.type) {
    case 'group.updated':
    case 'group.last_place':
      if (event.data.group.id !== group.id) {
        return detail;
      }
      return { ...detail, group: { ...group, ...event.data.group } };
    case 'group.session_scheduled':
    case 'group.session_started':
    case 'group.session_ended':
      if (event.data.group.id !== group.id) {
        return detail;
      }
      return {
        ...detail,
        group: { ...group, ...event.data.group },
        sessions: upsertSession(detail.sessions, event.data.session)
      };
    case 'group.deleted':
      return event.data.group_id === group.id
        ? { ...detail, gone: 'This group was deleted.' }
        : detail;
    case 'member.invited':
    case 'member.joined':
    case 'member.updated': {
      const { member } = event.data;
      const members = sortMembers([
        ...detail.members.filter(m => m.user.username !== member.user.username),
        member
      ]);
      const joined = members.filter(m => m.state === 'joined').length;
      const mine =
        member.user.username === me
          ? { my_role: member.role, my_state: member.state }
          : {};
      return {
        ...detail,
        members,
        group: { ...group, member_count: joined, ...mine }
      };
    }
    case 'member.left':
    case 'member.removed': {
      const { member } = event.data;
      if (member.user.username === me) {
        return {
          ...detail,
          gone:
            event.type === 'member.removed'
              ? 'An admin removed you from this group.'
              : 'You left this group.'
        };
      }
      const members = detail.members.filter(
        m => m.user.username !== member.user.username
      );
      return {
        ...detail,
        members,
        group: {
          ...group,
          member_count: members.filter(m => m.state === 'joined').length
        }
      };
    }
    default:
      return detail;
  }
}

/** The `datetime-local` value of an instant, in the browser's zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The instant of a `datetime-local` value (local time), or null if invalid. */
export function fromLocalInput(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (match === null) {
    return null;
  }
  const [, y, mo, d, h, mi] = match.map(Number) as number[];
  const date = new Date(
    y as number,
    (mo as number) - 1,
    d as number,
    h as number,
    mi as number
  );
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Usernames from "ada, bob  carol": split on commas and spaces, once each. */
export function parseUsernames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map(s => s.trim().replace(/^@/, ''))
        .filter(s => s !== '')
    )
  ];
}
