import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ISessionListState } from '../model';
import { SessionCard } from './SessionCard';

export interface ISessionListProps {
  state: ISessionListState;
  onRefresh: () => void;
}

/** The sidebar's content: a header with a refresh button, then the sessions. */
export function SessionList({
  state,
  onRefresh
}: ISessionListProps): React.ReactElement {
  const { sessions, error, loading } = state;
  return (
    <div className="jp-StudySession-panel">
      <header className="jp-StudySession-header">
        <h2 className="jp-StudySession-heading">Study sessions</h2>
        <button
          type="button"
          className="jp-Button jp-mod-minimal jp-StudySession-refresh"
          title="Refresh study sessions"
          aria-label="Refresh study sessions"
          data-testid="studysession-refresh"
          onClick={onRefresh}
        >
          <refreshIcon.react tag="span" />
        </button>
      </header>
      {error !== null && (
        <div
          className="jp-StudySession-error"
          role="alert"
          data-testid="studysession-error"
        >
          {error}
        </div>
      )}
      {sessions === null ? (
        loading && (
          <div className="jp-StudySession-loading" role="status">
            Loading study sessions…
          </div>
        )
      ) : sessions.length === 0 ? (
        <div className="jp-StudySession-empty" data-testid="studysession-empty">
          No study sessions yet
        </div>
      ) : (
        <ul
          className="jp-StudySession-list"
          aria-label="Study sessions"
          aria-busy={loading}
          data-testid="studysession-list"
        >
          {sessions.map(session => (
            <SessionCard key={session.id} session={session} />
          ))}
        </ul>
      )}
    </div>
  );
}
