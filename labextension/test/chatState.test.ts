import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  continuesGroup,
  describeTypists,
  mergeMessages,
  noteTyping,
  NO_TYPING,
  stopTyping,
  TYPING_VISIBLE_MS,
  typists
} from '../src/room/chatState';
import { makeMessage, user } from './roomFixtures';

describe('mergeMessages', () => {
  it('should keep each message once, oldest first', () => {
    const a = makeMessage('a', { created_at: '2025-03-04T10:00:00Z' });
    const b = makeMessage('b', { created_at: '2025-03-04T10:01:00Z' });
    const c = makeMessage('c', { created_at: '2025-03-04T10:02:00Z' });
    const merged = mergeMessages([c, a], [b, c, a]);
    assert.deepEqual(
      merged.map(m => m.id),
      ['a', 'b', 'c']
    );
  });

  it('should order messages of the same instant by id', () => {
    const merged = mergeMessages([makeMessage('b')], [makeMessage('a')]);
    assert.deepEqual(
      merged.map(m => m.id),
      ['a', 'b']
    );
  });

  it('should keep the later edit whichever arrives last', () => {
    const old = makeMessage('a', { text: 'first' });
    const edited = makeMessage('a', {
      text: 'second',
      edited_at: '2025-03-04T10:05:00Z'
    });
    assert.equal(mergeMessages([old], [edited])[0]?.text, 'second');
    // a page loaded before the edit arrives after the live edit event
    assert.equal(mergeMessages([edited], [old])[0]?.text, 'second');
  });

  it('should never bring a deleted message back', () => {
    const tombstone = makeMessage('a', {
      text: '',
      deleted_at: '2025-03-04T10:06:00Z'
    });
    const edited = makeMessage('a', {
      text: 'edited',
      edited_at: '2025-03-04T10:05:00Z'
    });
    assert.equal(
      mergeMessages([tombstone], [edited])[0]?.deleted_at !== null,
      true
    );
    assert.equal(mergeMessages([edited], [tombstone])[0]?.text, '');
  });

  it('should not change the list it is given', () => {
    const current = [makeMessage('a')];
    mergeMessages(current, [makeMessage('b')]);
    assert.equal(current.length, 1);
  });
});

describe('continuesGroup', () => {
  it('should group close messages of one sender', () => {
    const first = makeMessage('a', { created_at: '2025-03-04T10:00:00Z' });
    const soon = makeMessage('b', { created_at: '2025-03-04T10:01:00Z' });
    const late = makeMessage('c', { created_at: '2025-03-04T10:20:00Z' });
    const other = makeMessage('d', {
      created_at: '2025-03-04T10:01:00Z',
      sender: user('bo')
    });
    assert.equal(continuesGroup(first, soon), true);
    assert.equal(continuesGroup(first, late), false);
    assert.equal(continuesGroup(first, other), false);
    assert.equal(continuesGroup(undefined, first), false);
  });
});

describe('typing', () => {
  it('should show who typed recently, not the current user', () => {
    let state = noteTyping(NO_TYPING, user('bo', 'Bo'), 1000);
    state = noteTyping(state, user('ada', 'Ada'), 1500);
    state = noteTyping(state, user('me', 'Me'), 1500);
    assert.deepEqual(typists(state, 2000, 'me'), ['Ada', 'Bo']);
    // Bo's hint expires first
    assert.deepEqual(typists(state, 1000 + TYPING_VISIBLE_MS + 1, 'me'), [
      'Ada'
    ]);
    assert.deepEqual(typists(stopTyping(state, 'ada'), 2000, 'me'), ['Bo']);
  });

  it('should describe the typists in a sentence', () => {
    assert.equal(describeTypists([]), '');
    assert.equal(describeTypists(['Ada']), 'Ada is typing…');
    assert.equal(describeTypists(['Ada', 'Bo']), 'Ada and Bo are typing…');
    assert.equal(
      describeTypists(['Ada', 'Bo', 'Cy']),
      'Ada, Bo and Cy are typing…'
    );
    assert.equal(
      describeTypists(['Ada', 'Bo', 'Cy', 'Di']),
      '4 people are typing…'
    );
  });
});
