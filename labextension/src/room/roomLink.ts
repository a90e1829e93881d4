/**
 * The link that opens a session's room: `<base>lab?studysession-session=<id>`.
 * With an `invite_token` as well it is an invite link, which the sidebar
 * handles (it joins with the token, then opens the room). Pure, unit-tested.
 */
import { SESSION_PARAM, TOKEN_PARAM } from '../sessions/sessionInvite';

/**
 * The session whose room a page's query string asks to open; `null` when
 * there is none, or when it is an invite link (the sidebar joins, then opens).
 */
export function roomFromQuery(search: string): string | null {
  const params = new URLSearchParams(search);
  const id = params.get(SESSION_PARAM)?.trim() ?? '';
  return id === '' || params.has(TOKEN_PARAM) ? null : id;
}

/** The address without the room's parameter, once the room is open. */
export function withoutRoomLink(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(SESSION_PARAM);
  return url.toString();
}
