import * as React from 'react';

import type { ISession } from '../common/api';
import type { ISessionListState } from './model';

export interface ISessionListProps {
  state: ISessionListState;
  /** The list's accessible name, e.g. "My sessions". */
  label: string;
  /** What to say when there are none: a sentence, and optional buttons. */
  empty: React.ReactNode;
  /** Try the load again (shown with the error). */
  onRetry: () => void;
  renderCard: (session: ISession) => React.ReactElement;
}

/** A tab's sessions: a loading line, the error, the empty state or the cards. */
export function SessionList(props: ISessionListProps): React.ReactElement {
  const { state, label, empty, onRetry, renderCard } = props;
  const { sessions, error, loading } = state;
  return (
    <>
      {error !== null && (
        <div
          className="jp-StudySession-error"
          role="alert"
          data-testid="studysession-error"
        >
          <span>{error}</span>{' '}
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-link"
            onClick={onRetry}
          >
            Try again
          </button>
        </div>
      )}
      {sessions === null ? (
        loading && (
          <div className="jp-StudySession-loading" role="status">
            Loading…
          </div>
        )
      ) : sessions.length === 0 ? (
        <div className="jp-StudySession-empty" data-testid="studysession-empty">
          {empty}
        </div>
      ) : (
        <ul
          className="jp-StudySession-list"
          aria-label={label}
          aria-busy={loading}
          data-testid="studysession-list"
        >
          {sessions.map(renderCard)}
        </ul>
      )}
    </>
  );
}
