import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RealtimeEvent } from '../src/common/realtimeProtocol';
import type { IGroup, IGroupMember } from '../src/groups/api';
import {
  buildInviteLink,
  parseInviteLink,
  withoutInvite
} from '../src/groups/inviteLink';
import {
  applyGroupEvent,
  fromLocalInput,
  IGroupDetail,
  partitionGroups,
  sortMembers,
  toLocalInput
} from '../src/groups/state';

const user = (username: string) => ({
  username,
  display_name: username[0]?.toUpperCase() + username.slice(1),
  initials: null,
  color: null,
  avatar_url: null
});

function group(overrides: Partial<IGroup> = {}): IGroup {
  return {
    id: 'g1',
    name: 'Linear algebra',
    description: '',
    subject: null,
    is_public: false,
    max_members: 20,
    member_count: 2,
    created_by: 'alice',
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    last_place: null,
    active_session_id: null,
    my_role: 'member',
    my_state: 'joined',
    ...overrides
  };
}

function member(
  username: string,
  overrides: Partial<IGroupMember> = {}
): IGroupMember {
  return {
    user: user(username),
    role: 'member',
    state: 'joined',
    invited_by: null,
    invited_at: null,
    joined_at: '2025-01-01T00:00:00Z',
    ...overrides
  };
}

function event(type: string, data: unknown): RealtimeEvent {
  return { channel: 'group:g1', seq: 1, type, data } as RealtimeEvent;
}

const detail: IGroupDetail = {
  group: group(),
  members: [member('alice', { role: 'admin' }), member('bob')],
  sessions: [],
  gone: null
};

describe('invite links', () => {
  it('should round-trip the group and the token', () => {
    const link = buildInviteLink(
      'http://127.0.0.1:8888/user/ada/',
      'g1',
      'a+b/c='
    );
    assert.equal(
      link,
      'http://127.0.0.1:8888/user/ada/lab?studysession-group=g1&invite_token=a%2Bb%2Fc%3D'
    );
    assert.deepEqual(parseInviteLink(`  ${link}  `), {
      groupId: 'g1',
      token: 'a+b/c='
    });
    assert.deepEqual(parseInviteLink('?studysession-group=g2&invite_token=t'), {
      groupId: 'g2',
      token: 't'
    });
  });

  it('should refuse what is not an invite link', () => {
    assert.equal(parseInviteLink(''), null);
    assert.equal(parseInviteLink('hello'), null);
    assert.equal(parseInviteLink('http://x/lab?studysession-group=g1'), null);
    assert.equal(parseInviteLink('http://x/lab?invite_token=t'), null);
  });

  it('should tidy the query string', () => {
    assert.equal(
      withoutInvite('?reset&studysession-group=g1&invite_token=t'),
      '?reset='
    );
    assert.equal(withoutInvite('?studysession-group=g1&invite_token=t'), '');
  });
});

describe('group lists', () => {
  it('should tell joined groups from invitations', () => {
    const { joined, invited } = partitionGroups([
      group({ id: 'a' }),
      group({ id: 'b', my_state: 'invited' }),
      group({ id: 'c', my_state: null })
    ]);
    assert.deepEqual(
      joined.map(g => g.id),
      ['a']
    );
    assert.deepEqual(
      invited.map(g => g.id),
      ['b']
    );
  });

  it('should list admins first, then members, then invitees', () => {
    const sorted = sortMembers([
      member('zoe', { state: 'invited' }),
      member('carol'),
      member('bob', { role: 'admin' }),
      member('alice')
    ]);
    assert.deepEqual(
      sorted.map(m => m.user.username),
      ['bob', 'alice', 'carol', 'zoe']
    );
  });
});

describe('applyGroupEvent', () => {
  it('should add a member who joins and count them', () => {
    const next = applyGroupEvent(
      detail,
      event('member.joined', { member: member('carol') }),
      'alice'
    );
    assert.deepEqual(
      next.members.map(m => m.user.username),
      ['alice', 'bob', 'carol']
    );
    assert.equal(next.group.member_count, 3);
  });

  it('should close the group for a member who is removed', () => {
    const next = applyGroupEvent(
      detail,
      event('member.removed', { member: member('bob') }),
      'bob'
    );
    assert.equal(next.gone, 'An admin removed you from this group.');
    const other = applyGroupEvent(
      detail,
      event('member.left', { member: member('bob') }),
      'alice'
    );
    assert.equal(other.gone, null);
    assert.equal(other.group.member_count, 1);
  });

  it('should keep my role when the group changes and add its sessions', () => {
    const {
      my_role: _role,
      my_state: _state,
      ...snapshot
    } = group({
      name: 'Linear algebra II',
      active_session_id: 's1'
    });
    const session = {
      id: 's1',
      title: 'Now',
      description: '',
      type: 'group',
      subject: null,
      tags: [],
      status: 'active',
      max_participants: 20,
      is_public: false,
      scheduled_at: null,
      started_at: '2025-01-06T10:00:00Z',
      ended_at: null,
      duration_minutes: null,
      settings: {},
      host: user('bob'),
      participant_count: 1,
      created_at: '2025-01-06T10:00:00Z',
      updated_at: '2025-01-06T10:00:00Z'
    };
    const next = applyGroupEvent(
      { ...detail, group: group({ my_role: 'admin' }) },
      event('group.session_started', { group: snapshot, session }),
      'alice'
    );
    assert.equal(next.group.name, 'Linear algebra II');
    assert.equal(next.group.active_session_id, 's1');
    assert.equal(next.group.my_role, 'admin');
    assert.deepEqual(
      next.sessions.map(s => s.id),
      ['s1']
    );
    const deleted = applyGroupEvent(
      next,
      event('group.deleted', { group_id: 'g1' }),
      'alice'
    );
    assert.equal(deleted.gone, 'This group was deleted.');
  });
});

describe('datetime-local values', () => {
  it('should round-trip a local time', () => {
    const date = new Date(2025, 0, 6, 9, 5);
    assert.equal(toLocalInput(date), '2025-01-06T09:05');
    assert.equal(fromLocalInput('2025-01-06T09:05')?.getTime(), date.getTime());
    assert.equal(fromLocalInput('tomorrow'), null);
  });
});
