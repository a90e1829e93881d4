/**
 * Study-group invite links: a JupyterLab URL that carries the group and the
 * link's token, `<base>lab?studysession-group=<id>&invite_token=<token>`.
 * Opening it in JupyterLab joins the group (`groupsPlugin`); it can also be
 * pasted into the Groups tab. Pure functions, unit-tested.
 */

/** The query parameters of an invite link. */
export const GROUP_PARAM = 'studysession-group';
export const TOKEN_PARAM = 'invite_token';

export interface IGroupInvite {
  groupId: string;
  token: string;
}

/** The link for `groupId` and the token of one of its invite links. */
export function buildInviteLink(
  baseUrl: string,
  groupId: string,
  token: string
): string {
  const url = new URL('lab', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set(GROUP_PARAM, groupId);
  url.searchParams.set(TOKEN_PARAM, token);
  return url.toString();
}

/**
 * The group and token of a pasted link (or of a page's query string);
 * `null` when it is not an invite link.
 */
export function parseInviteLink(text: string): IGroupInvite | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  let params: URLSearchParams;
  try {
    params = trimmed.startsWith('?')
      ? new URLSearchParams(trimmed)
      : new URL(trimmed, 'http://invalid.invalid/').searchParams;
  } catch {
    return null;
  }
  const groupId = params.get(GROUP_PARAM)?.trim() ?? '';
  const token = params.get(TOKEN_PARAM)?.trim() ?? '';
  if (groupId === '' || token === '') {
    return null;
  }
  return { groupId, token };
}

/** The query string without the invite parameters (to tidy the address bar). */
export function withoutInvite(search: string): string {
  const params = new URLSearchParams(search);
  params.delete(GROUP_PARAM);
  params.delete(TOKEN_PARAM);
  const rest = params.toString();
  return rest === '' ? '' : `?${rest}`;
}
