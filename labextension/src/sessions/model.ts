/**
 * The state of the Study sidebar, independent of how it is drawn: the session
 * lists of its tabs, the state of each card's actions, and what a live
 * notification changes. Pure logic over an `IStudyApi` (unit-tested).
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { IMe, ISession } from '../common/api';
import { errorMessage } from '../common/apiError';
import { affectsSessions } from '../common/notifications';
import type { INotification } from '../common/realtimeProtocol';
import { isOver, isReadOnly, SessionAction } from './sessionActions';
import type { IStudyApi } from './sessionsApi';

/** What a session list shows. */
export interface ISessionListState {
  /** The sessions of the last successful load; `null` before the first one. */
  readonly sessions: readonly ISession[] | null;
  /** A user-facing message for the last failed load; `null` after a success. */
  readonly error: string | null;
  /** Whether a load is in flight. */
  readonly loading: boolean;
}

/** Loads a list of sessions on request and tells when its state changes. */
export class SessionListModel {
  /**
   * @param fetchSessions - resolves to the sessions to show; an `APIError`
   *   rejection becomes the error message shown to the user
   */
  constructor(fetchSessions: () => Promise<readonly ISession[]>) {
    this._fetchSessions = fetchSessions;
  }

  get state(): ISessionListState {
    return this._state;
  }

  /** Emitted after every change of `state`. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Load the sessions again. Calls made while a load is in flight share it.
   * The returned promise never rejects: failures end up in `state.error`.
   */
  refresh(): Promise<void> {
    if (this._pending === null) {
      this._pending = this._load().finally(() => {
        this._pending = null;
      });
    }
    return this._pending;
  }

  /** Show a newer copy of a session the list holds (from an action's answer). */
  update(session: ISession): void {
    const sessions = this._state.sessions;
    if (sessions === null || !sessions.some(s => s.id === session.id)) {
      return;
    }
    this._setState({
      ...this._state,
      sessions: sessions.map(s => (s.id === session.id ? session : s))
    });
  }

  private async _load(): Promise<void> {
    this._setState({ ...this._state, loading: true });
    try {
      const sessions = await this._fetchSessions();
      this._setState({ sessions, error: null, loading: false });
    } catch (error) {
      this._setState({
        ...this._state,
        error: errorMessage(
          error,
          'Study sessions could not be loaded because of an unexpected error.'
        ),
        loading: false
      });
    }
  }

  private _setState(state: ISessionListState): void {
    this._state = state;
    this._changed.emit();
  }

  private readonly _fetchSessions: () => Promise<readonly ISession[]>;
  private readonly _changed = new Signal<this, void>(this);
  private _pending: Promise<void> | null = null;
  private _state: ISessionListState = {
    sessions: null,
    error: null,
    loading: false
  };
}

/** The tabs of the sidebar, in order. */
export type StudyTab = 'mine' | 'browse' | 'history' | 'groups';

export const TAB_LABELS: Readonly<Record<StudyTab, string>> = {
  mine: 'My sessions',
  browse: 'Browse',
  history: 'History',
  groups: 'Groups'
};

export const STUDY_TABS: readonly StudyTab[] = [
  'mine',
  'browse',
  'history',
  'groups'
];

/** The state of one card's actions. */
export interface ICardState {
  /** The action under way. */
  readonly pending: SessionAction | null;
  /** Why the last action failed, for people. */
  readonly error: string | null;
  /** What the last action did, for people ("Invite link copied"). */
  readonly notice: string | null;
}

const IDLE_CARD: ICardState = { pending: null, error: null, notice: null };

export interface IStudyModelOptions {
  api: IStudyApi;
  /** Open (or activate) a session's room. */
  openRoom: (sessionId: string) => Promise<void>;
  /** Put text on the clipboard. */
  copyText: (text: string) => Promise<void>;
  /** The URL of an invite link, from its session and token. */
  inviteUrl: (sessionId: string, token: string) => string;
}

/**
 * Upcoming first: active sessions, then scheduled ones by time (unscheduled
 * last), each group in a stable order.
 */
export function sortUpcoming(sessions: readonly ISession[]): ISession[] {
  const rank = (s: ISession): number => (s.status === 'active' ? 0 : 1);
  const when = (s: ISession): number =>
    s.scheduled_at === null
      ? Number.POSITIVE_INFINITY
      : Date.parse(s.scheduled_at);
  return [...sessions].sort((a, b) => rank(a) - rank(b) || when(a) - when(b));
}

/** The Study sidebar's state: its tabs' lists and the cards' actions. */
export class StudyModel {
  constructor(options: IStudyModelOptions) {
    this._options = options;
    const api = options.api;
    this.mine = new SessionListModel(async () =>
      sortUpcoming((await api.listMine()).filter(s => !isOver(s)))
    );
    this.browse = new SessionListModel(() => api.browse());
    this.history = new SessionListModel(() => api.history());
  }

  /** Your scheduled and active sessions (invited, joined or left). */
  readonly mine: SessionListModel;
  /** Public sessions you may join. */
  readonly browse: SessionListModel;
  /** Your completed and cancelled sessions. */
  readonly history: SessionListModel;

  /** The current user, once loaded. */
  get me(): IMe | null {
    return this._me;
  }

  get tab(): StudyTab {
    return this._tab;
  }

  /** Emitted when the tab, the user or a card's state changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The list of a session tab; `null` for the groups tab. */
  list(tab: StudyTab): SessionListModel | null {
    switch (tab) {
      case 'mine':
        return this.mine;
      case 'browse':
        return this.browse;
      case 'history':
        return this.history;
      default:
        return null;
    }
  }

  /** Show a tab, loading its list. */
  setTab(tab: StudyTab): void {
    if (tab === this._tab) {
      return;
    }
    this._tab = tab;
    this._changed.emit();
    void this.list(tab)?.refresh();
  }

  /** Load the current user (once) and the shown tab's list. */
  async refresh(): Promise<void> {
    if (this._me === null) {
      try {
        this._me = await this._options.api.getMe();
        this._changed.emit();
      } catch {
        // the lists show the server's error
      }
    }
    await this.list(this._tab)?.refresh();
  }

  /** Load every session list again (the shown one first). */
  async refreshAll(): Promise<void> {
    const shown = this.list(this._tab);
    await shown?.refresh();
    await Promise.all(
      [this.mine, this.browse, this.history]
        .filter(list => list !== shown)
        .map(list => list.refresh())
    );
  }

  /** A card's action state. */
  card(sessionId: string): ICardState {
    return this._cards.get(sessionId) ?? IDLE_CARD;
  }

  /**
   * Take an action on a session. The promise never rejects: a failure shows
   * on the card as the server's message.
   */
  async perform(session: ISession, action: SessionAction): Promise<void> {
    if (this.card(session.id).pending !== null) {
      return;
    }
    this._setCard(session.id, { pending: action, error: null, notice: null });
    const { api, openRoom, copyText, inviteUrl } = this._options;
    let notice: string | null = null;
    try {
      switch (action) {
        case 'join':
          this._updateEverywhere(await api.join(session.id));
          // joined either way; without a room view, the card says so
          await openRoom(session.id).catch(() => undefined);
          break;
        case 'open':
          await openRoom(session.id);
          break;
        case 'start':
          this._updateEverywhere(await api.start(session.id));
          break;
        case 'end':
          this._updateEverywhere(await api.end(session.id));
          notice = 'The session has ended.';
          break;
        case 'cancel':
          this._updateEverywhere(await api.cancel(session.id));
          notice = 'The session was cancelled.';
          break;
        case 'invite_link': {
          const link = await api.createInviteLink(session.id);
          const url = inviteUrl(session.id, link.token ?? '');
          await copyText(url);
          notice = 'Invite link copied. It works for 7 days.';
          break;
        }
      }
      this._setCard(session.id, { pending: null, error: null, notice });
    } catch (error) {
      this._setCard(session.id, {
        pending: null,
        error: errorMessage(
          error,
          'That did not work because of an unexpected error.'
        ),
        notice: null
      });
    }
    if (!isReadOnly(action)) {
      void this.refreshAll();
    }
  }

  /** Forget a card's message (its close button). */
  dismiss(sessionId: string): void {
    if (this._cards.delete(sessionId)) {
      this._changed.emit();
    }
  }

  /** A notification arrived: reload the lists it makes out of date. */
  handleNotification(notification: INotification): void {
    if (affectsSessions(notification.kind)) {
      void this.refreshAll();
    }
  }

  /** A session was created here: show it first on "My sessions". */
  async created(session: ISession): Promise<void> {
    this.setTab('mine');
    await this.mine.refresh();
    this._setCard(session.id, {
      pending: null,
      error: null,
      notice: 'Session created.'
    });
  }

  private _updateEverywhere(session: ISession): void {
    for (const list of [this.mine, this.browse, this.history]) {
      list.update(session);
    }
  }

  private _setCard(sessionId: string, state: ICardState): void {
    this._cards.set(sessionId, state);
    this._changed.emit();
  }

  private readonly _options: IStudyModelOptions;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _cards = new Map<string, ICardState>();
  private _me: IMe | null = null;
  private _tab: StudyTab = 'mine';
}
