import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import * as React from 'react';

import { listSessions } from './api';
import { SessionList } from './components/SessionList';
import { studySessionIcon } from './icons';
import { SessionListModel } from './model';

/** How often the visible sidebar reloads the sessions, in milliseconds. */
const REFRESH_INTERVAL = 30_000;

/**
 * The left-sidebar panel listing the current user's study sessions.
 *
 * It loads when it becomes visible, on its refresh button and every
 * `refreshInterval` while visible; hidden, it does not poll.
 */
export class StudySessionSidebar extends ReactWidget {
  constructor(options: StudySessionSidebar.IOptions = {}) {
    super();
    this.id = 'jp-studysession-sidebar';
    this.addClass('jp-StudySession-sidebar');
    this.title.icon = studySessionIcon;
    this.title.caption = 'Study sessions';

    this.model =
      options.model ??
      new SessionListModel(async () => (await listSessions()).items);
    this._poll = new Poll({
      factory: () => this.model.refresh(),
      frequency: { interval: options.refreshInterval ?? REFRESH_INTERVAL },
      name: 'jupyter-studysession:sessions',
      standby: () => !this.isVisible || 'when-hidden'
    });
  }

  readonly model: SessionListModel;

  /** Reload now, and restart the interval from here. */
  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  protected override render(): React.ReactElement {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <SessionList
            state={this.model.state}
            onRefresh={() => void this.refresh()}
          />
        )}
      </UseSignal>
    );
  }

  private readonly _poll: Poll;
}

export namespace StudySessionSidebar {
  export interface IOptions {
    /** The list model; by default one that calls `GET sessions`. */
    model?: SessionListModel;
    /** Milliseconds between reloads while visible; 30 s by default. */
    refreshInterval?: number;
  }
}
