/**
 * The wire types of the realtime protocol (`docs/realtime.md`): the envelopes,
 * the ops a client may send and the events the server pushes.
 *
 * The op and event maps are interfaces so that a feature can add its own
 * entries where it is written, by declaration merging:
 *
 * ```ts
 * declare module './realtimeProtocol' {
 *   interface IRealtimeOps {
 *     'nav.follow': { payload: { session_id: string }; result: null };
 *   }
 * }
 * ```
 */
import type { GroupSnapshot, IGroupMember } from '../groups/api';
import type {
  EntryStatus,
  IAnnouncement,
  IEstimate,
  IOfficeHours
} from '../officehours/api';
import type {
  IUserSummary,
  ISession,
  ParticipantState,
  SessionRole
} from './api';

// -- envelopes ---------------------------------------------------------------

/** Client to server: `{"id", "op", ...payload}`. */
export type OpFrame = { id: number; op: string } & Record<string, unknown>;

/** The error of a failed op, as the server sends it. */
export interface IOpErrorBody {
  /** A stable code: the REST `reason` values, plus `bad_json`, `unknown_op`, ... */
  code: string;
  /** For people. */
  message: string;
  /** Seconds to wait, with `rate_limited`. */
  retry_after?: number;
}

/** Server to client: the answer to the op sent with id `re`. */
export type AckFrame =
  | { re: unknown; ok: true; data?: unknown }
  | { re: unknown; ok: false; error: IOpErrorBody };

/** Server to client: an event on a channel. `seq` is null for ephemeral events. */
export interface IEventFrame {
  channel: string;
  seq: number | null;
  type: string;
  data: unknown;
}

// -- shared shapes -----------------------------------------------------------

/** A session as everyone sees it (no personal fields). */
export type SessionSnapshot = Omit<ISession, 'my_role' | 'my_state'>;

/** What a session came to, sent when it ends. */
export interface ISessionSummary {
  session_id: string;
  participant_count: number;
  message_count: number;
  goals_done: number;
  goals_total: number;
  duration_minutes: number;
  focus_minutes: number;
  break_minutes: number;
  ended_by: string;
  /** Minutes present, by username. */
  attendance: Record<string, number>;
  /**
   * A short summary of the chat and the goals done, written by the server's
   * summariser when the session ended (plain text, one line per point); empty
   * when it had nothing to say.
   */
  text: string;
  /** Characters in the shared notes when it ended (`docs/notes.md`). */
  notes_characters?: number;
  /** Shapes on the whiteboard when it ended (`docs/whiteboard.svg`). */
  whiteboard_shapes?: number;
  /** When the summary was written (ISO 8601). */
  created_at: string;
}

/** A member of a session. Timestamps are ISO 8601. */
export interface IParticipant {
  user: IUserSummary;
  role: SessionRole;
  state: ParticipantState;
  invited_by: string | null;
  invited_at: string | null;
  joined_at: string | null;
  left_at: string | null;
}

/** A chat message; `text` is empty once it is deleted (a tombstone). */
export interface IChatMessage {
  id: string;
  session_id: string;
  sender: IUserSummary;
  text: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

/** A notification of the current user. */
export interface INotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

/** A goal of a session. */
export interface IGoal {
  id: string;
  session_id: string;
  title: string;
  description: string;
  done: boolean;
  position: number;
  created_by: string;
  created_at: string;
  done_at: string | null;
}

export type TimerPhase = 'idle' | 'focus' | 'short_break' | 'long_break';

/**
 * The shared timer as of `server_time`; the server is the authority. While it
 * runs, show `phase_ends_at - now`, `now` corrected by the offset from
 * `server_time`. The highest `version` is the newest.
 */
export interface ITimerState {
  session_id: string;
  phase: TimerPhase;
  cycle: number;
  cycles: number;
  running: boolean;
  remaining_seconds: number;
  phase_ends_at: string | null;
  server_time: string;
  focus_minutes: number;
  short_break_minutes: number;
  long_break_minutes: number;
  focus_seconds: number;
  break_seconds: number;
  version: number;
  updated_by: string | null;
}

export type PresenceStatus = 'online' | 'away' | 'busy' | 'dnd' | 'offline';

/** A user's presence as others see it. */
export interface IPresence {
  user: IUserSummary;
  status: PresenceStatus;
  activity: string | null;
  last_seen: string | null;
}

/** What `presence.set` answers: your preferences, and you as you see yourself. */
export interface IPresencePreferences {
  status: Exclude<PresenceStatus, 'offline'> | null;
  appear_offline: boolean;
  hide_activity: boolean;
  presence: IPresence;
}

// -- ops ---------------------------------------------------------------------

/** What `subscribe` answers. */
export interface ISubscribeResult {
  channel: string;
  /** The last sequence number of the channel this connection has seen. */
  seq: number;
  /** The server no longer has every event after `since`: reload over REST. */
  reset: boolean;
}

/**
 * Every op: its payload (the envelope's fields besides `id` and `op`) and the
 * `data` of its ack. Extend it by declaration merging.
 */
export interface IRealtimeOps {
  subscribe: {
    payload: { channel: string; since?: number | null };
    result: ISubscribeResult;
  };
  unsubscribe: { payload: { channel: string }; result: { channel: string } };
  heartbeat: {
    payload: { idle?: boolean };
    result: { interval_seconds: number };
  };
  /** Fields left out stay as they are; `null` goes back to automatic. */
  'presence.set': {
    payload: {
      status?: Exclude<PresenceStatus, 'offline'> | null;
      appear_offline?: boolean;
      hide_activity?: boolean;
      activity?: string | null;
    };
    result: IPresencePreferences;
  };
  /** A session's chat (`session_id`) or a study group's (`group_id`). */
  /**
   * `idempotency_key`: the same key for every try of one message, so that a
   * retry returns the message the first try created (see `newIdempotencyKey`).
   */
  'chat.send': {
    payload: (
      { session_id: string; text: string } | { group_id: string; text: string }
    ) & { idempotency_key?: string };
    result: IChatMessage;
  };
  'chat.edit': {
    payload: { message_id: string; text: string };
    result: IChatMessage;
  };
  'chat.delete': { payload: { message_id: string }; result: IChatMessage };
  /** `broadcast` is false when the server throttled this one. */
  typing: {
    payload: { session_id: string } | { group_id: string };
    result: { broadcast: boolean };
  };
  'goal.create': {
    payload: {
      session_id: string;
      title: string;
      description?: string;
      idempotency_key?: string;
    };
    result: IGoal;
  };
  /** Only the fields given change; `position` moves the goal (0 is the first). */
  'goal.update': {
    payload: {
      goal_id: string;
      title?: string;
      description?: string;
      done?: boolean;
      position?: number;
    };
    result: IGoal;
  };
  'goal.delete': { payload: { goal_id: string }; result: IGoal };
  /** `goal_ids`: every goal of the session, once each, in the new order. */
  'goal.reorder': {
    payload: { session_id: string; goal_ids: string[] };
    result: { items: IGoal[]; done: number; total: number };
  };
  'timer.start': { payload: { session_id: string }; result: ITimerState };
  'timer.pause': { payload: { session_id: string }; result: ITimerState };
  'timer.resume': { payload: { session_id: string }; result: ITimerState };
  'timer.skip': { payload: { session_id: string }; result: ITimerState };
  'timer.reset': { payload: { session_id: string }; result: ITimerState };
  /** Minutes; only the fields given change, from the next phase (at once when idle). */
  'timer.configure': {
    payload: {
      session_id: string;
      focus_minutes?: number;
      short_break_minutes?: number;
      long_break_minutes?: number;
      cycles?: number;
    };
    result: ITimerState;
  };
}

export type OpName = keyof IRealtimeOps;
export type OpPayload<K extends OpName> = IRealtimeOps[K]['payload'];
export type OpResult<K extends OpName> = IRealtimeOps[K]['result'];

// -- events ------------------------------------------------------------------

/** Every event type and its `data`. Extend it by declaration merging. */
export interface IRealtimeEvents {
  'session.updated': { session: SessionSnapshot };
  'session.started': { session: SessionSnapshot };
  'session.ended': { session: SessionSnapshot; summary: ISessionSummary };
  'session.cancelled': { session: SessionSnapshot };
  'participant.invited': { participant: IParticipant };
  'participant.joined': { participant: IParticipant };
  'participant.left': { participant: IParticipant };
  'participant.updated': { participant: IParticipant };
  'chat.message': { message: IChatMessage };
  'chat.edited': { message: IChatMessage };
  'chat.deleted': { message: IChatMessage };
  typing: { user: { username: string; display_name: string } };
  'goal.created': { goal: IGoal };
  'goal.updated': { goal: IGoal };
  'goal.deleted': { goal: IGoal };
  'goal.reordered': { session_id: string; goal_ids: string[] };
  'timer.state': { timer: ITimerState };
  /**
   * Ephemeral, for this tab only: the server ended its subscription to the
   * channel (`reason`: `removed`, `left`, `deleted`). The client ends the
   * channel as if refused; listeners get `failed`.
   */
  'subscription.ended': { channel: string; reason: string; message: string };
  /** Durable: access of `usernames` (null: everyone) to the channel ended. */
  'access.revoked': {
    usernames: string[] | null;
    reason: string;
    message: string;
  };
  /** Ephemeral, on `presence:session:<id>` and `user:<name>`. */
  'presence.changed': { users: IPresence[] };
  notification: INotification;
  // office hours, on `queue:<officehours_id>`: no names, no questions
  'queue.entry_joined': { officehours_id: string; entry: IPublicQueueEntry };
  'queue.entry_left': { officehours_id: string; entry: IPublicQueueEntry };
  'queue.entry_updated': { officehours_id: string; entry: IPublicQueueEntry };
  'queue.entry_admitted': {
    officehours_id: string;
    session_id: string;
    entries: IPublicQueueEntry[];
  };
  /** The whole line in order, after every change of it. */
  'queue.positions': {
    officehours_id: string;
    length: number;
    staff_on_duty: number;
    entries: IPublicQueueEntry[];
  };
  'queue.announcement': { announcement: IAnnouncement };
  'queue.opened': { officehours: IOfficeHours };
  'queue.closed': { officehours: IOfficeHours };
  'queue.updated': { officehours: IOfficeHours };
  'queue.staff': { officehours_id: string; staff_on_duty: IUserSummary[] };
  'queue.deleted': { officehours_id: string };
  // study groups, on `group:<id>`
  'group.updated': { group: GroupSnapshot };
  'group.deleted': { group_id: string };
  'group.last_place': { group: GroupSnapshot };
  'member.invited': { member: IGroupMember };
  'member.joined': { member: IGroupMember };
  'member.updated': { member: IGroupMember };
  'member.left': { member: IGroupMember };
  'member.removed': { member: IGroupMember };
  'group.session_scheduled': { group: GroupSnapshot; session: SessionSnapshot };
  'group.session_started': { group: GroupSnapshot; session: SessionSnapshot };
  'group.session_ended': { group: GroupSnapshot; session: SessionSnapshot };
}

/** A queue entry as every follower of the queue's channel sees it. */
export interface IPublicQueueEntry {
  id: string;
  status: EntryStatus;
  /** 1 is next; null outside the line. */
  position: number | null;
  topic: string | null;
  /** In `queue.positions` only. */
  estimate?: IEstimate;
}

export type EventType = keyof IRealtimeEvents;

/** One event of type `K`. */
export interface IRealtimeEvent<K extends EventType = EventType> {
  channel: string;
  /** The event's number on its channel; null for ephemeral events. */
  seq: number | null;
  type: K;
  data: IRealtimeEvents[K];
}

/**
 * Any known event, discriminated by `type`: `switch (event.type)` narrows
 * `data`. The server may send types this client does not know yet; a listener
 * should ignore them (the `default` branch).
 */
export type RealtimeEvent = { [K in EventType]: IRealtimeEvent<K> }[EventType];

// -- errors ------------------------------------------------------------------

/** Codes of the errors the client makes itself (the others come from the server). */
export const TIMEOUT_CODE = 'timeout';
export const DISCONNECTED_CODE = 'disconnected';

/**
 * Errors after which an op may or may not have taken effect (the answer was
 * lost), or that pass by themselves: retried with the op's idempotency key,
 * such an op takes effect at most once.
 */
export const UNCERTAIN_CODES: ReadonlySet<string> = new Set([
  TIMEOUT_CODE,
  DISCONNECTED_CODE,
  'internal_error',
  'bus_unavailable',
  'database_unavailable'
]);

/**
 * A new idempotency key for one thing the user creates (a chat message): 32
 * hex digits, within the server's limits (1-64 of `A-Z a-z 0-9 _ - . :`).
 * `crypto.getRandomValues`, unlike `crypto.randomUUID`, also works on a
 * JupyterLab served over plain http.
 */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}
export const DISPOSED_CODE = 'disposed';

/**
 * A failed op: an error ack from the server (`code` is its code, such as
 * `forbidden` or `rate_limited`), no answer in time (`timeout`), the socket
 * dropped before the answer (`disconnected`) or the client was disposed.
 */
export class RealtimeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Seconds to wait before trying again, with `rate_limited`. */
    readonly retryAfter: number | null = null
  ) {
    super(message);
    this.name = 'RealtimeError';
  }

  static fromAck(error: IOpErrorBody): RealtimeError {
    return new RealtimeError(
      error.message,
      error.code,
      error.retry_after ?? null
    );
  }

  /**
   * `instanceof` holds for the errors of every copy of this class: the tab's
   * one client (`connection.ts`) may come from the JupyterLab extension's
   * bundle while the notebook widgets' ES module, which has its own copy,
   * checks its errors.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      value instanceof Error &&
      value.name === 'RealtimeError' &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  }
}

// -- parsing -----------------------------------------------------------------

/** A frame from the server, told apart; `null` for anything else. */
export type ServerFrame =
  { kind: 'ack'; ack: AckFrame } | { kind: 'event'; event: IEventFrame };

/** Parse one text frame from the server; `null` when it is not one we know. */
export function parseServerFrame(text: unknown): ServerFrame | null {
  if (typeof text !== 'string') {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return null;
  }
  const frame = value as Record<string, unknown>;
  if ('re' in frame && typeof frame.ok === 'boolean') {
    if (frame.ok) {
      return { kind: 'ack', ack: frame as AckFrame };
    }
    const error = frame.error as Record<string, unknown> | null | undefined;
    const body: IOpErrorBody = {
      code:
        typeof error?.code === 'string' && error.code ? error.code : 'error',
      message:
        typeof error?.message === 'string' && error.message
          ? error.message
          : 'The server refused the operation.'
    };
    if (typeof error?.retry_after === 'number') {
      body.retry_after = error.retry_after;
    }
    return { kind: 'ack', ack: { re: frame.re, ok: false, error: body } };
  }
  if (
    typeof frame.channel === 'string' &&
    typeof frame.type === 'string' &&
    (frame.seq === null || typeof frame.seq === 'number')
  ) {
    return {
      kind: 'event',
      event: {
        channel: frame.channel,
        seq: frame.seq,
        type: frame.type,
        data: frame.data
      }
    };
  }
  return null;
}
