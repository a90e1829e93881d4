/**
 * The pure rules of a chat's message list and typing indicator: merging pages
 * and live events by id, tombstones, who is typing. No I/O, unit-tested.
 */
import type { IChatMessage } from '../common/realtimeProtocol';

/** A message as both session and group chat describe it. */
export type ChatMessage = IChatMessage & { group_id?: string | null };

/** The order of a chat: oldest first, by creation time, then id. */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  if (byTime !== 0 && !Number.isNaN(byTime)) {
    return byTime;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Which of two descriptions of one message is the newer: a deletion is final,
 * otherwise the later edit wins, and on a tie the incoming one.
 */
export function newerMessage(
  current: ChatMessage,
  incoming: ChatMessage
): ChatMessage {
  if (current.deleted_at !== null) {
    return current;
  }
  if (incoming.deleted_at !== null) {
    return incoming;
  }
  const editedAt = (m: ChatMessage) =>
    m.edited_at === null ? 0 : Date.parse(m.edited_at);
  return editedAt(incoming) >= editedAt(current) ? incoming : current;
}

/**
 * The messages of `current` and `incoming` together, once each (the newer
 * description of each id), in chat order. `current` is not modified.
 */
export function mergeMessages(
  current: readonly ChatMessage[],
  incoming: readonly ChatMessage[]
): ChatMessage[] {
  const byId = new Map<string, ChatMessage>();
  for (const message of current) {
    byId.set(message.id, message);
  }
  for (const message of incoming) {
    const known = byId.get(message.id);
    byId.set(message.id, known ? newerMessage(known, message) : message);
  }
  return [...byId.values()].sort(compareMessages);
}

/** Whether two messages follow each other closely enough to share a header. */
export function continuesGroup(
  previous: ChatMessage | undefined,
  message: ChatMessage,
  withinMs = 5 * 60_000
): boolean {
  return (
    previous !== undefined &&
    previous.sender.username === message.sender.username &&
    previous.deleted_at === null &&
    message.deleted_at === null &&
    Date.parse(message.created_at) - Date.parse(previous.created_at) <= withinMs
  );
}

/** How long a `typing` event keeps its author in the indicator (ms). */
export const TYPING_VISIBLE_MS = 3500;

/** How often this client sends `typing` while its user types (ms). */
export const TYPING_SEND_INTERVAL_MS = 2000;

/** Who is typing, by username, until when. Returns new objects; no mutation. */
export interface ITypingState {
  readonly until: ReadonlyMap<string, { name: string; until: number }>;
}

export const NO_TYPING: ITypingState = { until: new Map() };

/** Someone typed at `now`. */
export function noteTyping(
  state: ITypingState,
  user: { username: string; display_name: string },
  now: number
): ITypingState {
  const until = new Map(state.until);
  until.set(user.username, {
    name: user.display_name,
    until: now + TYPING_VISIBLE_MS
  });
  return { until };
}

/** Someone stopped typing (their message arrived). */
export function stopTyping(
  state: ITypingState,
  username: string
): ITypingState {
  if (!state.until.has(username)) {
    return state;
  }
  const until = new Map(state.until);
  until.delete(username);
  return { until };
}

/** The display names of who is typing at `now`, except `me`, in name order. */
export function typists(
  state: ITypingState,
  now: number,
  me: string | null
): string[] {
  const names: string[] = [];
  for (const [username, entry] of state.until) {
    if (username !== me && entry.until > now) {
      names.push(entry.name);
    }
  }
  return names.sort((a, b) => a.localeCompare(b));
}

/** "Ada is typing…", "Ada and Bo are typing…", "4 people are typing…", or "". */
export function describeTypists(names: readonly string[]): string {
  switch (names.length) {
    case 0:
      return '';
    case 1:
      return `${names[0]} is typing…`;
    case 2:
      return `${names[0]} and ${names[1]} are typing…`;
    case 3:
      return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
    default:
      return `${names.length} people are typing…`;
  }
}

/** A short time of day for a message ("14:05"), in the browser's locale. */
export function formatMessageTime(
  iso: string,
  options: { locale?: string; timeZone?: string } = {}
): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return new Intl.DateTimeFormat(options.locale, {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: options.timeZone
  }).format(date);
}
