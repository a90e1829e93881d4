import * as React from 'react';

import type { IUserSummary } from './api';
import type { PresenceStatus } from './realtimeProtocol';

/** What a status dot says to a screen reader and in its tooltip. */
export const PRESENCE_LABELS: Readonly<Record<PresenceStatus, string>> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  dnd: 'Do not disturb',
  offline: 'Offline'
};

export interface IAvatarProps {
  user: IUserSummary;
  /** The user's presence; no dot when absent. */
  status?: PresenceStatus;
  /** Diameter in pixels; 24 by default. */
  size?: number;
}

/**
 * A user's picture (or initials on their colour) with an optional status dot.
 * The accessible name is "<display name>, <status>".
 */
export function Avatar(props: IAvatarProps): React.ReactElement {
  const { user, status, size = 24 } = props;
  const label =
    status === undefined
      ? user.display_name
      : `${user.display_name}, ${PRESENCE_LABELS[status]}`;
  const initials =
    user.initials ?? user.display_name.slice(0, 1).toUpperCase() ?? '?';
  return (
    <span
      className="jp-StudySession-avatar"
      role="img"
      aria-label={label}
      title={label}
      style={{ width: size, height: size, fontSize: Math.round(size * 0.42) }}
    >
      {user.avatar_url ? (
        <img src={user.avatar_url} alt="" width={size} height={size} />
      ) : (
        <span
          className="jp-StudySession-avatarInitials"
          style={{ background: user.color ?? 'var(--jp-brand-color1)' }}
          aria-hidden="true"
        >
          {initials}
        </span>
      )}
      {status !== undefined && (
        <span
          className={`jp-StudySession-statusDot jp-mod-${status}`}
          aria-hidden="true"
        />
      )}
    </span>
  );
}
