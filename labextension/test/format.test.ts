import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeSession,
  formatOpening,
  formatParticipants,
  formatRelative,
  formatScheduledAt,
  formatWhen,
  joinNotOpenYet
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

describe('formatRelative', () => {
  const now = new Date('2026-12-06T15:54:00Z');
  const from = (iso: string) => formatRelative(iso, now, { locale: 'en-US' });

  it('should say how far away a time is in the largest fitting unit', () => {
    assert.equal(from('2026-12-06T15:54:20Z'), 'in 20 seconds');
    assert.equal(from('2026-12-06T15:58:00Z'), 'in 4 minutes');
    assert.equal(from('2026-12-06T18:54:00Z'), 'in 3 hours');
    assert.equal(from('2026-12-09T15:54:00Z'), 'in 3 days');
    assert.equal(from('2026-12-06T15:52:00Z'), '2 minutes ago');
  });

  it('should speak the given locale', () => {
    const iso = '2026-12-06T15:58:00Z';
    assert.equal(formatRelative(iso, now, { locale: 'fr' }), 'dans 4 minutes');
  });
});

describe('formatOpening', () => {
  const now = new Date('2026-12-06T15:54:00Z');

  it('should give the local time and how soon, never a timestamp', () => {
    const opening = formatOpening('2026-12-06T15:58:09.575396+00:00', now, {
      locale: 'en-US',
      timeZone: 'UTC'
    });
    assert.equal(opening, 'at 3:58 PM, in 4 minutes');
  });

  it("should say the time in the user's zone and name another day", () => {
    const opening = formatOpening('2026-12-07T09:00:00Z', now, {
      locale: 'en-US',
      timeZone: 'Europe/Paris'
    });
    assert.equal(opening, 'tomorrow at 10:00 AM, in 17 hours');
  });
});

describe('joinNotOpenYet', () => {
  const now = new Date('2026-12-06T15:54:00Z');
  const utc = { locale: 'en-US', timeZone: 'UTC' };

  it('should say when joining opens while it has not', () => {
    const session = { join_opens_at: '2026-12-06T15:58:00Z' };
    assert.equal(
      joinNotOpenYet(session, now, utc),
      'Joining opens at 3:58 PM, in 4 minutes'
    );
  });

  it('should be null once joining is open, or when nothing says it opens', () => {
    assert.equal(
      joinNotOpenYet({ join_opens_at: '2026-12-06T15:54:00Z' }, now, utc),
      null
    );
    assert.equal(joinNotOpenYet({ join_opens_at: null }, now, utc), null);
    assert.equal(joinNotOpenYet({}, now, utc), null);
  });
});
