/**
 * Who is here: the presence of the users this tab shows, kept current from
 * the presence channels of the realtime protocol (`docs/realtime.md`).
 *
 * ```ts
 * import { presence } from './presence';
 *
 * const model = presence();
 * const watch = model.watch({ session: id }); // members of a session
 * model.changed.connect((_, usernames) => rerender());
 * model.statusOf('ada'); // 'online' | 'away' | ... | undefined (unknown)
 * watch.dispose();
 * ```
 *
 * One model per tab (`presence()`), shared by every view: a scope watched by
 * two views is followed once. Pure logic besides the default transport, so it
 * can be tested under Node with a fake client and loader.
 */
import { URLExt } from '@jupyterlab/coreutils';
import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './api';
import { realtime } from './connection';
import type {
  IChannelListener,
  IPresence,
  IPresencePreferences,
  OpPayload,
  PresenceStatus,
  RealtimeEvent
} from './realtime';

/** What to follow: a session's members, a group's members, or named users. */
export type PresenceScope =
  { session: string } | { group: string } | { users: readonly string[] };

/** The status a person may choose in the status menu. */
export type ManualStatus = Exclude<PresenceStatus, 'offline'>;

/** The part of `RealtimeClient` the model uses (a fake one in tests). */
export interface IPresenceClient {
  subscribe(
    channel: string,
    listener: IChannelListener | ((event: RealtimeEvent) => void)
  ): IDisposable;
  request(
    op: 'presence.set',
    payload: OpPayload<'presence.set'>
  ): Promise<IPresencePreferences>;
}

/** Loads the current presence of a scope over REST. */
export type PresenceLoader = (
  query: Record<string, string>
) => Promise<readonly IPresence[]>;

export interface IPresenceModelOptions {
  /** The realtime client; the tab's shared one by default. */
  client?: () => IPresenceClient;
  /** `GET presence?...`; the REST API by default. */
  load?: PresenceLoader;
  /** `GET presence/me`; the REST API by default. */
  loadPreferences?: () => Promise<IPresencePreferences>;
  /** How often a `users` scope (which has no channel) is loaded again, in ms. */
  usersRefreshMs?: number;
}

interface IScopeEntry {
  /** How many `watch` calls hold it. */
  holders: number;
  subscription: IDisposable | null;
  timer: ReturnType<typeof setInterval> | null;
  query: Record<string, string>;
}

/** The channel of a scope, `null` for named users (they have none). */
export function presenceChannel(scope: PresenceScope): string | null {
  if ('session' in scope) {
    return `presence:session:${scope.session}`;
  }
  if ('group' in scope) {
    return `presence:group:${scope.group}`;
  }
  return null;
}

/** The query string fields of `GET presence` for a scope. */
export function presenceQuery(scope: PresenceScope): Record<string, string> {
  if ('session' in scope) {
    return { session: scope.session };
  }
  if ('group' in scope) {
    return { group: scope.group };
  }
  return { users: [...new Set(scope.users)].sort().join(',') };
}

/**
 * The presence of the users on screen, by username, and the current user's
 * own preferences (the status menu).
 */
export class PresenceModel implements IDisposable {
  constructor(options: IPresenceModelOptions = {}) {
    this._client = options.client ?? realtime;
    this._load = options.load ?? loadPresence;
    this._loadPreferences = options.loadPreferences ?? loadMyPresence;
    this._usersRefreshMs = options.usersRefreshMs ?? 60_000;
  }

  /** Emitted with the usernames whose presence changed. */
  get changed(): ISignal<this, readonly string[]> {
    return this._changed;
  }

  /** Emitted when the current user's own preferences change. */
  get preferencesChanged(): ISignal<this, IPresencePreferences | null> {
    return this._preferencesChanged;
  }

  /** The current user's preferences and presence; `null` until known. */
  get preferences(): IPresencePreferences | null {
    return this._preferences;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A user's status, `undefined` while it is not known. */
  statusOf(username: string): PresenceStatus | undefined {
    return this._users.get(username)?.status;
  }

  /** A user's whole presence (status, activity, last seen), if known. */
  presenceOf(username: string): IPresence | undefined {
    return this._users.get(username);
  }

  /**
   * Follow the presence of a scope until the returned handle is disposed:
   * load it over REST, then apply the channel's `presence.changed` events
   * (a `users` scope, without a channel, is loaded again now and then).
   */
  watch(scope: PresenceScope): IDisposable {
    const query = presenceQuery(scope);
    const key = JSON.stringify(query);
    let entry = this._scopes.get(key);
    if (entry === undefined) {
      entry = { holders: 0, subscription: null, timer: null, query };
      this._scopes.set(key, entry);
      this._start(scope, entry);
    }
    entry.holders++;
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        this._release(key);
      }
    };
  }

  /**
   * Follow the current user's own presence (`presence:user:<me>`, without
   * privacy filters) and load their preferences.
   */
  watchMe(username: string): void {
    if (this._me !== null || this._isDisposed) {
      return;
    }
    this._me = this._client().subscribe(`presence:user:${username}`, {
      event: event => this._onEvent(event),
      subscribed: () => void this.reloadPreferences()
    });
  }

  /** Load the current user's preferences again. */
  async reloadPreferences(): Promise<void> {
    const started = this._stamp;
    try {
      const preferences = await this._loadPreferences();
      this._setPreferences(preferences, started);
    } catch {
      // keep what we had; the status menu shows it
    }
  }

  /**
   * Change the current user's status or privacy (`presence.set`); fields
   * left out stay as they are. Rejects with the server's error.
   */
  async set(payload: OpPayload<'presence.set'>): Promise<IPresencePreferences> {
    const preferences = await this._client().request('presence.set', payload);
    this._setPreferences(preferences, this._stamp);
    return preferences;
  }

  /** Apply presences (from an event or a load), newer than `since` wins. */
  apply(users: readonly IPresence[], since: number | null = null): void {
    const changed: string[] = [];
    for (const presence of users) {
      const name = presence.user.username;
      if (since !== null && (this._stamps.get(name) ?? 0) > since) {
        continue; // an event came in while this was loading: it is newer
      }
      this._stamps.set(name, ++this._stamp);
      const old = this._users.get(name);
      if (old !== undefined && samePresence(old, presence)) {
        continue;
      }
      this._users.set(name, presence);
      changed.push(name);
    }
    if (changed.length > 0) {
      this._changed.emit(changed);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const entry of this._scopes.values()) {
      this._stop(entry);
    }
    this._scopes.clear();
    this._me?.dispose();
    this._me = null;
    Signal.clearData(this);
  }

  private _start(scope: PresenceScope, entry: IScopeEntry): void {
    const channel = presenceChannel(scope);
    if (channel !== null) {
      // subscribe first, then load: an event during the load is newer
      entry.subscription = this._client().subscribe(channel, {
        event: event => this._onEvent(event),
        // presence events are ephemeral: after each (re)subscription, reload
        subscribed: () => void this._reload(entry)
      });
    } else {
      void this._reload(entry);
      entry.timer = setInterval(
        () => void this._reload(entry),
        this._usersRefreshMs
      );
    }
  }

  private _stop(entry: IScopeEntry): void {
    entry.subscription?.dispose();
    entry.subscription = null;
    if (entry.timer !== null) {
      clearInterval(entry.timer);
      entry.timer = null;
    }
  }

  private _release(key: string): void {
    const entry = this._scopes.get(key);
    if (entry === undefined) {
      return;
    }
    entry.holders--;
    if (entry.holders <= 0) {
      this._stop(entry);
      this._scopes.delete(key);
    }
  }

  private async _reload(entry: IScopeEntry): Promise<void> {
    const started = this._stamp;
    try {
      const users = await this._load(entry.query);
      if (!this._isDisposed) {
        this.apply(users, started);
      }
    } catch {
      // not allowed (yet) or offline: statuses stay unknown or as they were
    }
  }

  private _onEvent(event: RealtimeEvent): void {
    if (event.type !== 'presence.changed') {
      return;
    }
    this.apply(event.data.users);
    const me = this._preferences?.presence.user.username;
    if (me === undefined || this._preferences === null) {
      return;
    }
    const mine = event.data.users.find(p => p.user.username === me);
    if (mine !== undefined && event.channel.startsWith('presence:user:')) {
      this._setPreferences({ ...this._preferences, presence: mine }, null);
    }
  }

  private _setPreferences(
    preferences: IPresencePreferences,
    since: number | null
  ): void {
    if (this._isDisposed) {
      return;
    }
    if (since !== null && this._preferencesStamp > since) {
      return;
    }
    this._preferencesStamp = ++this._stamp;
    this._preferences = preferences;
    this.apply([preferences.presence]);
    this._preferencesChanged.emit(preferences);
  }

  private readonly _client: () => IPresenceClient;
  private readonly _load: PresenceLoader;
  private readonly _loadPreferences: () => Promise<IPresencePreferences>;
  private readonly _usersRefreshMs: number;
  private readonly _users = new Map<string, IPresence>();
  /** When each user's presence was last set (a counter, not a clock). */
  private readonly _stamps = new Map<string, number>();
  private readonly _scopes = new Map<string, IScopeEntry>();
  private readonly _changed = new Signal<this, readonly string[]>(this);
  private readonly _preferencesChanged = new Signal<
    this,
    IPresencePreferences | null
  >(this);
  private _preferences: IPresencePreferences | null = null;
  private _preferencesStamp = 0;
  private _stamp = 0;
  private _me: IDisposable | null = null;
  private _isDisposed = false;
}

function samePresence(a: IPresence, b: IPresence): boolean {
  return (
    a.status === b.status &&
    a.activity === b.activity &&
    a.last_seen === b.last_seen &&
    a.user.display_name === b.user.display_name
  );
}

/** `GET presence?session=|group=|users=`. */
export async function loadPresence(
  query: Record<string, string>
): Promise<readonly IPresence[]> {
  const page = await requestAPI<{ items: IPresence[] }>(
    'presence' + URLExt.objectToQueryString(query)
  );
  return page.items;
}

/** `GET presence/me`. */
export function loadMyPresence(): Promise<IPresencePreferences> {
  return requestAPI<IPresencePreferences>('presence/me');
}

let shared: PresenceModel | null = null;

/** The tab's presence model, shared by every view. */
export function presence(): PresenceModel {
  if (shared === null || shared.isDisposed) {
    shared = new PresenceModel();
  }
  return shared;
}
