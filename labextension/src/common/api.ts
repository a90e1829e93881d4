/**
 * The typed client for the study session REST API (`<baseUrl>studysession/api/`).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  APIError,
  INVALID_RESPONSE_REASON,
  NETWORK_ERROR_REASON
} from './apiError';

export { APIError } from './apiError';

/** The URL namespace of the server extension, relative to the base URL. */
export const API_NAMESPACE = 'studysession/api';

export type CourseRole = 'instructor' | 'ta' | 'student';
export type SessionType = 'solo' | 'one_on_one' | 'group';
export type SessionStatus = 'scheduled' | 'active' | 'completed' | 'cancelled';
export type SessionRole = 'host' | 'co_host' | 'participant';
export type ParticipantState = 'invited' | 'joined' | 'left' | 'removed';

/** A user as other users see them. */
export interface IUserSummary {
  username: string;
  display_name: string;
  initials: string | null;
  color: string | null;
  avatar_url: string | null;
}

/** `GET me`: the current user. */
export interface IMe extends IUserSummary {
  course_role: CourseRole;
}

/** A study session as listed for the current user. Timestamps are ISO 8601. */
export interface ISession {
  id: string;
  title: string;
  description: string;
  type: SessionType;
  subject: string | null;
  tags: string[];
  status: SessionStatus;
  max_participants: number;
  is_public: boolean;
  scheduled_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_minutes: number | null;
  settings: Record<string, unknown>;
  host: IUserSummary;
  participant_count: number;
  my_role: SessionRole | null;
  my_state: ParticipantState | null;
  created_at: string;
  updated_at: string;
  /** When joining opens (a scheduled session, some minutes before its start). */
  join_opens_at?: string | null;
}

/** One page of a cursor-paginated listing. */
export interface IPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** Filters of `GET sessions`; absent fields are not sent. */
export interface IListSessionsQuery {
  status?: SessionStatus;
  type?: SessionType;
  role?: SessionRole;
  cursor?: string;
  limit?: number;
}

/**
 * Call the API and return the decoded JSON body (`undefined` for an empty body).
 *
 * @param endPoint - path below `studysession/api/`, with its query string if any
 * @param init - the fetch options
 * @param settings - the server connection settings; the page's own by default
 * @throws {APIError} on a non-2xx answer, a network failure or a non-JSON body
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const { body, status } = await requestText(endPoint, init, settings);
  if (body.length === 0) {
    return undefined as T;
  }
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new APIError(
      'The server sent a response that is not valid JSON.',
      INVALID_RESPONSE_REASON,
      status
    );
  }
}

/** Call the API with a JSON body: POST, unless `method` says otherwise. */
export function sendJSON<T>(
  endPoint: string,
  body: unknown = {},
  method = 'POST',
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  return requestAPI<T>(
    endPoint,
    { method, body: JSON.stringify(body) },
    settings
  );
}

/** The API on one server: `call` for any request, `post` with a JSON body. */
export function serverAPI(settings: ServerConnection.ISettings): {
  call<T>(endPoint: string, init?: RequestInit): Promise<T>;
  post<T>(endPoint: string, body?: unknown): Promise<T>;
} {
  return {
    call: (endPoint, init = {}) => requestAPI(endPoint, init, settings),
    post: (endPoint, body = {}) => sendJSON(endPoint, body, 'POST', settings)
  };
}

/** `sessions/<id><rest>`: the path of a session, or of something of it. */
export function sessionPath(id: string, rest = ''): string {
  return `sessions/${encodeURIComponent(id)}${rest}`;
}

/**
 * Call the API and return the body as text, for the routes that answer with
 * something else than JSON (CSV, iCalendar).
 *
 * @throws {APIError} on a non-2xx answer or a network failure
 */
export async function requestText(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ body: string; status: number; contentType: string }> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new APIError(
      `Could not reach the server: ${message}`,
      NETWORK_ERROR_REASON,
      0
    );
  }
  const body = await response.text();
  if (!response.ok) {
    throw APIError.fromResponse(response.status, response.statusText, body);
  }
  return {
    body,
    status: response.status,
    contentType: response.headers.get('Content-Type') ?? ''
  };
}

/** The current user. */
export function getMe(): Promise<IMe> {
  return requestAPI<IMe>('me');
}

/** One page of the sessions the current user can see. */
export function listSessions(
  query: IListSessionsQuery = {}
): Promise<IPage<ISession>> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) {
      params[key] = String(value);
    }
  }
  return requestAPI<IPage<ISession>>(
    'sessions' + URLExt.objectToQueryString(params)
  );
}
