import * as React from 'react';

import { requestText, sessionPath } from '../common/api';
import { downloadText } from '../common/download';
import type { IParticipant, ISessionSummary } from '../common/realtimeProtocol';
import { summaryFacts } from './summary';

export interface ISessionSummaryProps {
  summary: ISessionSummary;
  /** For the names in the attendance list. */
  participants: readonly IParticipant[];
  /** Move the focus here when shown (the session just ended). */
  focusOnShow?: boolean;
  /** More of the summary (the call's recordings). */
  children?: React.ReactNode;
}

/**
 * What a session came to: duration, focus time, messages, goals, who attended
 * for how long, and the server's short written summary.
 */
export function SessionSummary(
  props: ISessionSummaryProps
): React.ReactElement {
  const { summary } = props;
  const headingId = React.useId();
  const ref = React.useRef<HTMLElement>(null);
  React.useEffect(() => {
    if (props.focusOnShow) {
      ref.current?.focus();
    }
  }, [props.focusOnShow]);
  const { facts, attendance } = summaryFacts(summary, props.participants);
  const lines = (summary.text ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '');
  return (
    <section
      className="jp-StudySession-roomUI jp-StudySession-sessionSummary"
      aria-labelledby={headingId}
      tabIndex={-1}
      ref={ref}
      data-testid="studysession-summary"
    >
      <h3 className="jp-StudySession-sectionTitle" id={headingId}>
        Session summary
      </h3>
      {summary.coverage && (
        <p data-testid="studysession-summary-coverage">
          {summary.coverage.text}{' '}
          <span className="jp-StudySession-muted">
            ({summary.coverage.notebook_path})
          </span>
        </p>
      )}
      <dl className="jp-StudySession-facts">
        {facts.map(fact => (
          <div key={fact.label} className="jp-StudySession-fact">
            <dt>{fact.label}</dt>
            <dd data-testid={`studysession-summary-${fact.key}`}>
              {fact.value}
            </dd>
          </div>
        ))}
      </dl>
      {lines.length > 0 && (
        <div className="jp-StudySession-summaryText">
          <h4>In short</h4>
          <ul data-testid="studysession-summary-text">
            {lines.map((line, index) => (
              <li key={index}>{line.replace(/^[-*•]\s*/, '')}</li>
            ))}
          </ul>
        </div>
      )}
      <SavedDocuments summary={summary} />
      {attendance.length > 0 && (
        <table className="jp-StudySession-attendance">
          <caption>Attendance</caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Minutes present</th>
            </tr>
          </thead>
          <tbody>
            {attendance.map(row => (
              <tr key={row.username}>
                <th scope="row">{row.name}</th>
                <td>{row.minutes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.children}
    </section>
  );
}

/** The notes and the drawing as saved when the session ended, to download. */
function SavedDocuments(props: {
  summary: ISessionSummary;
}): React.ReactElement | null {
  const { summary } = props;
  const files = [
    ['notes.md', 'text/markdown', summary.notes_characters ?? 0],
    ['whiteboard.svg', 'image/svg+xml', summary.whiteboard_shapes ?? 0]
  ] as const;
  const saved = files.filter(([, , size]) => size > 0);
  if (saved.length === 0) {
    return null;
  }
  const download = async (name: string, type: string): Promise<void> => {
    const path = sessionPath(summary.session_id, `/docs/${name}`);
    downloadText((await requestText(path)).body, name, type);
  };
  return (
    <p
      className="jp-StudySession-savedDocs"
      data-testid="studysession-summary-docs"
    >
      Saved:{' '}
      {saved.map(([name, type]) => (
        <button
          key={name}
          type="button"
          className="jp-StudySession-linkButton"
          onClick={() => void download(name, type)}
        >
          {name}
        </button>
      ))}
    </p>
  );
}
