/**
 * The follow state of one session, shared by its room and its study notebook
 * in this tab: the study notebook, who leads (and under which `epoch`), the
 * leader's last place, who follows; the lead actions; the places as they
 * arrive (`placeReceived`). It loads `GET sessions/<id>/follow`, then keeps
 * up with `follow:<id>`, reloading after every (re)subscription so that a tab
 * that slept or lost its socket is never stuck on an old leader.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { IRealtimeEvent } from '../common/realtimeProtocol';
import { errorMessage, Store } from '../common/store';
import { getFollow } from './api';
import type { INotebookPlace } from './place';
import {
  followChannel,
  FollowState,
  ICoverage,
  IFollow,
  IFollowStatus
} from './protocol';
import type { RealtimeClient } from '../common/realtime';
import type { RealtimeSubscription } from '../common/realtimeSubscription';

export interface IFollowSnapshot {
  follow: IFollow | null;
  /** The coverage, once the session ended. */
  coverage: ICoverage | null;
  ended: boolean;
  error: string | null;
  busy: boolean;
}

/** A place from the leader, as it arrived. */
export interface IPlaceReceived {
  leader: string;
  epoch: number;
  place: INotebookPlace;
}

export class FollowModel extends Store<IFollowSnapshot> {
  constructor(
    readonly sessionId: string,
    readonly me: string,
    private readonly _client: RealtimeClient,
    private readonly _load: (id: string) => Promise<IFollow> = getFollow
  ) {
    super({
      follow: null,
      coverage: null,
      ended: false,
      error: null,
      busy: false
    });
    this._subscription = _client.subscribe(followChannel(sessionId), {
      event: event => this._onEvent(event),
      subscribed: () => void this.reload(),
      failed: error => this.set({ error: errorMessage(error) })
    });
  }

  /** Places from the leader (not from oneself), in order. */
  get placeReceived(): ISignal<this, IPlaceReceived> {
    return this._placeReceived;
  }

  /** The username of the leader, or null. */
  get leader(): string | null {
    return this.state.follow?.leader?.username ?? null;
  }

  get isLeader(): boolean {
    return this.leader === this.me;
  }

  async reload(): Promise<void> {
    try {
      const follow = await this._load(this.sessionId);
      this.set({ follow, error: null });
    } catch (error) {
      this.set({ error: errorMessage(error) });
    }
  }

  lead(): Promise<void> {
    return this._act(() =>
      this._client.request('nav.lead', { session_id: this.sessionId })
    );
  }

  release(): Promise<void> {
    return this._act(() =>
      this._client.request('nav.release', { session_id: this.sessionId })
    );
  }

  hand(to: string): Promise<void> {
    return this._act(() =>
      this._client.request('nav.hand', { session_id: this.sessionId, to })
    );
  }

  /**
   * Send the leader's place (only while this user leads). A refusal because
   * the lead moved on reloads the state: this tab then follows.
   */
  async sendPlace(place: INotebookPlace): Promise<void> {
    const follow = this.state.follow;
    if (follow === null || !this.isLeader) {
      return;
    }
    try {
      await this._client.request('nav.place', {
        session_id: this.sessionId,
        epoch: follow.epoch,
        ...place
      });
    } catch (error) {
      await this.reload();
    }
  }

  /** Tell the room whether this tab follows, has paused or is elsewhere. */
  async setStatus(state: FollowState): Promise<void> {
    if (state === this._status) {
      return;
    }
    this._status = state;
    try {
      await this._client.request('nav.status', {
        session_id: this.sessionId,
        state
      });
    } catch {
      this._status = null; // told again on the next change
    }
  }

  override dispose(): void {
    this._subscription.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  private async _act(call: () => Promise<IFollow>): Promise<void> {
    this.set({ busy: true, error: null });
    try {
      this.set({ follow: await call(), busy: false });
    } catch (error) {
      this.set({ busy: false, error: errorMessage(error) });
      await this.reload();
    }
  }

  private _onEvent(event: IRealtimeEvent<any>): void {
    const follow = this.state.follow;
    switch (event.type) {
      case 'nav.place': {
        const data = event.data as IPlaceReceived;
        if (follow !== null && data.epoch < follow.epoch) {
          return; // sent under a lead that has moved on
        }
        if (follow !== null) {
          this.set({ follow: { ...follow, place: data.place } });
        }
        if (data.leader !== this.me) {
          this._placeReceived.emit(data);
        }
        return;
      }
      case 'follow.leader': {
        const data = event.data;
        if (follow !== null && data.epoch >= follow.epoch) {
          this.set({
            follow: { ...follow, leader: data.leader, epoch: data.epoch }
          });
        }
        void this.reload(); // can_lead and the place depend on who leads
        return;
      }
      case 'follow.notebook':
        if (follow !== null) {
          this.set({ follow: { ...follow, notebook: event.data.notebook } });
        }
        return;
      case 'follow.ended':
        this.set({
          ended: true,
          coverage: event.data.coverage,
          follow: follow && { ...follow, leader: null, can_lead: false }
        });
        return;
      case 'nav.status': {
        if (follow === null) {
          return;
        }
        const { user, state } = event.data;
        const others = follow.statuses.filter(
          s => s.user.username !== user.username
        );
        const statuses: IFollowStatus[] =
          state === null ? others : [...others, { user, state }];
        statuses.sort((a, b) => a.user.username.localeCompare(b.user.username));
        this.set({ follow: { ...follow, statuses } });
        return;
      }
    }
  }

  private readonly _subscription: RealtimeSubscription;
  private readonly _placeReceived = new Signal<this, IPlaceReceived>(this);
  private _status: FollowState | null = null;
}

/**
 * The tab's follow models, one per session, shared by the room and the
 * notebook: `acquire` one, `release` it when done (the last release disposes
 * it).
 */
export class FollowModels {
  constructor(
    private readonly _create: (sessionId: string) => Promise<FollowModel>
  ) {}

  async acquire(sessionId: string): Promise<FollowModel> {
    let entry = this._entries.get(sessionId);
    if (entry === undefined) {
      entry = { model: this._create(sessionId), count: 0 };
      this._entries.set(sessionId, entry);
    }
    entry.count += 1;
    try {
      return await entry.model;
    } catch (error) {
      this._entries.delete(sessionId);
      throw error;
    }
  }

  release(sessionId: string): void {
    const entry = this._entries.get(sessionId);
    if (entry === undefined) {
      return;
    }
    entry.count -= 1;
    if (entry.count <= 0) {
      this._entries.delete(sessionId);
      void entry.model.then(model => model.dispose());
    }
  }

  private readonly _entries = new Map<
    string,
    { model: Promise<FollowModel>; count: number }
  >();
}
