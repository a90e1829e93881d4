import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IOfficeHours } from '../src/officehours/api';
import {
  formatEstimate,
  formatOpenState,
  formatPosition,
  formatWaiting,
  historyFileName,
  topicGroups
} from '../src/officehours/format';

const estimate = (low: number, high: number) => ({
  low_minutes: low,
  high_minutes: high,
  staff_on_duty: 1,
  samples: 3
});

describe('office-hours wording', () => {
  it('should say the position as a person would', () => {
    assert.equal(formatPosition(1), "You're next");
    assert.equal(formatPosition(2), "You're 2nd in line");
    assert.equal(formatPosition(3), "You're 3rd in line");
    assert.equal(formatPosition(11), "You're 11th in line");
    assert.equal(formatPosition(22), "You're 22nd in line");
  });

  it('should say the wait as a range', () => {
    assert.equal(formatEstimate(estimate(0, 0)), 'any moment now');
    assert.equal(formatEstimate(estimate(0, 10)), 'up to 10 minutes');
    assert.equal(formatEstimate(estimate(10, 10)), 'about 10 minutes');
    assert.equal(formatEstimate(estimate(10, 25)), '10–25 minutes');
    assert.equal(formatEstimate(estimate(50, 75)), '50 minutes to 1 h 15 min');
    assert.equal(formatEstimate(null), '');
  });

  it('should say how long someone has waited', () => {
    const now = new Date('2025-01-06T15:10:30Z');
    assert.equal(formatWaiting('2025-01-06T15:10:00Z', now), 'just now');
    assert.equal(formatWaiting('2025-01-06T15:06:00Z', now), '4 min');
    assert.equal(formatWaiting('2025-01-06T14:05:00Z', now), '1 h 5 min');
    assert.equal(formatWaiting('2025-01-06T13:10:00Z', now), '2 h');
  });

  it('should say whether the queue is open and until when', () => {
    const utc = { locale: 'en-US', timeZone: 'UTC' };
    const now = new Date('2025-01-06T14:00:00Z');
    const base = {
      is_open: true,
      opened_by_hand: null,
      override_until: null,
      next_change_at: '2025-01-06T16:00:00Z'
    } as IOfficeHours;
    assert.equal(
      formatOpenState(base, now, utc),
      'Open until today at 4:00 PM'
    );
    assert.equal(
      formatOpenState(
        {
          ...base,
          is_open: false,
          opened_by_hand: false,
          override_until: '2025-01-07T09:00:00Z'
        },
        now,
        utc
      ),
      'Closed (closed by staff). Opens tomorrow at 9:00 AM'
    );
    assert.equal(
      formatOpenState(
        { ...base, opened_by_hand: true, next_change_at: null },
        now,
        utc
      ),
      'Open (opened by staff)'
    );
    assert.equal(
      formatOpenState(
        { ...base, is_open: false, next_change_at: null },
        now,
        utc
      ),
      'Closed'
    );
  });

  it('should group the waiting entries by topic, ignoring case', () => {
    assert.deepEqual(
      topicGroups([
        { status: 'waiting', topic: 'Recursion' },
        { status: 'waiting', topic: null },
        { status: 'waiting', topic: 'loops' },
        { status: 'waiting', topic: 'recursion' },
        { status: 'admitted', topic: 'loops' }
      ]),
      [
        { topic: 'Recursion', count: 2 },
        { topic: 'loops', count: 1 }
      ]
    );
  });

  it('should name the export after the office hours and the day', () => {
    assert.equal(
      historyFileName(
        'CS 61A: Office Hours!',
        new Date('2025-01-06T14:00:00Z')
      ),
      'queue-cs-61a-office-hours-2025-01-06.csv'
    );
    assert.equal(
      historyFileName('???', new Date('2025-01-06T14:00:00Z')),
      'queue-office-hours-2025-01-06.csv'
    );
  });
});
