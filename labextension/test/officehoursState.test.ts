import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RealtimeEvent } from '../src/common/realtimeProtocol';
import type { IOfficeHours, IQueueEntry } from '../src/officehours/api';
import {
  admittedRoom,
  applyQueueEvent,
  EMPTY_QUEUE_STATE,
  IQueueState,
  loadedState,
  MAX_ANNOUNCEMENTS,
  withMyEntry
} from '../src/officehours/state';

const OH = 'oh1';

const user = (username: string) => ({
  username,
  display_name: username,
  initials: null,
  color: null,
  avatar_url: null
});

function entry(overrides: Partial<IQueueEntry> = {}): IQueueEntry {
  return {
    id: 'e1',
    officehours_id: OH,
    user: user('alice'),
    question: 'Why does my loop never end?',
    topic: 'loops',
    status: 'waiting',
    position: 3,
    waiting_minutes: 1,
    joined_at: '2025-01-06T14:00:00Z',
    stepped_out_at: null,
    admitted_at: null,
    admitted_by: null,
    session_id: null,
    started_at: null,
    finished_at: null,
    outcome: null,
    estimate: {
      low_minutes: 20,
      high_minutes: 30,
      staff_on_duty: 1,
      samples: 0
    },
    ...overrides
  };
}

function officehours(overrides: Partial<IOfficeHours> = {}): IOfficeHours {
  return {
    id: OH,
    title: 'CS 61A office hours',
    description: '',
    weekly_slots: [],
    one_off_slots: [],
    is_open: true,
    opened_by_hand: null,
    override_until: null,
    next_change_at: null,
    staff_on_duty: [{ user: user('tina'), since: '2025-01-06T13:00:00Z' }],
    queue_length: 3,
    created_by: 'prof',
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    ...overrides
  };
}

function event(type: string, data: unknown, seq = 1): RealtimeEvent {
  return { channel: `queue:${OH}`, seq, type, data } as RealtimeEvent;
}

const student: IQueueState = { ...EMPTY_QUEUE_STATE, myEntry: entry() };

describe('applyQueueEvent for a student', () => {
  it('should move the student up with the line and keep the estimate', () => {
    const { state } = applyQueueEvent(
      student,
      event('queue.positions', {
        officehours_id: OH,
        length: 2,
        staff_on_duty: 1,
        entries: [
          {
            id: 'e1',
            status: 'waiting',
            position: 2,
            topic: 'loops',
            estimate: {
              low_minutes: 10,
              high_minutes: 20,
              staff_on_duty: 1,
              samples: 0
            }
          },
          { id: 'e2', status: 'waiting', position: 3, topic: null }
        ]
      }),
      OH
    );
    assert.equal(state.myEntry?.position, 2);
    assert.equal(state.myEntry?.estimate?.high_minutes, 20);
    assert.equal(state.myEntry?.question, 'Why does my loop never end?');
    assert.equal(state.length, 2);
  });

  it('should show "almost up" only for the student\'s own current entry', () => {
    const almost = (entryId: string) =>
      applyQueueEvent(
        student,
        event('notification', {
          id: 'n1',
          kind: 'almost_up',
          title: "You're almost up",
          body: '',
          data: { officehours_id: OH, entry_id: entryId, position: 2 },
          created_at: '2025-01-06T14:05:00Z',
          read_at: null
        }),
        OH
      ).state.almostUp;
    assert.equal(almost('e1'), true);
    assert.equal(almost('an-old-entry'), false);
  });

  it('should open the room once the student is admitted', () => {
    const { state } = applyQueueEvent(
      student,
      event('queue.entry_admitted', {
        officehours_id: OH,
        session_id: 'room1',
        entries: [
          { id: 'e1', status: 'admitted', position: null, topic: 'loops' }
        ]
      }),
      OH
    );
    assert.equal(state.turnSessionId, 'room1');
    assert.equal(state.myEntry?.status, 'admitted');
    assert.equal(admittedRoom(state.myEntry), 'room1');
  });

  it('should take "your turn" from the notification as well', () => {
    const { state } = applyQueueEvent(
      student,
      event('notification', {
        id: 'n2',
        kind: 'your_turn',
        title: "It's your turn",
        body: '',
        data: { officehours_id: OH, entry_id: 'e1', session_id: 'room1' },
        created_at: '2025-01-06T14:05:00Z',
        read_at: null
      }),
      OH
    );
    assert.equal(state.turnSessionId, 'room1');
    assert.equal(admittedRoom(state.myEntry), 'room1');
  });

  it('should not react to someone else being admitted, nor to other office hours', () => {
    const other = applyQueueEvent(
      student,
      event('queue.entry_admitted', {
        officehours_id: OH,
        session_id: 'room2',
        entries: [{ id: 'e9', status: 'admitted', position: null, topic: null }]
      }),
      OH
    );
    assert.equal(other.state.turnSessionId, null);
    assert.equal(other.state.myEntry?.status, 'waiting');
    const elsewhere = applyQueueEvent(
      student,
      event('queue.entry_left', {
        officehours_id: 'another',
        entry: { id: 'e1', status: 'finished', position: null, topic: null }
      }),
      OH
    );
    assert.equal(elsewhere.state, student);
  });

  it('should say why the entry ended', () => {
    const finishedWhileWaiting = applyQueueEvent(
      student,
      event('queue.entry_updated', {
        officehours_id: OH,
        entry: { id: 'e1', status: 'finished', position: null, topic: null }
      }),
      OH
    ).state;
    assert.equal(finishedWhileWaiting.myEntry, null);
    assert.equal(finishedWhileWaiting.notice, 'Staff took you off the queue.');

    const helped = applyQueueEvent(
      {
        ...student,
        myEntry: entry({ status: 'in_progress', session_id: 'r' })
      },
      event('queue.entry_updated', {
        officehours_id: OH,
        entry: { id: 'e1', status: 'finished', position: null, topic: null }
      }),
      OH
    ).state;
    assert.match(helped.notice ?? '', /visit is over/);
  });

  it('should follow a step-out', () => {
    const { state } = applyQueueEvent(
      student,
      event('queue.entry_updated', {
        officehours_id: OH,
        entry: {
          id: 'e1',
          status: 'stepped_out',
          position: null,
          topic: 'loops'
        }
      }),
      OH
    );
    assert.equal(state.myEntry?.status, 'stepped_out');
    assert.equal(state.myEntry?.position, 3);
  });
});

describe('applyQueueEvent for staff', () => {
  const staff: IQueueState = {
    ...EMPTY_QUEUE_STATE,
    entries: [entry({ position: 1 }), entry({ id: 'e2', position: 2 })]
  };

  it('should ask for a reload when someone joins (the event has no question)', () => {
    const { reload } = applyQueueEvent(
      staff,
      event('queue.entry_joined', {
        officehours_id: OH,
        entry: { id: 'e3', status: 'waiting', position: null, topic: null }
      }),
      OH
    );
    assert.equal(reload, true);
  });

  it('should update known positions and reload for unknown entries', () => {
    const known = applyQueueEvent(
      staff,
      event('queue.positions', {
        officehours_id: OH,
        length: 2,
        staff_on_duty: 1,
        entries: [
          { id: 'e2', status: 'waiting', position: 1, topic: null },
          { id: 'e1', status: 'stepped_out', position: 2, topic: null }
        ]
      }),
      OH
    );
    assert.equal(known.reload, false);
    assert.deepEqual(
      known.state.entries.map(e => [e.id, e.position, e.status]),
      [
        ['e1', 2, 'stepped_out'],
        ['e2', 1, 'waiting']
      ]
    );
    const unknown = applyQueueEvent(
      staff,
      event('queue.positions', {
        officehours_id: OH,
        length: 1,
        staff_on_duty: 1,
        entries: [{ id: 'e4', status: 'waiting', position: 1, topic: null }]
      }),
      OH
    );
    assert.equal(unknown.reload, true);
  });

  it('should keep the newest announcements first, a limited number', () => {
    let state: IQueueState = staff;
    for (let i = 0; i < MAX_ANNOUNCEMENTS + 5; i++) {
      state = applyQueueEvent(
        state,
        event('queue.announcement', {
          announcement: {
            officehours_id: OH,
            text: `note ${i}`,
            author: 'tina',
            created_at: '2025-01-06T14:00:00Z',
            recipients: 2
          }
        }),
        OH
      ).state;
    }
    assert.equal(state.announcements.length, MAX_ANNOUNCEMENTS);
    assert.equal(state.announcements[0]?.text, `note ${MAX_ANNOUNCEMENTS + 4}`);
  });

  it('should take the open state and staff from the events', () => {
    const closed = applyQueueEvent(
      staff,
      event('queue.closed', {
        officehours: officehours({ is_open: false, opened_by_hand: false })
      }),
      OH
    ).state;
    assert.equal(closed.officehours?.is_open, false);
    assert.deepEqual(
      closed.staffOnDuty.map(u => u.username),
      ['tina']
    );
    const staffed = applyQueueEvent(
      closed,
      event('queue.staff', {
        officehours_id: OH,
        staff_on_duty: [user('tina'), user('prof')]
      }),
      OH
    ).state;
    assert.deepEqual(
      staffed.staffOnDuty.map(u => u.username),
      ['tina', 'prof']
    );
    const deleted = applyQueueEvent(
      staffed,
      event('queue.deleted', { officehours_id: OH }),
      OH
    ).state;
    assert.equal(deleted.deleted, true);
  });
});

describe('loading', () => {
  it('should keep "almost up" across reloads of the same entry only', () => {
    const alerted: IQueueState = { ...student, almostUp: true };
    const queue = {
      officehours_id: OH,
      is_open: true,
      length: 2,
      staff_on_duty: 1,
      entries: [],
      my_entry: entry({ position: 2 })
    };
    assert.equal(loadedState(alerted, officehours(), queue).almostUp, true);
    const again = { ...queue, my_entry: entry({ id: 'e7' }) };
    assert.equal(loadedState(alerted, officehours(), again).almostUp, false);
  });

  it('should forget a finished entry the student got back', () => {
    const state = withMyEntry(
      student,
      entry({ status: 'finished', outcome: 'left' }),
      'You left the queue.'
    );
    assert.equal(state.myEntry, null);
    assert.equal(state.notice, 'You left the queue.');
  });
});
