/**
 * The bar on top of a study notebook: who leads, whether this tab follows
 * ("Following Alice (paused) — Resume"), and the lead actions.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { useStore } from '../common/hooks';
import type { FollowModel } from './followModel';
import type { FollowMode, NotebookFollower } from './notebookFollower';

export function FollowBarView(props: {
  model: FollowModel;
  mode: FollowMode;
  notice: string | null;
  onPause(): void;
  onResume(): void;
}): React.ReactElement | null {
  const { model, mode } = props;
  const { follow, ended, coverage, busy, error } = useStore(model);
  if (follow === null) {
    return null;
  }
  const leader = follow.leader;
  const following = follow.statuses.filter(s => s.state === 'following');
  let text: React.ReactNode;
  const actions: React.ReactNode[] = [];
  const button = (
    id: string,
    label: string,
    onClick: () => void,
    accept = false
  ) => (
    <button
      key={id}
      type="button"
      className={`jp-StudySession-button${accept ? ' jp-mod-accept' : ''}`}
      data-testid={`studysession-follow-${id}`}
      disabled={busy}
      onClick={onClick}
    >
      {label}
    </button>
  );
  if (ended) {
    text = coverage
      ? `The session ended. ${coverage.text}`
      : 'The session ended.';
  } else if (follow.notebook && !follow.notebook.exists) {
    text = `The study notebook ${follow.notebook.path} was deleted or moved away: following has stopped.`;
  } else if (mode === 'leading') {
    text = `You lead: ${following.length} following.`;
    actions.push(button('release', 'Stop leading', () => void model.release()));
  } else if (mode === 'following' && leader) {
    text = `Following ${leader.display_name}`;
    actions.push(button('pause', 'Pause', props.onPause));
  } else if (mode === 'paused' && leader) {
    text = `Following ${leader.display_name} (paused)`;
    actions.push(button('resume', 'Resume', props.onResume, true));
  } else if (leader) {
    text = `${leader.display_name} leads.`;
  } else {
    text = 'Nobody leads the room through this notebook.';
  }
  if (!ended && follow.can_lead && mode !== 'leading') {
    actions.push(button('lead', 'Lead', () => void model.lead()));
  }
  return (
    <div
      className="jp-StudySession-roomUI jp-StudySession-followBar"
      data-testid="studysession-follow-bar"
      data-follow-mode={mode}
      role="status"
    >
      <span className="jp-StudySession-followText">{text}</span>
      {actions}
      {(props.notice ?? error) && (
        <span
          className="jp-StudySession-followNotice"
          role="alert"
          title={props.notice ?? error ?? undefined}
        >
          {props.notice ?? error}
        </span>
      )}
    </div>
  );
}

/** The bar as a widget above a notebook panel's content. */
export class FollowBar extends ReactWidget {
  constructor(private readonly _follower: NotebookFollower) {
    super();
    this.addClass('jp-StudySession-followBarWidget');
    _follower.changed.connect(() => this.update(), this);
  }

  protected override render(): React.ReactElement {
    const follower = this._follower;
    return (
      <FollowBarView
        model={follower.model}
        mode={follower.mode}
        notice={follower.notice}
        onPause={() => follower.pause()}
        onResume={() => follower.resume()}
      />
    );
  }
}
