import * as React from 'react';

import { useNow } from '../common/hooks';
import type { TimerAction } from './roomModel';
import {
  describeTimer,
  formatCountdown,
  ITimerView,
  PHASE_LABELS,
  remainingSeconds
} from './timerState';

export interface ISharedTimerProps {
  /** The timer as last received; `null` while unknown. */
  view: ITimerView | null;
  /** Whether the user may start, pause, skip... (hosts, or everyone by setting). */
  canControl: boolean;
  /** An action is in flight. */
  busy?: boolean;
  onAction(action: TimerAction): void;
  /** Draw it large (the focus layout). */
  large?: boolean;
}

/**
 * The session's pomodoro timer: phase, time left and cycle, counting down
 * locally to the instant the server gave, with the controls the user may use.
 */
export function SharedTimer(props: ISharedTimerProps): React.ReactElement {
  const { view, canControl, busy = false } = props;
  const running = view?.timer.running ?? false;
  const now = useNow(250, running);
  if (view === null) {
    return (
      <div className="jp-StudySession-roomUI jp-StudySession-timer jp-StudySession-muted">
        Timer unavailable
      </div>
    );
  }
  const { timer } = view;
  const remaining = remainingSeconds(view, now);
  const idle = timer.phase === 'idle';
  const button = (action: TimerAction, label: string, text = label) => (
    <button
      type="button"
      className="jp-StudySession-button"
      onClick={() => props.onAction(action)}
      disabled={busy}
      aria-label={label}
      data-testid={`studysession-timer-${action}`}
    >
      {text}
    </button>
  );
  return (
    <div
      className={
        `jp-StudySession-roomUI jp-StudySession-timer jp-mod-${timer.phase}` +
        (running ? '' : ' jp-mod-paused') +
        (props.large ? ' jp-mod-large' : '')
      }
      data-testid="studysession-timer"
      data-phase={timer.phase}
      data-running={String(running)}
      data-remaining-seconds={remaining.toFixed(1)}
    >
      <div
        className="jp-StudySession-timerReadout"
        role="timer"
        aria-label={describeTimer(view, now)}
      >
        <span className="jp-StudySession-timerPhase">
          {PHASE_LABELS[timer.phase]}
          {!idle && !running ? ' (paused)' : ''}
        </span>
        <span className="jp-StudySession-timerClock" aria-hidden="true">
          {idle
            ? formatCountdown(timer.focus_minutes * 60)
            : formatCountdown(remaining)}
        </span>
        {!idle && (
          <span className="jp-StudySession-timerCycle" aria-hidden="true">
            {timer.cycle}/{timer.cycles}
          </span>
        )}
      </div>
      {canControl && (
        <div
          className="jp-StudySession-timerControls"
          role="group"
          aria-label="Timer controls"
        >
          {idle && button('start', 'Start timer', 'Start')}
          {!idle && running && button('pause', 'Pause timer', 'Pause')}
          {!idle && !running && button('resume', 'Resume timer', 'Resume')}
          {!idle && button('skip', 'Skip to the next phase', 'Skip')}
          {!idle && button('reset', 'Reset timer', 'Reset')}
        </div>
      )}
    </div>
  );
}
