/**
 * The state of the session list, independent of how it is drawn.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { ISession } from './api';
import { APIError } from './apiError';

/** What the sidebar shows. */
export interface ISessionListState {
  /** The sessions of the last successful load; `null` before the first one. */
  readonly sessions: readonly ISession[] | null;
  /** A user-facing message for the last failed load; `null` after a success. */
  readonly error: string | null;
  /** Whether a load is in flight. */
  readonly loading: boolean;
}

/** Loads the current user's sessions on request and tells when its state changes. */
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

  private async _load(): Promise<void> {
    this._setState({ ...this._state, loading: true });
    try {
      const sessions = await this._fetchSessions();
      this._setState({ sessions, error: null, loading: false });
    } catch (error) {
      this._setState({
        ...this._state,
        error: errorMessage(error),
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

function errorMessage(error: unknown): string {
  if (error instanceof APIError) {
    return error.message;
  }
  return 'Study sessions could not be loaded because of an unexpected error.';
}
