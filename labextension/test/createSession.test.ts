import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  buildCreateRequest,
  emptyForm,
  parseTags
} from '../src/sessions/createSession';

const NOW = new Date('2026-03-02T10:00:00Z');

describe('buildCreateRequest', () => {
  it('should ask for a title before anything else', () => {
    const built = buildCreateRequest(emptyForm(), NOW);
    assert.deepEqual(built, {
      request: null,
      errors: { title: 'Give the session a title.' }
    });
  });

  it('should build the request from the fields, trimmed', () => {
    const built = buildCreateRequest(
      {
        ...emptyForm(),
        title: '  Eigenvalues ',
        description: 'Chapter 5',
        type: 'one_on_one',
        subject: ' Linear algebra ',
        tags: 'exam, week 5, exam,',
        scheduledAt: '2026-03-04T15:30:00Z',
        maxParticipants: '4',
        isPublic: true,
        tools: ['chat', 'whiteboard'],
        layout: 'focus',
        timerControl: 'everyone',
        invite: ['bob', 'carol']
      },
      NOW
    );
    assert.deepEqual(built, {
      request: {
        title: 'Eigenvalues',
        description: 'Chapter 5',
        type: 'one_on_one',
        subject: 'Linear algebra',
        tags: ['exam', 'week 5'],
        is_public: true,
        scheduled_at: '2026-03-04T15:30:00.000Z',
        max_participants: 4,
        settings: {
          tools: ['chat', 'whiteboard'],
          layout: 'focus',
          timer_control: 'everyone'
        },
        invite: ['bob', 'carol']
      },
      errors: null
    });
  });

  it('should leave capacity, subject and time to the server when empty', () => {
    const built = buildCreateRequest({ ...emptyForm(), title: 'T' }, NOW);
    const request = built.request;
    assert.ok(request);
    assert.equal('max_participants' in request, false);
    assert.equal(request.subject, null);
    assert.equal(request.scheduled_at, null);
  });

  it('should name every field that is wrong', () => {
    const built = buildCreateRequest(
      {
        ...emptyForm(),
        title: 'x'.repeat(101),
        tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(','),
        scheduledAt: '2026-03-01T10:00:00Z',
        maxParticipants: '1'
      },
      NOW
    );
    assert.deepEqual(Object.keys(built.errors ?? {}).sort(), [
      'maxParticipants',
      'scheduledAt',
      'tags',
      'title'
    ]);
    assert.equal(built.errors?.scheduledAt, 'This time is in the past.');
    assert.equal(
      built.errors?.maxParticipants,
      'Give a whole number from 2 to 500.'
    );
  });
});

describe('parseTags', () => {
  it('should split on commas, trim, and drop empties and repeats', () => {
    assert.deepEqual(parseTags(' a, b ,,a,'), ['a', 'b']);
    assert.deepEqual(parseTags(''), []);
  });
});
