import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { sessionActions } from '../src/sessions/sessionActions';
import { makeSession } from './fixtures';

describe('sessionActions', () => {
  it('should let the host of a scheduled session open, start, share and cancel it', () => {
    const session = makeSession({ my_role: 'host', my_state: 'joined' });
    assert.deepEqual(sessionActions(session), [
      'open',
      'start',
      'invite_link',
      'cancel'
    ]);
  });

  it('should let the host of an active session open, end and share it', () => {
    const session = makeSession({ status: 'active', my_role: 'host' });
    assert.deepEqual(sessionActions(session), ['open', 'end', 'invite_link']);
  });

  it('should not let a co-host cancel', () => {
    const session = makeSession({ my_role: 'co_host', my_state: 'joined' });
    assert.deepEqual(sessionActions(session), ['open', 'start', 'invite_link']);
  });

  it('should offer an invitee joining, and nothing a host does', () => {
    const session = makeSession({
      my_role: 'participant',
      my_state: 'invited'
    });
    assert.deepEqual(sessionActions(session), ['join']);
  });

  it('should offer a participant who left joining again', () => {
    const session = makeSession({ my_role: 'participant', my_state: 'left' });
    assert.deepEqual(sessionActions(session), ['join']);
  });

  it('should offer a joined participant only the room', () => {
    const session = makeSession({ my_role: 'participant', my_state: 'joined' });
    assert.deepEqual(sessionActions(session), ['open']);
  });

  it('should offer a stranger joining a public session, not a private one', () => {
    const stranger = { my_role: null, my_state: null } as const;
    assert.deepEqual(
      sessionActions(makeSession({ ...stranger, is_public: true })),
      ['join']
    );
    assert.deepEqual(
      sessionActions(makeSession({ ...stranger, is_public: false })),
      []
    );
    assert.deepEqual(
      sessionActions(makeSession({ ...stranger, is_public: false }), true),
      ['join'],
      'course staff may join any session they see'
    );
  });

  it('should not offer joining a full session, or to someone removed', () => {
    const full = makeSession({
      my_role: null,
      my_state: null,
      is_public: true,
      participant_count: 8,
      max_participants: 8
    });
    assert.deepEqual(sessionActions(full), []);
    const removed = makeSession({
      my_role: 'participant',
      my_state: 'removed'
    });
    assert.deepEqual(sessionActions(removed), []);
  });

  it('should offer nothing once a session is over', () => {
    for (const status of ['completed', 'cancelled'] as const) {
      assert.deepEqual(sessionActions(makeSession({ status })), []);
    }
  });
});
