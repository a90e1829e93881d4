import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeSession,
  formatParticipants,
  formatScheduledAt,
  formatWhen
} from '../src/common/format';
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

describe('formatWhen', () => {
  const now = new Date('2026-11-23T11:30:00Z');
  const at = (iso: string, timeZone = 'UTC') =>
    formatWhen(iso, now, { locale: 'en-US', timeZone });

  it('should name today, tomorrow and yesterday in the time zone', () => {
    assert.equal(at('2026-11-23T15:30:00Z'), 'today at 3:30 PM');
    assert.equal(at('2026-11-24T00:10:00Z'), 'tomorrow at 12:10 AM');
    assert.equal(at('2026-11-22T23:59:00Z'), 'yesterday at 11:59 PM');
    // 11:30 UTC is 3:30 AM in Los Angeles; 2 AM UTC the next day is 6 PM there, today
    assert.equal(
      at('2026-11-24T02:00:00Z', 'America/Los_Angeles'),
      'today at 6:00 PM'
    );
  });

  it('should give the weekday and date this year, and the year otherwise', () => {
    assert.equal(at('2026-11-25T13:27:00Z'), 'Wed, Nov 25, 1:27 PM');
    assert.equal(at('2027-01-05T09:00:00Z'), 'Jan 5, 2027, 9:00 AM');
  });

  it('should give nothing for an invalid time', () => {
    assert.equal(at('not a date'), '');
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
