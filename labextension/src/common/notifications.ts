/**
 * What the user's notifications (`user:<me>` events and `GET notifications`)
 * become in JupyterLab's notification centre, and which of them were shown
 * already. Pure logic; `notificationCenter.ts` is the JupyterLab glue.
 */
import type { INotification } from './realtimeProtocol';

/** What a notification's button does. */
export type NotificationActionKind =
  /** Join the session (harmless when joined already), then open its room. */
  | 'join'
  /** Join the session, open its room and its study notebook, following the leader. */
  | 'join_study'
  /** Open the session's room. */
  | 'open_room'
  /** Open the office hours' view. */
  | 'open_office_hours';

export interface INotificationAction {
  kind: NotificationActionKind;
  label: string;
  /** The session or office hours it acts on. */
  id: string;
}

/** How a notification is shown. */
export interface INotificationPresentation {
  /** One line: the title, then the body when there is one. */
  message: string;
  type: 'default' | 'info' | 'success' | 'warning';
  actions: INotificationAction[];
  /** A session whose room opens by itself when this arrives live. */
  autoOpenRoom: string | null;
}

/** How a notification found its way here. */
export type NotificationSource = 'live' | 'loaded';

/** What to do with a notification: a toast, only the centre, or nothing. */
export type NotificationDisplay = 'toast' | 'silent' | null;

/** Kinds after which the session lists are out of date. */
const SESSION_KINDS = new Set([
  'invite',
  'study_invite',
  'session_started',
  'session_ended',
  'session_cancelled',
  'removed',
  'group_session_started',
  'your_turn'
]);

/** Whether a notification of this kind changes the user's session lists. */
export function affectsSessions(kind: string): boolean {
  return SESSION_KINDS.has(kind);
}

/**
 * The session whose offers to join (invites, reminders, "started") this
 * notification withdraws, because the session was cancelled or has ended;
 * `null` for other notifications. The server marks those offers read; a tab
 * that shows them takes them away.
 */
export function withdrawnOffers(notification: INotification): string | null {
  const ends = ['session_cancelled', 'session_ended'];
  return ends.includes(notification.kind)
    ? text(notification.data.session_id)
    : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** How to show one notification. Unknown kinds show their title. */
export function presentNotification(
  notification: INotification
): INotificationPresentation {
  const { kind, title, body, data } = notification;
  const session = text(data.session_id);
  const officeHours = text(data.officehours_id);
  const message = body ? `${title}: ${body}` : title;
  const presentation: INotificationPresentation = {
    message,
    type: 'info',
    actions: [],
    autoOpenRoom: null
  };
  const act = (
    kind: NotificationActionKind,
    label: string,
    id: string | null
  ): void => {
    if (id !== null) {
      presentation.actions.push({ kind, label, id });
    }
  };
  switch (kind) {
    case 'invite':
    case 'reminder':
    case 'group_session_started':
      act('join', 'Join', session);
      break;
    case 'session_started':
      act('join', 'Open room', session);
      break;
    case 'study_invite':
      act('join_study', 'Join and follow', session);
      break;
    case 'your_turn':
      presentation.type = 'success';
      act('open_room', 'Open room', session);
      presentation.autoOpenRoom = session;
      break;
    case 'almost_up':
    case 'queue_announcement':
      act('open_office_hours', 'Open office hours', officeHours);
      break;
    case 'session_ended':
      presentation.type = 'success';
      break;
    case 'session_cancelled':
    case 'removed':
    case 'group_removed':
      presentation.type = 'warning';
      break;
    default:
      presentation.type = 'default';
  }
  return presentation;
}

/** Where the ids of the notifications shown already are kept between page loads. */
export interface IShownStore {
  load(): string[];
  save(ids: string[]): void;
}

export interface INotificationFeedOptions {
  /** Loaded notifications younger than this (ms) still pop up; 2 minutes by default. */
  recentMs?: number;
  /** How many shown ids are remembered; 200 by default. */
  remember?: number;
  /** Keeps the shown ids across page loads; in memory only by default. */
  store?: IShownStore;
  /** The clock, in ms; `Date.now` by default. */
  now?: () => number;
}

/**
 * Decides which notifications are shown, each once: a notification that
 * arrives live and again in a load after a reconnect (or in another page
 * load) is shown the first time only. Read ones are never shown.
 */
export class NotificationFeed {
  constructor(options: INotificationFeedOptions = {}) {
    this._recentMs = options.recentMs ?? 120_000;
    this._remember = options.remember ?? 200;
    this._store = options.store ?? null;
    this._now = options.now ?? Date.now;
    this._shown = this._store?.load() ?? [];
  }

  /**
   * How to display a notification, and remember it as shown: a toast when it
   * is live or recent, only the notification centre when it is older, nothing
   * when it was read or shown before.
   */
  accept(
    notification: INotification,
    source: NotificationSource
  ): NotificationDisplay {
    if (notification.read_at !== null || this.wasShown(notification.id)) {
      return null;
    }
    this._shown.push(notification.id);
    if (this._shown.length > this._remember) {
      this._shown.splice(0, this._shown.length - this._remember);
    }
    this._store?.save([...this._shown]);
    if (source === 'live') {
      return 'toast';
    }
    const created = Date.parse(notification.created_at);
    return this._now() - created <= this._recentMs ? 'toast' : 'silent';
  }

  /** Whether a notification was shown already. */
  wasShown(id: string): boolean {
    return this._shown.includes(id);
  }

  private readonly _recentMs: number;
  private readonly _remember: number;
  private readonly _store: IShownStore | null;
  private readonly _now: () => number;
  private readonly _shown: string[];
}

/** An `IShownStore` in the browser's local storage, per user. */
export function localShownStore(username: string): IShownStore {
  const key = `jupyter-studysession:notifications-shown:${username}`;
  return {
    load: () => {
      try {
        const value = JSON.parse(localStorage.getItem(key) ?? '[]');
        return Array.isArray(value)
          ? value.filter((id): id is string => typeof id === 'string')
          : [];
      } catch {
        return [];
      }
    },
    save: ids => {
      try {
        localStorage.setItem(key, JSON.stringify(ids));
      } catch {
        // storage full or disabled: remembered for this page only
      }
    }
  };
}
