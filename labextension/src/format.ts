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
