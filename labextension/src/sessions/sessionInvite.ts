/**
 * Session invite links: a JupyterLab URL that carries the session and the
 * link's token, `<base>lab?studysession-session=<id>&invite_token=<token>`.
 * Opening it in JupyterLab joins the session and opens its room. Pure
 * functions, unit-tested.
 */

/** The query parameters of a session invite link. */
export const SESSION_PARAM = 'studysession-session';
export const TOKEN_PARAM = 'invite_token';

export interface ISessionInvite {
  sessionId: string;
  token: string;
}

/** The link for a session and the token of one of its invite links. */
export function buildSessionInviteLink(
  baseUrl: string,
  sessionId: string,
  token: string
): string {
  const url = new URL('lab', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set(SESSION_PARAM, sessionId);
  url.searchParams.set(TOKEN_PARAM, token);
  return url.toString();
}

/** The session and token of a page's query string; `null` when there are none. */
export function parseSessionInvite(search: string): ISessionInvite | null {
  const params = new URLSearchParams(search);
  const sessionId = params.get(SESSION_PARAM)?.trim() ?? '';
  const token = params.get(TOKEN_PARAM)?.trim() ?? '';
  if (sessionId === '' || token === '') {
    return null;
  }
  return { sessionId, token };
}

/** The query string without the invite's parameters (to tidy the address bar). */
export function withoutSessionInvite(search: string): string {
  const params = new URLSearchParams(search);
  params.delete(SESSION_PARAM);
  params.delete(TOKEN_PARAM);
  const rest = params.toString();
  return rest === '' ? '' : `?${rest}`;
}
