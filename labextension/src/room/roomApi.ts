/**
 * The REST calls of a session room: the session, its participants, chat
 * history, goals and timer, and the host's actions (presence:
 * `common/presence.ts`). Writes that have a websocket op (chat, goals, timer)
 * go over the realtime client instead.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IMe, ISession, serverAPI, sendJSON, sessionPath } from '../common/api';
import type {
  IChatMessage,
  IGoal,
  IParticipant,
  ISessionSummary,
  ITimerState
} from '../common/realtimeProtocol';

/** A session as `GET sessions/<id>` describes it, with what the room shows. */
export interface IRoomSession extends ISession {
  /** Set once the session has ended. */
  summary?: ISessionSummary | null;
  goals_done?: number;
  goals_total?: number;
  group_id?: string | null;
}

/** One page of chat history, oldest first; `next_before` pages further back. */
export interface IMessagePage {
  items: IChatMessage[];
  next_before: string | null;
}

/** The goals of a session, in order. */
export interface IGoalList {
  items: IGoal[];
  done: number;
  total: number;
}

/** What `POST sessions/<id>/end` answers. */
export interface IEndSessionResult {
  session: IRoomSession;
  summary: ISessionSummary;
}

/**
 * Where the session's study notebook lives: its host's own server on
 * JupyterHub (`GET sessions/<id>/study-server`). `shared`: you may open it now
 * (you host the session, or the study service shared it with you).
 */
export interface IStudyServer {
  owner: string;
  server_name: string;
  /** The server's path on the hub, e.g. `/user/bob/`. */
  url: string;
  /** Whether the study service shares hosts' servers (JupyterHub 5+). */
  sharing: boolean;
  shared: boolean;
  /** Why sharing is off, when it is. */
  message: string;
}

/** The change a host makes to a participant. */
export type ParticipantChange =
  { role: 'co_host' | 'participant' } | { state: 'removed' };

/**
 * Every REST call the room makes. The room takes one of these, so that a test
 * or the notebook widget can point it at a server of their choice.
 */
export interface IRoomApi {
  getMe(): Promise<IMe>;
  getSession(sessionId: string): Promise<IRoomSession>;
  joinSession(sessionId: string): Promise<IRoomSession>;
  startSession(sessionId: string): Promise<IRoomSession>;
  endSession(sessionId: string): Promise<IEndSessionResult>;
  listParticipants(sessionId: string): Promise<IParticipant[]>;
  updateParticipant(
    sessionId: string,
    username: string,
    change: ParticipantChange
  ): Promise<IParticipant>;
  /** The newest `limit` messages before the message `before` (or the newest). */
  listMessages(
    sessionId: string,
    before: string | null,
    limit?: number
  ): Promise<IMessagePage>;
  listGoals(sessionId: string): Promise<IGoalList>;
  getTimer(sessionId: string): Promise<ITimerState>;
  getStudyServer(sessionId: string): Promise<IStudyServer>;
}

/**
 * The room's REST calls against a server: the page's own by default.
 */
export function createRoomApi(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): IRoomApi {
  const { call, post } = serverAPI(settings);

  return {
    getMe: () => call<IMe>('me'),
    getSession: id => call<IRoomSession>(sessionPath(id)),
    joinSession: id => post<IRoomSession>(sessionPath(id, '/join')),
    startSession: id => post<IRoomSession>(sessionPath(id, '/start')),
    endSession: id => post<IEndSessionResult>(sessionPath(id, '/end')),
    listParticipants: async id =>
      (await call<{ items: IParticipant[] }>(sessionPath(id, '/participants')))
        .items,
    updateParticipant: (id, username, change) =>
      sendJSON<IParticipant>(
        sessionPath(id, `/participants/${encodeURIComponent(username)}`),
        change,
        'PATCH',
        settings
      ),
    listMessages: (id, before, limit = 50) => {
      const query: Record<string, string> = { limit: String(limit) };
      if (before !== null) {
        query.before = before;
      }
      return call<IMessagePage>(
        sessionPath(id, '/messages') + URLExt.objectToQueryString(query)
      );
    },
    listGoals: id => call<IGoalList>(sessionPath(id, '/goals')),
    getTimer: id => call<ITimerState>(sessionPath(id, '/timer')),
    getStudyServer: id => call<IStudyServer>(sessionPath(id, '/study-server'))
  };
}
