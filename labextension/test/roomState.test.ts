import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { SessionStatus } from '../src/common/api';
import {
  canControlTimer,
  canDeleteGoal,
  canDeleteMessage,
  canEditMessage,
  canEnd,
  canJoin,
  canManageParticipants,
  canStart,
  canWrite,
  goalProgress,
  IRoomActor,
  leaveAll,
  listedParticipants,
  removeGoal,
  reorderGoals,
  roomAccess,
  roomSettings,
  upsertGoal,
  upsertParticipant
} from '../src/room/roomState';
import { formatMinutes, summaryFacts } from '../src/room/summary';
import { makeGoal, makeMessage, makeParticipant, user } from './roomFixtures';

function actor(overrides: Partial<IRoomActor> = {}): IRoomActor {
  return {
    username: 'bo',
    role: 'participant',
    state: 'joined',
    courseRole: 'student',
    ...overrides
  };
}

const host = actor({ username: 'ada', role: 'host' });
const coHost = actor({ username: 'cy', role: 'co_host' });
const participant = actor();
const invited = actor({ state: 'invited' });
const active = { status: 'active' as SessionStatus };
const scheduled = { status: 'scheduled' as SessionStatus };
const completed = { status: 'completed' as SessionStatus };

describe('roomSettings', () => {
  it("should fall back to the server's defaults", () => {
    assert.deepEqual(roomSettings({}), {
      chat: true,
      timer: true,
      notes: true,
      whiteboard: true,
      layout: 'default',
      timerControl: 'hosts',
      video: false,
      screenShare: false
    });
  });

  it('should follow the tools, layout and timer control', () => {
    assert.deepEqual(
      roomSettings({
        tools: ['notes', 'video'],
        layout: 'focus',
        timer_control: 'everyone'
      }),
      {
        chat: false,
        timer: false,
        notes: true,
        whiteboard: false,
        layout: 'focus',
        timerControl: 'everyone',
        video: true,
        screenShare: false
      }
    );
    assert.equal(roomSettings({ layout: 'bogus' }).layout, 'default');
  });
});

describe('roomAccess', () => {
  it('should open the room to people who joined now or before', () => {
    assert.equal(roomAccess(active, participant), 'room');
    assert.equal(roomAccess(completed, actor({ state: 'left' })), 'room');
  });

  it('should ask the invited and strangers to join an open session', () => {
    assert.equal(roomAccess(active, invited), 'join');
    assert.equal(
      roomAccess(scheduled, actor({ state: null, role: null })),
      'join'
    );
  });

  it('should let course staff read without joining', () => {
    assert.equal(
      roomAccess(active, actor({ state: null, role: null, courseRole: 'ta' })),
      'room'
    );
  });

  it('should tell removed people and latecomers why there is no room', () => {
    assert.equal(roomAccess(active, actor({ state: 'removed' })), 'removed');
    assert.equal(roomAccess(completed, invited), 'ended');
  });
});

describe('permissions', () => {
  it('should let joined participants write while the session is open', () => {
    assert.equal(canWrite(active, participant), true);
    assert.equal(canWrite(scheduled, participant), true);
    assert.equal(canWrite(completed, participant), false);
    assert.equal(canWrite(active, invited), false);
    assert.equal(canJoin(active, invited), true);
    assert.equal(canJoin(active, participant), false);
    assert.equal(canJoin(completed, invited), false);
  });

  it('should let hosts and co-hosts start and end', () => {
    assert.equal(canStart(scheduled, host), true);
    assert.equal(canStart(scheduled, coHost), true);
    assert.equal(canStart(scheduled, participant), false);
    assert.equal(canStart(active, host), false);
    assert.equal(canEnd(active, coHost), true);
    assert.equal(canEnd(active, participant), false);
    assert.equal(canEnd(completed, host), false);
  });

  it('should let only the host manage participants', () => {
    assert.equal(canManageParticipants(active, host), true);
    assert.equal(canManageParticipants(active, coHost), false);
    assert.equal(canManageParticipants(completed, host), false);
  });

  it('should let timer control follow the setting', () => {
    const hosts = roomSettings({});
    const everyone = roomSettings({ timer_control: 'everyone' });
    assert.equal(canControlTimer(active, coHost, hosts), true);
    assert.equal(canControlTimer(active, participant, hosts), false);
    assert.equal(canControlTimer(active, participant, everyone), true);
    assert.equal(canControlTimer(active, invited, everyone), false);
    assert.equal(canControlTimer(scheduled, host, hosts), false);
  });

  it('should let authors edit, and authors and hosts delete', () => {
    const mine = makeMessage('m', { sender: user('bo') });
    const theirs = makeMessage('t', { sender: user('ada') });
    const gone = makeMessage('g', {
      sender: user('bo'),
      deleted_at: '2025-03-04T10:00:00Z'
    });
    assert.equal(canEditMessage(active, participant, mine), true);
    assert.equal(canEditMessage(active, participant, theirs), false);
    assert.equal(canEditMessage(active, participant, gone), false);
    assert.equal(canEditMessage(completed, participant, mine), false);
    assert.equal(canDeleteMessage(active, participant, theirs), false);
    assert.equal(canDeleteMessage(active, coHost, theirs), true);
    assert.equal(canDeleteMessage(active, participant, mine), true);
    assert.equal(canDeleteMessage(active, host, gone), false);
  });

  it('should let authors and hosts delete goals', () => {
    const goal = makeGoal('g', { created_by: 'bo' });
    assert.equal(canDeleteGoal(active, participant, goal), true);
    assert.equal(canDeleteGoal(active, actor({ username: 'di' }), goal), false);
    assert.equal(canDeleteGoal(active, host, goal), true);
    assert.equal(canDeleteGoal(completed, host, goal), false);
  });
});

describe('participants', () => {
  it('should replace a participant by username, or add them', () => {
    const list = [makeParticipant('ada', { role: 'host' })];
    const added = upsertParticipant(list, makeParticipant('bo'));
    assert.equal(added.length, 2);
    const promoted = upsertParticipant(
      added,
      makeParticipant('bo', { role: 'co_host' })
    );
    assert.equal(promoted.length, 2);
    assert.equal(promoted[1]?.role, 'co_host');
    assert.equal(list.length, 1);
  });

  it('should mark everyone joined as left when the session ends', () => {
    const left = leaveAll([
      makeParticipant('ada', { role: 'host' }),
      makeParticipant('bo', { state: 'invited' })
    ]);
    assert.deepEqual(
      left.map(p => p.state),
      ['left', 'invited']
    );
  });

  it('should list joined people first, hosts first, and hide removed ones', () => {
    const listed = listedParticipants([
      makeParticipant('zed', { state: 'invited' }),
      makeParticipant('bo'),
      makeParticipant('cy', { role: 'co_host' }),
      makeParticipant('eve', { state: 'removed' }),
      makeParticipant('ada', { role: 'host' }),
      makeParticipant('al', { state: 'left' })
    ]);
    assert.deepEqual(
      listed.map(p => p.user.username),
      ['ada', 'cy', 'bo', 'zed', 'al']
    );
  });
});

describe('goals', () => {
  it('should keep goals in position order through changes', () => {
    let goals = [
      makeGoal('a', { position: 0 }),
      makeGoal('b', { position: 1 })
    ];
    goals = upsertGoal(goals, makeGoal('c', { position: 2 }));
    goals = upsertGoal(goals, makeGoal('a', { position: 0, done: true }));
    assert.deepEqual(
      goals.map(g => [g.id, g.done]),
      [
        ['a', true],
        ['b', false],
        ['c', false]
      ]
    );
    assert.deepEqual(
      removeGoal(goals, 'b').map(g => g.id),
      ['a', 'c']
    );
    assert.deepEqual(goalProgress(goals), { done: 1, total: 3, percent: 33 });
    assert.deepEqual(goalProgress([]), { done: 0, total: 0, percent: 0 });
  });

  it('should reorder by ids, keeping goals the order did not name', () => {
    const goals = [
      makeGoal('a', { position: 0 }),
      makeGoal('b', { position: 1 }),
      makeGoal('c', { position: 2 })
    ];
    const reordered = reorderGoals(goals, ['c', 'a', 'gone']);
    assert.deepEqual(
      reordered.map(g => [g.id, g.position]),
      [
        ['c', 0],
        ['a', 1],
        ['b', 1]
      ]
    );
  });
});

describe('summary', () => {
  it('should format minutes for people', () => {
    assert.equal(formatMinutes(0), '0 min');
    assert.equal(formatMinutes(45), '45 min');
    assert.equal(formatMinutes(60), '1 h');
    assert.equal(formatMinutes(65), '1 h 5 min');
  });

  it('should list the facts and attendance, longest first, by name', () => {
    const { facts, attendance } = summaryFacts(
      {
        session_id: 's1',
        participant_count: 3,
        message_count: 12,
        goals_done: 2,
        goals_total: 3,
        duration_minutes: 50,
        focus_minutes: 25,
        break_minutes: 5,
        ended_by: 'ada',
        attendance: { ada: 50, bo: 30, ghost: 30 },
        text: '',
        created_at: '2025-03-04T11:00:00Z'
      },
      [makeParticipant('ada'), makeParticipant('bo')]
    );
    assert.deepEqual(
      facts.map(f => [f.key, f.value]),
      [
        ['duration', '50 min'],
        ['focus', '25 min (+ 5 min breaks)'],
        ['goals', '2 of 3'],
        ['messages', '12'],
        ['participants', '3']
      ]
    );
    assert.deepEqual(
      attendance.map(a => [a.name, a.minutes]),
      [
        ['Ada', 50],
        ['Bo', 30],
        ['ghost', 30]
      ]
    );
  });
});
