import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  affectsSessions,
  IShownStore,
  NotificationFeed,
  presentNotification,
  withdrawnOffers
} from '../src/common/notifications';
import type { INotification } from '../src/common/realtimeProtocol';

const NOW = Date.parse('2026-03-02T10:00:00Z');

function note(overrides: Partial<INotification> = {}): INotification {
  return {
    id: 'n1',
    kind: 'invite',
    title: 'Ada invited you to “Algebra”',
    body: '',
    data: { session_id: 's1' },
    created_at: '2026-03-02T09:59:30Z',
    read_at: null,
    ...overrides
  };
}

describe('presentNotification', () => {
  it('should give an invite a Join button for its session', () => {
    const shown = presentNotification(note());
    assert.equal(shown.message, 'Ada invited you to “Algebra”');
    assert.equal(shown.type, 'info');
    assert.deepEqual(shown.actions, [
      { kind: 'join', label: 'Join', id: 's1' }
    ]);
    assert.equal(shown.autoOpenRoom, null);
  });

  it('should open the room of "it\'s your turn" by itself, and offer it', () => {
    const shown = presentNotification(
      note({
        kind: 'your_turn',
        title: "It's your turn",
        body: 'Tina is ready for you in Office hours.',
        data: { session_id: 'room', officehours_id: 'oh', entry_id: 'e' }
      })
    );
    assert.equal(
      shown.message,
      "It's your turn: Tina is ready for you in Office hours."
    );
    assert.equal(shown.type, 'success');
    assert.deepEqual(shown.actions, [
      { kind: 'open_room', label: 'Open room', id: 'room' }
    ]);
    assert.equal(shown.autoOpenRoom, 'room');
  });

  it('should send "you\'re almost up" to the office hours', () => {
    const shown = presentNotification(
      note({
        kind: 'almost_up',
        title: "You're almost up",
        data: { officehours_id: 'oh', entry_id: 'e', position: 2 }
      })
    );
    assert.deepEqual(shown.actions, [
      { kind: 'open_office_hours', label: 'Open office hours', id: 'oh' }
    ]);
  });

  it('should offer reminders and started sessions a way in, and ended ones none', () => {
    assert.equal(
      presentNotification(note({ kind: 'reminder' })).actions[0]?.kind,
      'join'
    );
    assert.equal(
      presentNotification(note({ kind: 'session_started' })).actions[0]?.label,
      'Open room'
    );
    const ended = presentNotification(
      note({ kind: 'session_ended', body: '45 min, 3 present' })
    );
    assert.deepEqual(ended.actions, []);
    assert.equal(ended.type, 'success');
    assert.equal(
      presentNotification(note({ kind: 'session_cancelled' })).type,
      'warning'
    );
  });

  it('should show an unknown kind as its title, and no button without an id', () => {
    const shown = presentNotification(note({ kind: 'future_kind', data: {} }));
    assert.equal(shown.type, 'default');
    assert.deepEqual(shown.actions, []);
    assert.deepEqual(presentNotification(note({ data: {} })).actions, []);
  });

  it('should know which kinds change the session lists', () => {
    assert.ok(affectsSessions('invite'));
    assert.ok(affectsSessions('session_ended'));
    assert.ok(!affectsSessions('almost_up'));
  });
});

describe('withdrawnOffers', () => {
  it('should name the session that was cancelled or has ended', () => {
    for (const kind of ['session_cancelled', 'session_ended']) {
      assert.equal(withdrawnOffers(note({ kind })), 's1');
    }
  });

  it('should withdraw nothing for other news', () => {
    for (const kind of ['invite', 'session_started', 'reminder', 'your_turn']) {
      assert.equal(withdrawnOffers(note({ kind })), null);
    }
    assert.equal(
      withdrawnOffers(note({ kind: 'session_ended', data: {} })),
      null
    );
  });
});

describe('NotificationFeed', () => {
  it('should pop up a live notification once, however often it comes back', () => {
    const feed = new NotificationFeed({ now: () => NOW });
    assert.equal(feed.accept(note(), 'live'), 'toast');
    assert.equal(feed.accept(note(), 'live'), null, 'a replay');
    assert.equal(feed.accept(note(), 'loaded'), null, 'a reload');
  });

  it('should pop up recent loaded ones and keep older ones in the centre', () => {
    const feed = new NotificationFeed({ now: () => NOW, recentMs: 120_000 });
    assert.equal(feed.accept(note({ id: 'recent' }), 'loaded'), 'toast');
    const old = note({ id: 'old', created_at: '2026-03-02T09:00:00Z' });
    assert.equal(feed.accept(old, 'loaded'), 'silent');
  });

  it('should never show a read notification', () => {
    const feed = new NotificationFeed({ now: () => NOW });
    const read = note({ read_at: '2026-03-02T09:59:50Z' });
    assert.equal(feed.accept(read, 'live'), null);
  });

  it('should remember what it showed across page loads, up to a limit', () => {
    let saved: string[] = [];
    const store: IShownStore = {
      load: () => [...saved],
      save: ids => {
        saved = ids;
      }
    };
    const first = new NotificationFeed({ store, remember: 2, now: () => NOW });
    first.accept(note({ id: 'a' }), 'live');
    first.accept(note({ id: 'b' }), 'live');
    first.accept(note({ id: 'c' }), 'live');
    assert.deepEqual(saved, ['b', 'c']);

    const next = new NotificationFeed({ store, now: () => NOW });
    assert.equal(next.accept(note({ id: 'c' }), 'loaded'), null);
    assert.equal(next.accept(note({ id: 'a' }), 'loaded'), 'toast');
  });
});
