/**
 * The call's rules and words as pure functions (unit-tested without a
 * browser): what to say when media is refused, who is speaking, how long a
 * recording is.
 */
import type { ICallMember, ISlot } from './callApi';

/** What the user is asked for. */
export type MediaKind = 'microphone' | 'camera' | 'screen';

/** A user-facing message for a failed `getUserMedia` / `getDisplayMedia`. */
export function mediaErrorMessage(error: unknown, kind: MediaKind): string {
  const name = error instanceof Error ? error.name : '';
  const what = kind === 'screen' ? 'screen sharing' : `the ${kind}`;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return kind === 'screen'
        ? 'Screen sharing was cancelled or not allowed.'
        : `The browser was not allowed to use ${what}. Allow it in the site's permissions to be seen and heard; you can still listen and chat.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${kind} was found. Connect one and try again; you can still listen and chat.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${kind} is in use by another application or could not be started.`;
    default:
      return `Could not use ${what}${error instanceof Error && error.message ? `: ${error.message}` : '.'}`;
  }
}

/** Audio levels (0..1) at or above this count as speaking. */
export const SPEAKING_LEVEL = 0.02;

/**
 * Who is speaking: the loudest over the threshold; the current speaker keeps
 * the highlight unless someone else is clearly louder (no flicker).
 */
export function activeSpeaker(
  levels: Readonly<Record<string, number>>,
  current: string | null
): string | null {
  let loudest: string | null = null;
  let max = SPEAKING_LEVEL;
  for (const [username, level] of Object.entries(levels)) {
    if (level >= max) {
      loudest = username;
      max = level;
    }
  }
  if (current !== null && (levels[current] ?? 0) >= SPEAKING_LEVEL) {
    return (levels[current] ?? 0) * 1.5 >= max ? current : loudest;
  }
  return loudest;
}

/** The call's members in tile order: me first, then by when they joined. */
export function tileOrder(
  members: readonly ICallMember[],
  me: string
): ICallMember[] {
  return [...members].sort((a, b) =>
    a.username === me
      ? -1
      : b.username === me
        ? 1
        : a.joined_at.localeCompare(b.joined_at)
  );
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Replace or add `member` (by username). */
export function upsertMember(
  members: readonly ICallMember[],
  member: ICallMember
): ICallMember[] {
  const others = members.filter(m => m.username !== member.username);
  return [...others, member];
}

/** The fields of a `getStats` report that carry audio levels. */
export interface IAudioReport {
  type: string;
  kind?: string;
  mid?: string;
  audioLevel?: number;
}

/**
 * Audio levels by username from a peer connection's stats: the others' from
 * their `inbound-rtp` audio (by the slot's mid), mine from the microphone's
 * `media-source` (0 while muted).
 */
export function audioLevels(
  reports: Iterable<IAudioReport>,
  slots: ReadonlyMap<string, ISlot>,
  me: string,
  micOn: boolean
): Record<string, number> {
  const levels: Record<string, number> = {};
  for (const report of reports) {
    if (report.kind !== 'audio') {
      continue;
    }
    if (report.type === 'inbound-rtp') {
      const slot = slots.get(report.mid ?? '');
      if (slot !== undefined) {
        levels[slot.username] = report.audioLevel ?? 0;
      }
    } else if (report.type === 'media-source') {
      levels[me] = micOn ? (report.audioLevel ?? 0) : 0;
    }
  }
  return levels;
}
