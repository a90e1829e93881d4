/**
 * Words for the office-hours views: positions, waits, statuses and the open
 * state. Pure functions, unit-tested.
 */
import { formatWhen } from '../common/format';
import type { EntryOutcome, EntryStatus, IEstimate, IOfficeHours } from './api';
import type { IZoneOptions } from './schedule';

export const ENTRY_STATUS_LABELS: Readonly<Record<EntryStatus, string>> = {
  waiting: 'Waiting',
  stepped_out: 'Stepped out',
  admitted: 'Admitted',
  in_progress: 'In the room',
  finished: 'Finished'
};

export const OUTCOME_LABELS: Readonly<Record<EntryOutcome, string>> = {
  helped: 'Helped',
  no_show: 'No-show',
  left: 'Left',
  removed: 'Removed'
};

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) {
    return `${n}th`;
  }
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** "You're next" or "You're 3rd in line". */
export function formatPosition(position: number): string {
  return position <= 1 ? "You're next" : `You're ${ordinal(position)} in line`;
}

/** The wait range in words: "any moment now", "about 5 minutes", "5–15 minutes". */
export function formatEstimate(estimate: IEstimate | null | undefined): string {
  if (!estimate) {
    return '';
  }
  const { low_minutes: low, high_minutes: high } = estimate;
  if (high <= 0) {
    return 'any moment now';
  }
  if (low === high) {
    return `about ${minutes(high)}`;
  }
  if (low <= 0) {
    return `up to ${minutes(high)}`;
  }
  if (high >= 60) {
    return `${minutes(low)} to ${minutes(high)}`;
  }
  return `${low}–${minutes(high)}`;
}

/** "1 minute", "12 minutes", "1 h 5 min". */
export function minutes(count: number): string {
  const n = Math.max(0, Math.round(count));
  if (n >= 60) {
    const rest = n % 60;
    return rest === 0 ? `${n / 60} h` : `${Math.floor(n / 60)} h ${rest} min`;
  }
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/** How long someone has waited since `joinedAt`, at `now`: "just now", "4 min", "1 h 5 min". */
export function formatWaiting(joinedAt: string, now: Date): string {
  const elapsed = Math.floor(
    (now.getTime() - new Date(joinedAt).getTime()) / 60_000
  );
  if (!(elapsed >= 1)) {
    return 'just now';
  }
  if (elapsed < 60) {
    return `${elapsed} min`;
  }
  const rest = elapsed % 60;
  return rest === 0
    ? `${elapsed / 60} h`
    : `${Math.floor(elapsed / 60)} h ${rest} min`;
}

/**
 * The open state in one line: "Open until 4:00 PM", "Open (opened by
 * staff)", "Closed. Opens tomorrow at 9:00 AM", "Closed".
 */
export function formatOpenState(
  officehours: IOfficeHours,
  now: Date,
  options: IZoneOptions = {}
): string {
  const change = officehours.override_until ?? officehours.next_change_at;
  const byHand =
    officehours.opened_by_hand === null
      ? ''
      : officehours.is_open
        ? ' (opened by staff)'
        : ' (closed by staff)';
  if (officehours.is_open) {
    const until = change ? ` until ${formatWhen(change, now, options)}` : '';
    return `Open${until}${byHand}`;
  }
  const opens = change ? `. Opens ${formatWhen(change, now, options)}` : '';
  return `Closed${byHand}${opens}`;
}

/** The topics of waiting entries with their counts, in order of first appearance. */
export function topicGroups(
  entries: readonly { status: EntryStatus; topic: string | null }[]
): { topic: string; count: number }[] {
  const counts = new Map<string, { topic: string; count: number }>();
  for (const entry of entries) {
    if (entry.status !== 'waiting' || !entry.topic) {
      continue;
    }
    const key = entry.topic.toLocaleLowerCase();
    const group = counts.get(key);
    if (group) {
      group.count += 1;
    } else {
      counts.set(key, { topic: entry.topic, count: 1 });
    }
  }
  return [...counts.values()];
}

/** A file name for the history export: "queue-<title>-<YYYY-MM-DD>.csv". */
export function historyFileName(title: string, now: Date): string {
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'office-hours';
  return `queue-${slug}-${now.toISOString().slice(0, 10)}.csv`;
}
