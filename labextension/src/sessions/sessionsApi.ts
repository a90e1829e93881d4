/**
 * The REST calls of the Study sidebar: the session lists, the create dialog,
 * the card actions, invite suggestions and the stored notifications.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IMe,
  IPage,
  ISession,
  IUserSummary,
  SessionType
} from '../common/api';
import { serverAPI, sessionPath } from '../common/api';
import type {
  INotification,
  ISessionSummary
} from '../common/realtimeProtocol';

/** A session as the history lists it: with its summary once it ended. */
export interface IHistorySession extends ISession {
  summary?: ISessionSummary | null;
}

/** The room settings chosen when creating a session. */
export interface ISessionSettings {
  tools?: string[];
  layout?: 'default' | 'focus' | 'grid';
  timer_control?: 'hosts' | 'everyone';
}

/** The body of `POST sessions`. */
export interface ICreateSession {
  title: string;
  description?: string;
  type?: SessionType;
  subject?: string | null;
  tags?: string[];
  max_participants?: number;
  is_public?: boolean;
  scheduled_at?: string | null;
  settings?: ISessionSettings;
  invite?: string[];
}

/** An invite link; `token` only in the answer that created it. */
export interface IInviteLink {
  id: string;
  session_id: string;
  expires_at: string;
  token: string | null;
}

/** Someone to invite, with how often you studied together. */
export interface IUserSuggestion {
  user: IUserSummary;
  shared_sessions: number;
  shared_groups: number;
}

/** A page of notifications, unread first. */
export interface INotificationPage {
  items: INotification[];
  unread_count: number;
  next_cursor: string | null;
}

/**
 * Every REST call the sidebar makes; tests pass a fake one.
 */
export interface IStudyApi {
  getMe(): Promise<IMe>;
  /** Your sessions (invited, joined or left), newest first. */
  listMine(): Promise<ISession[]>;
  /** Public sessions you may join. */
  browse(): Promise<ISession[]>;
  /** Your completed and cancelled sessions. */
  history(): Promise<IHistorySession[]>;
  createSession(request: ICreateSession): Promise<ISession>;
  join(sessionId: string, inviteToken?: string): Promise<ISession>;
  start(sessionId: string): Promise<ISession>;
  end(sessionId: string): Promise<ISession>;
  cancel(sessionId: string): Promise<ISession>;
  createInviteLink(sessionId: string): Promise<IInviteLink>;
  suggestPeople(q: string): Promise<IUserSuggestion[]>;
  listNotifications(limit?: number): Promise<INotificationPage>;
  markRead(ids: string[]): Promise<void>;
}

/** The sidebar's REST calls against a server: the page's own by default. */
export function createStudyApi(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): IStudyApi {
  const { call, post } = serverAPI(settings);
  const items = async <T>(endPoint: string): Promise<T[]> =>
    (await call<IPage<T>>(endPoint)).items;

  return {
    getMe: () => call<IMe>('me'),
    listMine: () => items<ISession>('sessions?limit=100'),
    browse: () => items<ISession>('sessions/browse?limit=50'),
    history: () => items<IHistorySession>('sessions/history?limit=50'),
    createSession: request => post<ISession>('sessions', request),
    join: (id, inviteToken) =>
      post<ISession>(
        sessionPath(id, '/join'),
        inviteToken ? { invite_token: inviteToken } : {}
      ),
    start: id => post<ISession>(sessionPath(id, '/start')),
    end: async id =>
      (await post<{ session: ISession }>(sessionPath(id, '/end'))).session,
    cancel: id => call<ISession>(sessionPath(id), { method: 'DELETE' }),
    createInviteLink: id =>
      post<IInviteLink>(sessionPath(id, '/invite-links'), {
        expires_in_hours: 24 * 7
      }),
    suggestPeople: async q =>
      (
        await call<{ items: IUserSuggestion[] }>(
          'users/suggestions' + URLExt.objectToQueryString({ q })
        )
      ).items,
    listNotifications: (limit = 50) =>
      call<INotificationPage>(
        'notifications' + URLExt.objectToQueryString({ limit: String(limit) })
      ),
    markRead: async ids => {
      if (ids.length > 0) {
        await post('notifications/read', { ids });
      }
    }
  };
}
