import * as React from 'react';

import type { ISession } from '../common/api';
import { Avatar } from '../common/Avatar';
import {
  capitalize,
  describeSession,
  formatParticipants,
  formatScheduledAt,
  formatWhen,
  STATUS_LABELS,
  TYPE_LABELS
} from '../common/format';
import { useJoinNotOpenYet } from '../common/hooks';
import type { PresenceStatus } from '../common/realtimeProtocol';
import type { ICardState } from './model';
import {
  ACTION_LABELS,
  ACTION_PROGRESS,
  isFull,
  isOver,
  SessionAction
} from './sessionActions';
import type { IHistorySession } from './sessionsApi';

export interface ISessionCardProps {
  session: ISession | IHistorySession;
  /** The actions the user may take, the main one first. */
  actions: readonly SessionAction[];
  /** The state of those actions (under way, failed, done). */
  card: ICardState;
  /** The host's presence, when known. */
  hostStatus?: PresenceStatus;
  onAction: (action: SessionAction) => void;
  /** Close the card's message. */
  onDismiss: () => void;
}

/** Where the current user stands, in a few words; `null` for nothing to say. */
export function membershipLabel(session: ISession): string | null {
  if (session.my_role === 'host') {
    return 'You host';
  }
  switch (session.my_state) {
    case 'invited':
      return 'Invited';
    case 'joined':
      return session.my_role === 'co_host' ? 'Joined · co-host' : 'Joined';
    case 'left':
      return 'You left';
    case 'removed':
      return 'Removed';
    default:
      return null;
  }
}

/** When, as the card shows it: the start, the end, or the planned time. */
export function cardTime(
  session: ISession,
  now: Date = new Date()
): {
  label: string;
  iso: string | null;
} {
  if (session.status === 'active' && session.started_at !== null) {
    return {
      label: `Started ${formatWhen(session.started_at, now)}`,
      iso: session.started_at
    };
  }
  if (session.status === 'completed' && session.ended_at !== null) {
    return {
      label: `Ended ${formatWhen(session.ended_at, now)}`,
      iso: session.ended_at
    };
  }
  const scheduled = session.scheduled_at;
  return {
    // formatWhen gives '' for no time
    label: capitalize(formatWhen(scheduled ?? '', now)) || 'Not scheduled',
    iso: scheduled
  };
}

/** The summary line of an ended session, e.g. "45 min · 3 present · 2/4 goals". */
export function summaryLine(session: IHistorySession): string | null {
  const summary = session.summary;
  if (!summary) {
    return null;
  }
  const parts = [
    `${summary.duration_minutes} min`,
    `${summary.participant_count} present`
  ];
  if (summary.goals_total > 0) {
    parts.push(`${summary.goals_done}/${summary.goals_total} goals`);
  }
  if (summary.message_count > 0) {
    parts.push(
      `${summary.message_count} message${summary.message_count === 1 ? '' : 's'}`
    );
  }
  if (summary.notes_characters) {
    parts.push('notes');
  }
  if (summary.whiteboard_shapes) {
    parts.push('drawing');
  }
  return parts.join(' · ');
}

/**
 * One session: title and status, type and time, host (with presence) and
 * participants, and exactly the actions the user may take.
 */
export function SessionCard(props: ISessionCardProps): React.ReactElement {
  const { session, actions, card, hostStatus, onAction, onDismiss } = props;
  const time = cardTime(session);
  const membership = membershipLabel(session);
  const summary = summaryLine(session);
  const coverage = 'summary' in session ? session.summary?.coverage : null;
  const full = isFull(session);
  // a Join that cannot work yet waits, saying when it opens, and then enables
  const notYet = useJoinNotOpenYet(session, actions.includes('join'));
  const notYetId = React.useId();
  return (
    <li
      className="jp-StudySession-card"
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
          {session.subject ? ` · ${session.subject}` : ''}
        </span>
        {time.iso === null ? (
          <span className="jp-StudySession-time">{time.label}</span>
        ) : (
          <time
            className="jp-StudySession-time"
            dateTime={time.iso}
            title={formatScheduledAt(time.iso)}
          >
            {time.label}
          </time>
        )}
      </div>
      <div className="jp-StudySession-details">
        <span className="jp-StudySession-host" title="Host">
          <Avatar user={session.host} status={hostStatus} size={20} />
          <span className="jp-StudySession-hostName">
            {session.host.display_name}
          </span>
        </span>
        {!isOver(session) && (
          <span
            className="jp-StudySession-participants"
            title="Participants joined / places"
            data-testid="studysession-participants"
          >
            {formatParticipants(
              session.participant_count,
              session.max_participants
            )}
            {full ? ' · Full' : ''}
          </span>
        )}
      </div>
      {coverage && (
        <div
          className="jp-StudySession-details"
          data-testid="studysession-coverage"
          title={coverage.notebook_path}
        >
          {coverage.text}
        </div>
      )}
      {(membership !== null || summary !== null) && (
        <div className="jp-StudySession-details">
          {membership !== null && (
            <span
              className="jp-StudySession-membership"
              data-testid="studysession-membership"
            >
              {membership}
            </span>
          )}
          {summary !== null && (
            <span className="jp-StudySession-summary">{summary}</span>
          )}
        </div>
      )}
      {session.tags.length > 0 && (
        <ul className="jp-StudySession-tags" aria-label="Tags">
          {session.tags.map(tag => (
            <li key={tag} className="jp-StudySession-tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      {actions.length > 0 && (
        <div className="jp-StudySession-actions">
          {actions.map((action, index) => {
            const waiting = action === 'join' && notYet !== null;
            return (
              <button
                key={action}
                type="button"
                className={`jp-StudySession-action${
                  index === 0 && action !== 'cancel' ? ' jp-mod-primary' : ''
                }${action === 'cancel' ? ' jp-mod-warn' : ''}`}
                aria-label={`${ACTION_LABELS[action]}: ${session.title}`}
                aria-describedby={waiting ? notYetId : undefined}
                aria-disabled={waiting || undefined}
                data-action={action}
                disabled={card.pending !== null}
                onClick={() => !waiting && onAction(action)}
              >
                {card.pending === action
                  ? ACTION_PROGRESS[action]
                  : ACTION_LABELS[action]}
              </button>
            );
          })}
        </div>
      )}
      {notYet !== null && (
        <p
          className="jp-StudySession-cardNote"
          id={notYetId}
          data-testid="studysession-join-opens"
        >
          {notYet}
        </p>
      )}
      {(card.error !== null || card.notice !== null) && (
        <div
          className={`jp-StudySession-cardMessage${
            card.error !== null ? ' jp-mod-error' : ''
          }`}
          role={card.error !== null ? 'alert' : 'status'}
          data-testid="studysession-card-message"
        >
          <span>{card.error ?? card.notice}</span>
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-dismiss"
            aria-label="Dismiss message"
            title="Dismiss"
            onClick={onDismiss}
          >
            ×
          </button>
        </div>
      )}
    </li>
  );
}
