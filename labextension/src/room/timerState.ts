/**
 * The shared timer as a screen shows it: the server is the authority, the
 * client only counts down to the instant the server gave (`docs/realtime.md`,
 * "Showing the time"). Pure functions, unit-tested.
 */
import type { ITimerState, TimerPhase } from '../common/realtimeProtocol';

export const PHASE_LABELS: Readonly<Record<TimerPhase, string>> = {
  idle: 'Not started',
  focus: 'Focus',
  short_break: 'Short break',
  long_break: 'Long break'
};

/** A timer state with the clock offset measured when it was received. */
export interface ITimerView {
  readonly timer: ITimerState;
  /** `server time - local time`, in ms. */
  readonly offsetMs: number;
}

/**
 * How late a state's `server_time` may be, compared with the offset already
 * known, before it counts as replayed (after a reconnect) rather than fresh.
 */
export const STALE_STATE_MS = 1500;

/**
 * The view after receiving `incoming` at local time `receivedAt`, or
 * `current` when `incoming` is older (a lower `version`).
 *
 * The offset is measured from `incoming.server_time`. A `fresh` state (a REST
 * answer or an ack, made just now) always sets it; an event's state sets it
 * unless its time is far behind what the known offset predicts: then it was
 * replayed from the past (after a reconnect) and the known offset is kept.
 */
export function receiveTimer(
  current: ITimerView | null,
  incoming: ITimerState,
  receivedAt: number,
  fresh = false
): ITimerView {
  if (current !== null && incoming.version < current.timer.version) {
    return current;
  }
  const measured = Date.parse(incoming.server_time) - receivedAt;
  let offsetMs = Number.isNaN(measured) ? 0 : measured;
  if (
    !fresh &&
    current !== null &&
    offsetMs < current.offsetMs - STALE_STATE_MS
  ) {
    offsetMs = current.offsetMs;
  }
  return { timer: incoming, offsetMs };
}

/**
 * Seconds left in the phase at local time `now`: counted down to
 * `phase_ends_at` while running, frozen while paused, never below zero
 * (at zero the server's next state is on its way).
 */
export function remainingSeconds(view: ITimerView, now: number): number {
  const { timer } = view;
  if (timer.running && timer.phase_ends_at !== null) {
    const endsAt = Date.parse(timer.phase_ends_at);
    if (!Number.isNaN(endsAt)) {
      return Math.max(0, (endsAt - (now + view.offsetMs)) / 1000);
    }
  }
  return Math.max(0, timer.remaining_seconds);
}

/** "25:00", "4:59", "1:02:03": a countdown, rounded up to the second. */
export function formatCountdown(seconds: number): string {
  return formatClock(Math.ceil(Math.max(0, seconds) - 1e-9));
}

/** "0:05", "12:34", "1:02:03" for a whole number of seconds. */
export function formatClock(totalSeconds: number): string {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const ss = String(seconds).padStart(2, '0');
  if (hours > 0) {
    return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
  }
  return `${minutes}:${ss}`;
}

/** What the timer says to a screen reader: "Focus, 24 minutes left, cycle 1 of 4". */
export function describeTimer(view: ITimerView, now: number): string {
  const { timer } = view;
  if (timer.phase === 'idle') {
    return 'Timer not started';
  }
  const left = remainingSeconds(view, now);
  const minutes = Math.ceil(left / 60);
  const amount =
    left < 60
      ? `${Math.ceil(left)} seconds left`
      : `${minutes} minute${minutes === 1 ? '' : 's'} left`;
  const paused = timer.running ? '' : ', paused';
  return `${PHASE_LABELS[timer.phase]}, ${amount}${paused}, cycle ${timer.cycle} of ${timer.cycles}`;
}

/** Seconds since an ISO instant at local time `now`, corrected by the server offset. */
export function elapsedSeconds(
  since: string | null,
  now: number,
  offsetMs = 0
): number {
  if (since === null) {
    return 0;
  }
  const start = Date.parse(since);
  return Number.isNaN(start) ? 0 : Math.max(0, (now + offsetMs - start) / 1000);
}
