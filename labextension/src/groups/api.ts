/**
 * The REST client of study groups (`studysession/api/groups/...`, see the
 * README's REST API table).
 */
import {
  IPage,
  ISession,
  IUserSummary,
  requestAPI,
  sendJSON
} from '../common/api';
import type { IChatMessage } from '../common/realtimeProtocol';

export type GroupRole = 'admin' | 'member';
export type GroupMemberState = 'invited' | 'joined';

/** Where the group got to in its material. */
export interface ILastPlace {
  notebook_path: string;
  section: string | null;
  cell: number | string | null;
  set_by: string | null;
  set_at: string | null;
  session_id: string | null;
}

/** A study group as `GET groups/<id>` describes it. */
export interface IGroup {
  id: string;
  name: string;
  description: string;
  subject: string | null;
  is_public: boolean;
  max_members: number;
  /** Members who joined. */
  member_count: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  last_place: ILastPlace | null;
  active_session_id: string | null;
  my_role: GroupRole | null;
  my_state: GroupMemberState | null;
}

/** A group as its channel's events describe it (the same for every member). */
export type GroupSnapshot = Omit<IGroup, 'my_role' | 'my_state'>;

export interface IGroupMember {
  user: IUserSummary;
  role: GroupRole;
  state: GroupMemberState;
  invited_by: string | null;
  invited_at: string | null;
  joined_at: string | null;
}

export interface IGroupInviteLink {
  id: string;
  group_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  /** Only in the answer that created the link. */
  token: string | null;
}

/** The fields of `POST groups`. */
export interface ICreateGroup {
  name: string;
  description?: string;
  subject?: string | null;
  is_public?: boolean;
  max_members?: number;
  invite?: string[];
}

/** The fields of `POST groups/<id>/sessions` (a scheduled group session). */
export interface IScheduleGroupSession {
  title: string;
  description?: string;
  scheduled_at: string;
}

function path(groupId: string, rest = ''): string {
  return `groups/${encodeURIComponent(groupId)}${rest}`;
}

/** My groups, joined or invited to (the first 100). */
export async function listMyGroups(): Promise<IGroup[]> {
  return (await requestAPI<IPage<IGroup>>('groups?limit=100')).items;
}

/** Public groups I have not joined (the first 100). */
export async function browseGroups(): Promise<IGroup[]> {
  return (await requestAPI<IPage<IGroup>>('groups/browse?limit=100')).items;
}

export function getGroup(groupId: string): Promise<IGroup> {
  return requestAPI<IGroup>(path(groupId));
}

export function createGroup(request: ICreateGroup): Promise<IGroup> {
  return sendJSON<IGroup>('groups', request);
}

/** Join a public group, one I was invited to, or with an invite link's token. */
export function joinGroup(
  groupId: string,
  inviteToken: string | null = null
): Promise<IGroup> {
  return sendJSON<IGroup>(
    path(groupId, '/join'),
    inviteToken ? { invite_token: inviteToken } : {}
  );
}

export function leaveGroup(groupId: string): Promise<IGroup> {
  return sendJSON<IGroup>(path(groupId, '/leave'));
}

export async function listMembers(groupId: string): Promise<IGroupMember[]> {
  return (
    await requestAPI<{ items: IGroupMember[] }>(path(groupId, '/members'))
  ).items;
}

/** Admins: an invite link valid for `hours`; its token is shown only now. */
export function createInviteLink(
  groupId: string,
  hours = 24 * 7
): Promise<IGroupInviteLink> {
  return sendJSON<IGroupInviteLink>(path(groupId, '/invite-links'), {
    expires_in_hours: hours
  });
}

/** The group's sessions, newest first (the first 20). */
export async function listGroupSessions(groupId: string): Promise<ISession[]> {
  return (await requestAPI<IPage<ISession>>(path(groupId, '/sessions'))).items;
}

/** Schedule a group session: I host, every member is invited. */
export function scheduleGroupSession(
  groupId: string,
  request: IScheduleGroupSession
): Promise<ISession> {
  return sendJSON<ISession>(path(groupId, '/sessions'), {
    type: 'group',
    ...request
  });
}

/** Start a group session now: active, I host, every member is invited. */
export function startGroupSession(
  groupId: string,
  title: string | null = null
): Promise<ISession> {
  return sendJSON<ISession>(
    path(groupId, '/sessions/now'),
    title ? { title } : {}
  );
}

/** One page of the group's chat history, oldest first. */
export function listGroupMessages(
  groupId: string,
  before: string | null,
  limit = 50
): Promise<{ items: IChatMessage[]; next_before: string | null }> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== null) {
    query.set('before', before);
  }
  return requestAPI(path(groupId, `/messages?${query.toString()}`));
}
