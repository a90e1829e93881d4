/**
 * The student's side of office hours: join with a question, see the position
 * and the wait, step out and back, leave; "almost up" and "it's your turn".
 */
import * as React from 'react';

import { formatEstimate, formatPosition } from './format';
import type { IOfficeHoursViewState, OfficeHoursModel } from './model';
import { admittedRoom } from './state';

export interface IStudentQueueProps {
  model: OfficeHoursModel;
  state: IOfficeHoursViewState;
  onOpenRoom: (sessionId: string) => void;
}

export function StudentQueue(props: IStudentQueueProps): React.ReactElement {
  const { model, state, onOpenRoom } = props;
  const entry = state.myEntry;
  const room = admittedRoom(entry);
  return (
    <section className="jp-StudySession-ohStudent" aria-label="Your place">
      {state.notice !== null && (
        <div
          className="jp-StudySession-ohNotice"
          role="status"
          data-testid="oh-notice"
        >
          <span>{state.notice}</span>
          <button
            type="button"
            className="jp-Button jp-mod-minimal"
            onClick={() => model.dismissNotice()}
          >
            Dismiss
          </button>
        </div>
      )}
      {entry === null ? (
        <JoinForm model={model} state={state} />
      ) : room !== null ? (
        <div
          className="jp-StudySession-ohTurn"
          role="alert"
          data-testid="oh-your-turn"
          data-session-id={room}
        >
          <h3>It's your turn</h3>
          <p>
            {entry.admitted_by
              ? `${entry.admitted_by} is ready for you in a private room.`
              : 'Staff are ready for you in a private room.'}
          </p>
          <button
            type="button"
            className="jp-Button jp-mod-accept jp-StudySession-ohPrimary"
            onClick={() => onOpenRoom(room)}
          >
            Open the room
          </button>
        </div>
      ) : (
        <div className="jp-StudySession-ohPlace">
          {state.almostUp && entry.status === 'waiting' && (
            <div
              className="jp-StudySession-ohAlmostUp"
              role="alert"
              data-testid="oh-almost-up"
            >
              You're almost up. Stay close: the room opens here when it is your
              turn.
            </div>
          )}
          <div role="status" aria-live="polite" aria-atomic="true">
            <div
              className="jp-StudySession-ohPosition"
              data-testid="oh-position"
              aria-label={`Position ${entry.position ?? ''}`}
            >
              {entry.position ?? '–'}
            </div>
            <div className="jp-StudySession-ohPositionText">
              {entry.position !== null && formatPosition(entry.position)}
            </div>
            {entry.status === 'stepped_out' ? (
              <p data-testid="oh-stepped-out">
                You stepped out. Your place is kept for a few minutes; come back
                before then or you go to the end of the line.
              </p>
            ) : (
              entry.estimate && (
                <p data-testid="oh-estimate">
                  Estimated wait: {formatEstimate(entry.estimate)}
                </p>
              )
            )}
          </div>
          <p className="jp-StudySession-ohQuestion">
            <span className="jp-StudySession-ohLabel">Your question:</span>{' '}
            {entry.question}
            {entry.topic && (
              <span className="jp-StudySession-ohTopic">{entry.topic}</span>
            )}
          </p>
          <div className="jp-StudySession-ohButtons">
            {entry.status === 'stepped_out' ? (
              <button
                type="button"
                className="jp-Button jp-mod-accept"
                disabled={state.busy}
                onClick={() => void model.returnToQueue()}
              >
                I'm back
              </button>
            ) : (
              <button
                type="button"
                className="jp-Button jp-mod-reject jp-mod-styled"
                disabled={state.busy}
                onClick={() => void model.stepOut()}
              >
                Step out
              </button>
            )}
            <button
              type="button"
              className="jp-Button jp-mod-warn jp-mod-styled"
              disabled={state.busy}
              onClick={() => void model.leave()}
            >
              Leave the queue
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function JoinForm(props: {
  model: OfficeHoursModel;
  state: IOfficeHoursViewState;
}): React.ReactElement {
  const { model, state } = props;
  const [question, setQuestion] = React.useState('');
  const [topic, setTopic] = React.useState('');
  const open = state.officehours?.is_open ?? false;
  const ids = React.useId();
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (await model.join(question, topic)) {
      setQuestion('');
      setTopic('');
    }
  };
  return (
    <form
      className="jp-StudySession-ohForm"
      aria-label="Join the queue"
      onSubmit={event => void submit(event)}
    >
      <p className="jp-StudySession-ohMuted">
        {state.length === 0
          ? 'Nobody is waiting.'
          : state.length === 1
            ? '1 person is waiting.'
            : `${state.length} people are waiting.`}
      </p>
      <label htmlFor={`${ids}-question`}>Your question</label>
      <textarea
        id={`${ids}-question`}
        className="jp-StudySession-ohInput"
        data-testid="oh-question"
        required
        maxLength={500}
        rows={3}
        value={question}
        placeholder="What do you need help with?"
        onChange={event => setQuestion(event.target.value)}
      />
      <label htmlFor={`${ids}-topic`}>Topic (optional)</label>
      <input
        id={`${ids}-topic`}
        className="jp-StudySession-ohInput"
        data-testid="oh-topic"
        maxLength={100}
        value={topic}
        placeholder="For example: recursion"
        onChange={event => setTopic(event.target.value)}
      />
      <button
        type="submit"
        className="jp-Button jp-mod-accept jp-mod-styled jp-StudySession-ohPrimary"
        data-testid="oh-join"
        disabled={!open || state.busy || question.trim() === ''}
      >
        Join the queue
      </button>
      {!open && (
        <p className="jp-StudySession-ohMuted">
          The queue is closed; you can join while it is open.
        </p>
      )}
    </form>
  );
}
