import * as React from 'react';

import { STATUS_LABELS } from '../common/format';
import { useNow } from '../common/hooks';
import type { IRoomSession } from './roomApi';
import { formatMinutes } from './summary';
import { elapsedSeconds, formatClock } from './timerState';

export interface IRoomHeaderProps {
  session: IRoomSession;
  /** `server time - local time` (ms), for the elapsed time. */
  offsetMs: number;
  canStart: boolean;
  canEnd: boolean;
  canJoin: boolean;
  busy: { start: boolean; end: boolean; join: boolean };
  onStart(): void;
  onEnd(): void;
  onJoin(): void;
  /** The shared timer, when the session's settings turn it on. */
  children?: React.ReactNode;
}

/**
 * The top of a room: title, status, elapsed time, the shared timer and the
 * host's start / end actions (ending asks first).
 */
export function RoomHeader(props: IRoomHeaderProps): React.ReactElement {
  const { session } = props;
  const active = session.status === 'active';
  const now = useNow(1000, active);
  const [confirmEnd, setConfirmEnd] = React.useState(false);
  const elapsed = active
    ? formatClock(elapsedSeconds(session.started_at, now, props.offsetMs))
    : null;
  return (
    <header className="jp-StudySession-roomHeader">
      <div className="jp-StudySession-roomTitle">
        <h2 title={session.title}>{session.title}</h2>
        <span
          className={`jp-StudySession-status jp-mod-${session.status}`}
          data-testid="studysession-room-status"
        >
          {STATUS_LABELS[session.status]}
        </span>
        {elapsed !== null && (
          <span
            className="jp-StudySession-elapsed"
            data-testid="studysession-elapsed"
          >
            <span className="jp-StudySession-muted">Elapsed </span>
            {elapsed}
          </span>
        )}
        {session.status === 'completed' &&
          session.duration_minutes !== null && (
            <span className="jp-StudySession-muted">
              Lasted {formatMinutes(session.duration_minutes)}
            </span>
          )}
        <span className="jp-StudySession-muted jp-StudySession-hostedBy">
          Hosted by {session.host.display_name}
        </span>
      </div>
      {props.children}
      <div className="jp-StudySession-roomActions">
        {props.canJoin && (
          <button
            type="button"
            className="jp-StudySession-button jp-mod-accept"
            onClick={props.onJoin}
            disabled={props.busy.join}
          >
            {props.busy.join ? 'Joining…' : 'Join session'}
          </button>
        )}
        {props.canStart && (
          <button
            type="button"
            className="jp-StudySession-button jp-mod-accept"
            data-testid="studysession-start-session"
            onClick={props.onStart}
            disabled={props.busy.start}
          >
            {props.busy.start ? 'Starting…' : 'Start session'}
          </button>
        )}
        {props.canEnd && !confirmEnd && (
          <button
            type="button"
            className="jp-StudySession-button jp-mod-danger"
            data-testid="studysession-end-session"
            onClick={() => setConfirmEnd(true)}
            disabled={props.busy.end}
          >
            {props.busy.end ? 'Ending…' : 'End session'}
          </button>
        )}
        {props.canEnd && confirmEnd && (
          <span className="jp-StudySession-confirm" role="group">
            <span>End the session for everyone?</span>
            <button
              type="button"
              className="jp-StudySession-button jp-mod-danger"
              data-testid="studysession-confirm-end"
              autoFocus
              onClick={() => {
                setConfirmEnd(false);
                props.onEnd();
              }}
            >
              End session
            </button>
            <button
              type="button"
              className="jp-StudySession-button"
              onClick={() => setConfirmEnd(false)}
            >
              Keep going
            </button>
          </span>
        )}
      </div>
    </header>
  );
}
