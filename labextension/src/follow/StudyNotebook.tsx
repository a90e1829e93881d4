/**
 * The room's "Study notebook" section: the session's notebook with "Open study
 * notebook", who leads, who follows and who is elsewhere, the lead actions,
 * and (for the host and co-hosts) choosing the notebook.
 */
import * as React from 'react';

import { useStore } from '../common/hooks';
import type { IParticipant } from '../common/realtimeProtocol';
import { errorMessage } from '../common/store';
import { setStudyNotebook } from './api';
import type { FollowModel } from './followModel';
import type { FollowState } from './protocol';

const STATE_LABEL: Record<FollowState, string> = {
  following: 'following',
  paused: 'paused',
  elsewhere: 'elsewhere'
};

export interface IStudyNotebookProps {
  model: FollowModel;
  participants: readonly IParticipant[];
  /** Whether the user may choose the notebook (host, co-host). */
  canChoose: boolean;
  /** Opens the notebook in JupyterLab; absent where that is not possible. */
  onOpen?: () => void;
}

export function StudyNotebook(props: IStudyNotebookProps): React.ReactElement {
  const { model } = props;
  const { follow, busy, error, ended } = useStore(model);
  const [path, setPath] = React.useState('');
  const [choosing, setChoosing] = React.useState(false);
  const [chooseError, setChooseError] = React.useState<string | null>(null);
  if (follow === null) {
    return (
      <section className="jp-StudySession-studyNotebook">
        <h3>Study notebook</h3>
        <p className="jp-StudySession-muted">{error ?? 'Loading…'}</p>
      </section>
    );
  }
  const notebook = follow.notebook;
  const leader = follow.leader;
  // every joined participant but the leader: following, paused, or elsewhere
  // (not in the notebook, or no tab reported)
  const states = new Map(follow.statuses.map(s => [s.user.username, s.state]));
  const followers = props.participants
    .filter(p => p.state === 'joined' && p.user.username !== leader?.username)
    .map(p => ({
      user: p.user,
      state: states.get(p.user.username) ?? ('elsewhere' as FollowState)
    }));
  const hosts = props.participants.filter(
    p =>
      p.state === 'joined' &&
      (p.role === 'host' || p.role === 'co_host') &&
      p.user.username !== leader?.username
  );
  const choose = async (event: React.FormEvent) => {
    event.preventDefault();
    setChooseError(null);
    try {
      await setStudyNotebook(model.sessionId, path);
      setChoosing(false);
      await model.reload();
    } catch (err) {
      setChooseError(errorMessage(err));
    }
  };
  return (
    <section
      className="jp-StudySession-studyNotebook"
      data-testid="studysession-study-notebook"
      aria-label="Study notebook"
    >
      <h3>Study notebook</h3>
      {notebook ? (
        <p>
          <code>{notebook.path}</code>
          {!notebook.exists && (
            <span className="jp-StudySession-error"> (not on the server)</span>
          )}
        </p>
      ) : (
        <p className="jp-StudySession-muted">No study notebook yet.</p>
      )}
      {notebook?.exists && props.onOpen && (
        <button
          type="button"
          className="jp-StudySession-button jp-mod-accept"
          data-testid="studysession-open-notebook"
          onClick={props.onOpen}
        >
          Open study notebook
        </button>
      )}
      {notebook && !ended && (
        <p data-testid="studysession-leader">
          {leader ? `${leader.display_name} leads.` : 'Nobody leads.'}
        </p>
      )}
      {followers.length > 0 && (
        <ul className="jp-StudySession-followers" aria-label="Who follows">
          {followers.map(s => (
            <li key={s.user.username} data-follow-state={s.state}>
              {s.user.display_name}: {STATE_LABEL[s.state]}
            </li>
          ))}
        </ul>
      )}
      <div className="jp-StudySession-followActions">
        {notebook &&
          !ended &&
          follow.can_lead &&
          leader?.username !== model.me && (
            <button
              type="button"
              className="jp-StudySession-button"
              data-testid="studysession-room-lead"
              disabled={busy}
              onClick={() => void model.lead()}
            >
              Lead
            </button>
          )}
        {model.isLeader && (
          <>
            <button
              type="button"
              className="jp-StudySession-button"
              disabled={busy}
              onClick={() => void model.release()}
            >
              Stop leading
            </button>
            {hosts.map(p => (
              <button
                key={p.user.username}
                type="button"
                className="jp-StudySession-button"
                data-testid={`studysession-hand-${p.user.username}`}
                disabled={busy}
                onClick={() => void model.hand(p.user.username)}
              >
                Hand the lead to {p.user.display_name}
              </button>
            ))}
          </>
        )}
        {props.canChoose && !ended && !choosing && (
          <button
            type="button"
            className="jp-StudySession-linkButton"
            onClick={() => {
              setPath(notebook?.path ?? '');
              setChoosing(true);
            }}
          >
            {notebook ? 'Change notebook' : 'Choose a notebook'}
          </button>
        )}
      </div>
      {choosing && (
        <form onSubmit={event => void choose(event)}>
          <label>
            Notebook path on this server{' '}
            <input
              type="text"
              value={path}
              placeholder="folder/lesson.ipynb"
              onChange={event => setPath(event.target.value)}
            />
          </label>
          <button type="submit" className="jp-StudySession-button">
            Save
          </button>
          <button
            type="button"
            className="jp-StudySession-linkButton"
            onClick={() => setChoosing(false)}
          >
            Cancel
          </button>
        </form>
      )}
      {(chooseError ?? error) && (
        <p className="jp-StudySession-error" role="alert">
          {chooseError ?? error}
        </p>
      )}
    </section>
  );
}
