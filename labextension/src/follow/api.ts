/**
 * The REST calls of study notebooks: the follow state of a session, choosing
 * its notebook, and "Study this notebook together".
 */
import type { ISession } from '../common/api';
import { requestAPI, sendJSON, sessionPath } from '../common/api';
import type { IFollow } from './protocol';

export function getFollow(sessionId: string): Promise<IFollow> {
  return requestAPI<IFollow>(sessionPath(sessionId, '/follow'));
}

/** The host or a co-host chooses the study notebook (a path on this server). */
export function setStudyNotebook(
  sessionId: string,
  path: string
): Promise<IFollow> {
  return sendJSON<IFollow>(
    sessionPath(sessionId, '/notebook'),
    { path },
    'PUT'
  );
}

export interface IStartNotebookSession {
  notebook_path: string;
  title?: string;
  invite?: string[];
  group_id?: string;
}

/** Create and start a session on a notebook; the invitees are notified. */
export function startNotebookSession(
  request: IStartNotebookSession
): Promise<ISession> {
  return sendJSON<ISession>('notebook-sessions', request);
}
