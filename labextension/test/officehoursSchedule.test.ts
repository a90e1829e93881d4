import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeWeeklySlot,
  formatOccurrence,
  upcomingSlots,
  zonedTime,
  zoneOffsetMinutes
} from '../src/officehours/schedule';

const NY = 'America/New_York';

describe('zonedTime', () => {
  it('should keep the wall-clock time across daylight saving', () => {
    const winter = zonedTime({ year: 2025, month: 1, day: 6 }, '09:00', NY);
    const summer = zonedTime({ year: 2025, month: 7, day: 7 }, '09:00', NY);
    assert.equal(winter.toISOString(), '2025-01-06T14:00:00.000Z');
    assert.equal(summer.toISOString(), '2025-07-07T13:00:00.000Z');
  });

  it('should take the first of a repeated hour, like the server', () => {
    // 01:30 happens twice on 2025-11-02 in New York: EDT first
    const ambiguous = zonedTime({ year: 2025, month: 11, day: 2 }, '01:30', NY);
    assert.equal(ambiguous.toISOString(), '2025-11-02T05:30:00.000Z');
    // and in Berlin (east of UTC): CEST first
    const berlin = zonedTime(
      { year: 2025, month: 10, day: 26 },
      '02:30',
      'Europe/Berlin'
    );
    assert.equal(berlin.toISOString(), '2025-10-26T00:30:00.000Z');
  });

  it('should read a skipped time with the offset from before the change', () => {
    // 02:30 does not exist on 2025-03-09 in New York; Python's zoneinfo says 07:30Z
    const skipped = zonedTime({ year: 2025, month: 3, day: 9 }, '02:30', NY);
    assert.equal(skipped.toISOString(), '2025-03-09T07:30:00.000Z');
  });

  it('should know the offset of a zone at an instant', () => {
    assert.equal(zoneOffsetMinutes(new Date('2025-01-06T12:00:00Z'), NY), -300);
    assert.equal(
      zoneOffsetMinutes(new Date('2025-01-06T12:00:00Z'), 'Asia/Kolkata'),
      330
    );
  });
});

describe('upcomingSlots', () => {
  const monday = { weekday: 0, start: '09:00', end: '10:00', timezone: NY };

  it('should list the current occurrence first, then the next ones', () => {
    const now = new Date('2025-01-06T14:30:00Z'); // Monday 09:30 in New York
    const slots = upcomingSlots([monday], [], now);
    assert.deepEqual(
      slots.map(s => [s.start.toISOString(), s.end.toISOString(), s.weekly]),
      [
        ['2025-01-06T14:00:00.000Z', '2025-01-06T15:00:00.000Z', true],
        ['2025-01-13T14:00:00.000Z', '2025-01-13T15:00:00.000Z', true]
      ]
    );
  });

  it('should leave out ended slots and merge one-off slots in order', () => {
    const now = new Date('2025-01-06T15:30:00Z'); // after Monday's slot
    const slots = upcomingSlots(
      [monday],
      [
        {
          start: '2025-01-08T18:00:00+00:00',
          end: '2025-01-08T19:00:00+00:00'
        },
        { start: '2025-01-01T18:00:00+00:00', end: '2025-01-01T19:00:00+00:00' }
      ],
      now
    );
    assert.deepEqual(
      slots.map(s => [s.start.toISOString(), s.weekly]),
      [
        ['2025-01-08T18:00:00.000Z', false],
        ['2025-01-13T14:00:00.000Z', true]
      ]
    );
  });

  it('should find a weekly slot whose weekday differs in the user zone', () => {
    // Sunday 22:00-23:00 in Los Angeles is Monday 06:00 UTC
    const sunday = {
      weekday: 6,
      start: '22:00',
      end: '23:00',
      timezone: 'America/Los_Angeles'
    };
    const slots = upcomingSlots([sunday], [], new Date('2025-01-06T00:00:00Z'));
    assert.equal(slots[0]?.start.toISOString(), '2025-01-06T06:00:00.000Z');
  });
});

describe('formatting slots', () => {
  const tokyo = { locale: 'en-US', timeZone: 'Asia/Tokyo' };

  it('should show an occurrence in the user zone', () => {
    const text = formatOccurrence(
      {
        start: new Date('2025-01-06T14:00:00Z'),
        end: new Date('2025-01-06T15:00:00Z'),
        weekly: true
      },
      tokyo
    );
    assert.equal(text, 'Mon, Jan 6, 11:00 PM – 12:00 AM');
  });

  it('should repeat the date of an end on another day only when it spans days', () => {
    const text = formatOccurrence(
      {
        start: new Date('2025-01-06T14:00:00Z'),
        end: new Date('2025-01-06T15:30:00Z'),
        weekly: false
      },
      tokyo
    );
    assert.equal(text, 'Mon, Jan 6, 11:00 PM – Tue, Jan 7, 12:30 AM');
  });

  it('should describe a weekly slot as it was set', () => {
    assert.equal(
      describeWeeklySlot({
        weekday: 2,
        start: '14:00',
        end: '15:30',
        timezone: NY
      }),
      'Wednesdays 14:00–15:30 (America/New_York)'
    );
  });
});
