/**
 * Pure formatting helpers for session cards (no JupyterLab imports, unit-tested).
 */
import type { ISession, SessionStatus, SessionType } from './api';

export const STATUS_LABELS: Readonly<Record<SessionStatus, string>> = {
  scheduled: 'Scheduled',
  active: 'Active',
  completed: 'Completed',
  cancelled: 'Cancelled'
};

export const TYPE_LABELS: Readonly<Record<SessionType, string>> = {
  solo: 'Solo',
  one_on_one: 'One-on-one',
  group: 'Group'
};

/** Where and how to format dates; the browser's locale and time zone by default. */
export interface IDateFormatOptions {
  locale?: string;
  timeZone?: string;
}

/** A scheduled time in local time, or "Not scheduled". */
export function formatScheduledAt(
  iso: string | null,
  options: IDateFormatOptions = {}
): string {
  if (iso === null) {
    return 'Not scheduled';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return 'Not scheduled';
  }
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: options.timeZone
  }).format(date);
}

/** Days since 1970-01-01 of the calendar date that `zone` shows at `date`. */
export function localDayNumber(date: Date, zone?: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    timeZone: zone
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find(p => p.type === type)?.value ?? NaN);
  return Date.UTC(part('year'), part('month') - 1, part('day')) / 86_400_000;
}

const NEAR_DAYS: Readonly<Record<number, string>> = {
  [-1]: 'yesterday',
  0: 'today',
  1: 'tomorrow'
};

/**
 * A time in the user's zone, to use within a sentence: "today at 3:00 PM",
 * "tomorrow at 9:00 AM", "yesterday at 5:15 PM", "Thu, Mar 6, 9:00 AM" this
 * year, "Mar 4, 2025, 3:30 PM" another year; '' for an invalid time.
 */
export function formatWhen(
  iso: string,
  now: Date,
  options: IDateFormatOptions = {}
): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) {
    return '';
  }
  const timeZone = options.timeZone;
  const time = new Intl.DateTimeFormat(options.locale, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone
  }).format(when);
  const days = localDayNumber(when, timeZone) - localDayNumber(now, timeZone);
  if (days in NEAR_DAYS) {
    return `${NEAR_DAYS[days]} at ${time}`;
  }
  const year = (date: Date) =>
    new Intl.DateTimeFormat('en-US', { year: 'numeric', timeZone }).format(
      date
    );
  if (year(when) !== year(now)) {
    return formatScheduledAt(iso, options);
  }
  return new Intl.DateTimeFormat(options.locale, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone
  }).format(when);
}

/**
 * How far from `now` a time is, in the user's words and locale: "in 4
 * minutes", "in 20 seconds", "in 3 hours", "in 2 days", "2 minutes ago".
 */
export function formatRelative(
  iso: string,
  now: Date,
  options: IDateFormatOptions = {}
): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  if (Number.isNaN(seconds)) {
    return '';
  }
  const words = new Intl.RelativeTimeFormat(options.locale, {
    numeric: 'auto'
  });
  const size = Math.abs(seconds);
  if (size < 60) {
    return words.format(seconds, 'second');
  }
  if (size < 3600) {
    return words.format(Math.round(seconds / 60), 'minute');
  }
  if (size < 86_400) {
    return words.format(Math.round(seconds / 3600), 'hour');
  }
  return words.format(Math.round(seconds / 86_400), 'day');
}

/**
 * When something opens, to end a sentence ("Joining opens …"): "at 3:58 PM,
 * in 4 minutes" today, "tomorrow at 9:00 AM, in 18 hours" another day; ''
 * for an invalid time.
 */
export function formatOpening(
  iso: string,
  now: Date,
  options: IDateFormatOptions = {}
): string {
  const when = formatWhen(iso, now, options);
  if (when === '') {
    return '';
  }
  const day = when.startsWith('today ') ? when.slice('today '.length) : when;
  return `${day}, ${formatRelative(iso, now, options)}`;
}

/**
 * Why a session cannot be joined yet, with when it can: "Joining opens at
 * 3:58 PM, in 4 minutes"; `null` once joining is open (or was never
 * scheduled to open).
 */
export function joinNotOpenYet(
  session: Pick<ISession, 'join_opens_at'>,
  now: Date,
  options: IDateFormatOptions = {}
): string | null {
  const opens = session.join_opens_at;
  if (!opens || !(Date.parse(opens) > now.getTime())) {
    return null;
  }
  return `Joining opens ${formatOpening(opens, now, options)}`;
}

/** `text` with its first letter in upper case, to start a line. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "3 / 8": the participants present out of the maximum. */
export function formatParticipants(count: number, max: number): string {
  return `${count} / ${max}`;
}

/** One sentence that describes a card to screen readers. */
export function describeSession(
  session: ISession,
  options: IDateFormatOptions = {}
): string {
  const when =
    session.scheduled_at === null
      ? 'not scheduled'
      : `scheduled ${formatScheduledAt(session.scheduled_at, options)}`;
  return [
    session.title,
    STATUS_LABELS[session.status],
    `${TYPE_LABELS[session.type]} session`,
    when,
    `hosted by ${session.host.display_name}`,
    `${session.participant_count} of ${session.max_participants} participants`
  ].join(', ');
}
