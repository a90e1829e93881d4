/**
 * Office-hours slots as the user reads them: the coming occurrences of the
 * weekly slots (wall-clock times in an IANA zone) and of the one-off slots,
 * as instants, formatted in the user's own time zone. Pure functions (no
 * JupyterLab, no DOM), unit-tested.
 */
import { localDayNumber } from '../common/format';
import type { IOneOffSlot, IWeeklySlot } from './api';

/** One occurrence of a slot. */
export interface ISlotOccurrence {
  start: Date;
  end: Date;
  /** From a weekly slot (else a one-off slot). */
  weekly: boolean;
}

/** Where and how to format; the browser's locale and time zone by default. */
export interface IZoneOptions {
  locale?: string;
  timeZone?: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface ILocalDate {
  year: number;
  month: number;
  day: number;
}

function wallClock(date: Date, zone: string): ILocalDate & { minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric'
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find(p => p.type === type)?.value ?? NaN);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    minutes: get('hour') * 60 + get('minute')
  };
}

/** Minutes to add to UTC to get the wall clock of `zone` at `date`. */
export function zoneOffsetMinutes(date: Date, zone: string): number {
  const local = wallClock(date, zone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day) / MINUTE;
  const utcMinutes = Math.floor(date.getTime() / MINUTE);
  return asUtc + local.minutes - utcMinutes;
}

/**
 * The instant at which the wall clock of `zone` shows `date` at `hhmm`.
 * An ambiguous time (the hour repeated when clocks go back) is its first
 * occurrence, as on the server.
 */
export function zonedTime(date: ILocalDate, hhmm: string, zone: string): Date {
  const [hours, minutes] = hhmm.split(':').map(Number);
  const wall =
    Date.UTC(date.year, date.month - 1, date.day) +
    ((hours ?? 0) * 60 + (minutes ?? 0)) * MINUTE;
  // the offset before and after the instant: try the earlier one first
  const offsets = [
    zoneOffsetMinutes(new Date(wall - DAY / 2), zone),
    zoneOffsetMinutes(new Date(wall + DAY / 2), zone)
  ].sort((a, b) => b - a);
  for (const offset of offsets) {
    const candidate = new Date(wall - offset * MINUTE);
    if (zoneOffsetMinutes(candidate, zone) === offset) {
      return candidate;
    }
  }
  // a time skipped when clocks go forward: the offset from before the change
  return new Date(wall - (offsets[1] ?? 0) * MINUTE);
}

/** Monday 0 … Sunday 6, like Python's `weekday()`. */
function weekday(date: ILocalDate): number {
  return (
    (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) %
    7
  );
}

function addDays(date: ILocalDate, days: number): ILocalDate {
  const moved = new Date(
    Date.UTC(date.year, date.month - 1, date.day) + days * DAY
  );
  return {
    year: moved.getUTCFullYear(),
    month: moved.getUTCMonth() + 1,
    day: moved.getUTCDate()
  };
}

/**
 * The occurrences that have not ended by `now` and start within `days` days,
 * soonest first: the current one (if a slot is on) comes first.
 */
export function upcomingSlots(
  weekly: readonly IWeeklySlot[],
  oneOff: readonly IOneOffSlot[],
  now: Date,
  days = 7
): ISlotOccurrence[] {
  const horizon = now.getTime() + days * DAY;
  const found: ISlotOccurrence[] = [];
  for (const slot of weekly) {
    const today = wallClock(now, slot.timezone);
    for (let offset = -1; offset <= days; offset++) {
      const day = addDays(today, offset);
      if (weekday(day) !== slot.weekday) {
        continue;
      }
      const start = zonedTime(day, slot.start, slot.timezone);
      const end = zonedTime(day, slot.end, slot.timezone);
      found.push({ start, end, weekly: true });
    }
  }
  for (const slot of oneOff) {
    found.push({
      start: new Date(slot.start),
      end: new Date(slot.end),
      weekly: false
    });
  }
  return found
    .filter(
      o =>
        o.end.getTime() > now.getTime() &&
        o.start.getTime() < horizon &&
        !Number.isNaN(o.start.getTime())
    )
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** "Mon, Mar 3, 2:00 PM – 4:00 PM" in the user's zone (both dates if it spans days). */
export function formatOccurrence(
  occurrence: ISlotOccurrence,
  options: IZoneOptions = {}
): string {
  const zone =
    options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const time: Intl.DateTimeFormatOptions = {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: zone
  };
  const full = new Intl.DateTimeFormat(options.locale, {
    ...time,
    weekday: 'short',
    month: 'short',
    day: 'numeric'
  });
  const start = full.format(occurrence.start);
  const sameDay =
    localDayNumber(occurrence.start, zone) ===
    localDayNumber(new Date(occurrence.end.getTime() - 1), zone);
  const end = sameDay
    ? new Intl.DateTimeFormat(options.locale, time).format(occurrence.end)
    : full.format(occurrence.end);
  return `${start} – ${end}`;
}

const WEEKDAYS = [
  'Mondays',
  'Tuesdays',
  'Wednesdays',
  'Thursdays',
  'Fridays',
  'Saturdays',
  'Sundays'
];

/** "Mondays 09:00–10:00 (America/New_York)": a weekly slot as it was set. */
export function describeWeeklySlot(slot: IWeeklySlot): string {
  return `${WEEKDAYS[slot.weekday] ?? '?'} ${slot.start}–${slot.end} (${slot.timezone})`;
}
