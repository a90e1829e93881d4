/**
 * The user's notifications in JupyterLab's notification centre: live from
 * `user:<me>`, and the unread ones loaded over REST when the channel
 * (re)subscribes. Each is shown once (`NotificationFeed`) and marked read
 * when the person acts on it or dismisses it.
 */
import { Notification } from '@jupyterlab/apputils';
import type { CommandRegistry } from '@lumino/commands';
import type { IDisposable } from '@lumino/disposable';

import type { IStudyApi } from '../sessions/sessionsApi';
import { errorMessage } from './apiError';
import {
  INotificationAction,
  localShownStore,
  NotificationFeed,
  NotificationSource,
  presentNotification,
  withdrawnOffers
} from './notifications';
import type { INotification, RealtimeClient } from './realtime';

export const OPEN_ROOM = 'studysession:open-room';
export const OPEN_OFFICE_HOURS = 'studysession:open-office-hours';
export const OPEN_STUDY_NOTEBOOK = 'studysession:open-study-notebook';

/** Toasts of these kinds stay until the person acts (or closes them). */
const STICKY = new Set([
  'invite',
  'study_invite',
  'your_turn',
  'group_session_started'
]);

export interface INotificationBridgeOptions {
  commands: CommandRegistry;
  api: IStudyApi;
  client: () => RealtimeClient;
  /** Called with each live notification, and after acting on one. */
  onNotification?: (notification: INotification) => void;
}

/** Shows the user's notifications in JupyterLab's notification centre. */
export class NotificationBridge implements IDisposable {
  constructor(options: INotificationBridgeOptions) {
    this._options = options;
    Notification.manager.changed.connect(this._onCenterChanged, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Follow the user's notifications. */
  start(username: string): void {
    if (this._subscription !== null || this._isDisposed) {
      return;
    }
    this._feed = new NotificationFeed({ store: localShownStore(username) });
    this._subscription = this._options.client().subscribe(`user:${username}`, {
      event: event => {
        if (event.type === 'notification') {
          this._show(event.data, 'live');
        }
      },
      // first subscription, a reconnect that lost events, or a reset: what
      // is unread and not shown yet comes over REST
      subscribed: status => {
        if (!status.resumed || status.reset) {
          void this._load();
        }
      }
    });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._subscription?.dispose();
    Notification.manager.changed.disconnect(this._onCenterChanged, this);
  }

  private async _load(): Promise<void> {
    let page;
    try {
      page = await this._options.api.listNotifications(50);
    } catch {
      return; // the live ones still come
    }
    // unread first, newest first: show the oldest unread first
    const unread = page.items.filter(n => n.read_at === null).reverse();
    for (const notification of unread) {
      this._show(notification, 'loaded');
    }
  }

  private _show(notification: INotification, source: NotificationSource): void {
    const display = this._feed?.accept(notification, source) ?? null;
    if (source === 'live') {
      this._options.onNotification?.(notification);
      this._withdrawOffers(withdrawnOffers(notification));
    }
    if (display === null) {
      return;
    }
    const presentation = presentNotification(notification);
    const actions: Notification.IAction[] = presentation.actions.map(
      (action, index) => ({
        label: action.label,
        caption: action.label,
        displayType: index === 0 ? 'accent' : 'default',
        callback: () => void this._act(action, notification)
      })
    );
    const autoClose =
      display === 'silent' ? 0 : STICKY.has(notification.kind) ? false : 8000;
    const id = Notification.emit(presentation.message, presentation.type, {
      autoClose,
      actions,
      data: { studysession: notification.id }
    });
    this._center.set(id, notification.id);
    const join = presentation.actions.find(
      action => action.kind === 'join' || action.kind === 'join_study'
    );
    if (join !== undefined) {
      this._offers.set(id, join.id);
    }
    const room = presentation.autoOpenRoom;
    if (source === 'live' && room !== null) {
      void this._openRoom(room).catch(() => undefined);
    }
  }

  /** Take away the shown offers to join a session that is over. */
  private _withdrawOffers(sessionId: string | null): void {
    for (const [id, session] of this._offers) {
      if (session === sessionId) {
        Notification.dismiss(id);
      }
    }
  }

  private async _act(
    action: INotificationAction,
    notification: INotification
  ): Promise<void> {
    void this._markRead(notification.id);
    try {
      switch (action.kind) {
        case 'join':
          await this._options.api.join(action.id);
          await this._openRoom(action.id);
          break;
        case 'join_study':
          await this._options.api.join(action.id);
          await this._openRoom(action.id);
          if (this._options.commands.hasCommand(OPEN_STUDY_NOTEBOOK)) {
            await this._options.commands.execute(OPEN_STUDY_NOTEBOOK, {
              id: action.id
            });
          }
          break;
        case 'open_room':
          await this._openRoom(action.id);
          break;
        case 'open_office_hours':
          await this._options.commands.execute(OPEN_OFFICE_HOURS, {
            id: action.id
          });
          break;
      }
    } catch (error) {
      Notification.error(
        errorMessage(
          error,
          'That did not work because of an unexpected error.'
        ),
        { autoClose: 8000 }
      );
    }
    this._options.onNotification?.(notification);
  }

  private async _openRoom(sessionId: string): Promise<void> {
    if (this._options.commands.hasCommand(OPEN_ROOM)) {
      await this._options.commands.execute(OPEN_ROOM, { id: sessionId });
    }
  }

  private async _markRead(id: string): Promise<void> {
    if (this._read.has(id)) {
      return;
    }
    this._read.add(id);
    try {
      await this._options.api.markRead([id]);
    } catch {
      this._read.delete(id); // next time, then
    }
  }

  private _onCenterChanged(_: unknown, change: Notification.IChange): void {
    if (change.type !== 'removed') {
      return;
    }
    const ours = this._center.get(change.notification.id);
    if (ours !== undefined) {
      this._center.delete(change.notification.id);
      this._offers.delete(change.notification.id);
      void this._markRead(ours);
    }
  }

  private readonly _options: INotificationBridgeOptions;
  /** JupyterLab's notification id -> ours. */
  private readonly _center = new Map<string, string>();
  /** JupyterLab's notification id -> the session it offers to join. */
  private readonly _offers = new Map<string, string>();
  private readonly _read = new Set<string>();
  private _feed: NotificationFeed | null = null;
  private _subscription: IDisposable | null = null;
  private _isDisposed = false;
}
