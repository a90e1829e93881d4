import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeSession,
  formatParticipants,
  formatScheduledAt
} from '../src/format';
import { makeSession } from './fixtures';

const utc = { locale: 'en-US', timeZone: 'UTC' };

describe('formatScheduledAt', () => {
  it('should format the time in the given time zone', () => {
    assert.equal(
      formatScheduledAt('2025-03-04T15:30:00Z', utc),
      'Mar 4, 2025, 3:30 PM'
    );
    assert.equal(
      formatScheduledAt('2025-03-04T15:30:00Z', {
        locale: 'en-US',
        timeZone: 'Asia/Tokyo'
      }),
      'Mar 5, 2025, 12:30 AM'
    );
  });

  it('should say "Not scheduled" for a missing or invalid time', () => {
    assert.equal(formatScheduledAt(null, utc), 'Not scheduled');
    assert.equal(formatScheduledAt('not a date', utc), 'Not scheduled');
  });
});

describe('formatParticipants', () => {
  it('should show the count out of the maximum', () => {
    assert.equal(formatParticipants(3, 8), '3 / 8');
  });
});

describe('describeSession', () => {
  it('should read every field shown on the card', () => {
    assert.equal(
      describeSession(makeSession(), utc),
      'Linear algebra, Scheduled, Group session, scheduled Mar 4, 2025, 3:30 PM, ' +
        'hosted by Ada Lovelace, 3 of 8 participants'
    );
  });

  it('should say when a session is not scheduled', () => {
    const session = makeSession({
      type: 'one_on_one',
      status: 'active',
      scheduled_at: null
    });
    assert.match(
      describeSession(session, utc),
      /Active, One-on-one session, not scheduled,/
    );
  });
});
