import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeTimer,
  elapsedSeconds,
  formatClock,
  formatCountdown,
  receiveTimer,
  remainingSeconds
} from '../src/room/timerState';
import { makeTimer } from './roomFixtures';

const SERVER_NOW = Date.parse('2025-03-04T10:00:00Z');

describe('receiveTimer and remainingSeconds', () => {
  it('should count down to the server instant, whatever the local clock', () => {
    // this computer's clock is 7 s behind the server's
    const local = SERVER_NOW - 7000;
    const view = receiveTimer(null, makeTimer(), local);
    assert.equal(view.offsetMs, 7000);
    assert.equal(remainingSeconds(view, local), 1500);
    assert.equal(remainingSeconds(view, local + 60_000), 1440);
    // never below zero: the server's next phase is on its way
    assert.equal(remainingSeconds(view, local + 2_000_000), 0);
  });

  it('should freeze the time left while paused', () => {
    const view = receiveTimer(
      null,
      makeTimer({
        running: false,
        phase_ends_at: null,
        remaining_seconds: 600
      }),
      SERVER_NOW
    );
    assert.equal(remainingSeconds(view, SERVER_NOW + 60_000), 600);
  });

  it('should ignore an older version', () => {
    const current = receiveTimer(null, makeTimer({ version: 5 }), SERVER_NOW);
    const older = makeTimer({ version: 4, phase: 'short_break' });
    assert.equal(receiveTimer(current, older, SERVER_NOW + 10), current);
  });

  it('should keep the known offset for a state replayed from the past', () => {
    const current = receiveTimer(null, makeTimer({ version: 3 }), SERVER_NOW);
    // received a minute later, but its server_time is from before
    const replayed = makeTimer({
      version: 4,
      server_time: '2025-03-04T10:00:01Z'
    });
    const view = receiveTimer(current, replayed, SERVER_NOW + 60_000);
    assert.equal(view.timer.version, 4);
    assert.equal(view.offsetMs, 0);
  });

  it('should take the offset of a live event or a fresh answer', () => {
    const current = receiveTimer(null, makeTimer({ version: 3 }), SERVER_NOW);
    const state = makeTimer({
      version: 4,
      server_time: '2025-03-04T10:01:00Z'
    });
    // an event on time, the local clock now 0.5 s ahead
    assert.equal(
      receiveTimer(current, state, SERVER_NOW + 60_500).offsetMs,
      -500
    );
    // a REST answer or an ack is made now: its offset holds even when the
    // local clock jumped 20 s forward meanwhile
    assert.equal(
      receiveTimer(current, state, SERVER_NOW + 80_000, true).offsetMs,
      -20_000
    );
  });
});

describe('formatting', () => {
  it('should round a countdown up to the second', () => {
    assert.equal(formatCountdown(1500), '25:00');
    assert.equal(formatCountdown(299.2), '5:00');
    assert.equal(formatCountdown(0.4), '0:01');
    assert.equal(formatCountdown(0), '0:00');
    assert.equal(formatCountdown(3723), '1:02:03');
  });

  it('should format a clock', () => {
    assert.equal(formatClock(5), '0:05');
    assert.equal(formatClock(754.9), '12:34');
    assert.equal(formatClock(-3), '0:00');
  });

  it('should describe the timer for screen readers', () => {
    const view = receiveTimer(null, makeTimer({ cycle: 2 }), SERVER_NOW);
    assert.equal(
      describeTimer(view, SERVER_NOW),
      'Focus, 25 minutes left, cycle 2 of 4'
    );
    const paused = receiveTimer(
      null,
      makeTimer({
        phase: 'short_break',
        running: false,
        phase_ends_at: null,
        remaining_seconds: 42
      }),
      SERVER_NOW
    );
    assert.equal(
      describeTimer(paused, SERVER_NOW),
      'Short break, 42 seconds left, paused, cycle 1 of 4'
    );
    const idle = receiveTimer(null, makeTimer({ phase: 'idle' }), SERVER_NOW);
    assert.equal(describeTimer(idle, SERVER_NOW), 'Timer not started');
  });
});

describe('elapsedSeconds', () => {
  it('should count from the start on the server clock', () => {
    assert.equal(
      elapsedSeconds('2025-03-04T09:59:00Z', SERVER_NOW - 5000, 5000),
      60
    );
    assert.equal(elapsedSeconds(null, SERVER_NOW), 0);
    assert.equal(elapsedSeconds('2025-03-04T10:01:00Z', SERVER_NOW), 0);
  });
});
