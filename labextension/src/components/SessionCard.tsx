import * as React from 'react';

import type { ISession } from '../api';
import {
  describeSession,
  formatParticipants,
  formatScheduledAt,
  STATUS_LABELS,
  TYPE_LABELS
} from '../format';

export interface ISessionCardProps {
  session: ISession;
}

/** One session in the sidebar list: focusable, described by one aria label. */
export function SessionCard({
  session
}: ISessionCardProps): React.ReactElement {
  const when = formatScheduledAt(session.scheduled_at);
  return (
    <li
      className="jp-StudySession-card"
      tabIndex={0}
      aria-label={describeSession(session)}
      data-testid="studysession-card"
      data-session-id={session.id}
    >
      <div className="jp-StudySession-cardHeader">
        <span className="jp-StudySession-title" title={session.title}>
          {session.title}
        </span>
        <span
          className={`jp-StudySession-status jp-mod-${session.status}`}
          data-testid="studysession-status"
        >
          {STATUS_LABELS[session.status]}
        </span>
      </div>
      <div className="jp-StudySession-details">
        <span className="jp-StudySession-type">
          {TYPE_LABELS[session.type]}
        </span>
        {session.scheduled_at === null ? (
          <span className="jp-StudySession-time">{when}</span>
        ) : (
          <time
            className="jp-StudySession-time"
            dateTime={session.scheduled_at}
          >
            {when}
          </time>
        )}
      </div>
      <div className="jp-StudySession-details">
        <span className="jp-StudySession-host" title="Host">
          {session.host.display_name}
        </span>
        <span className="jp-StudySession-participants" title="Participants">
          {formatParticipants(
            session.participant_count,
            session.max_participants
          )}
        </span>
      </div>
    </li>
  );
}
