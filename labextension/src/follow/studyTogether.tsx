/**
 * "Study this notebook together": JupyterLab's dialog asking whom to invite
 * (people, or one of the user's study groups), then the session is created
 * and started on the notebook by the server.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import type { ISession } from '../common/api';
import { errorMessage } from '../common/store';
import { startNotebookSession } from './api';

export interface IGroupChoice {
  id: string;
  name: string;
}

class StudyTogetherBody extends ReactWidget {
  constructor(
    readonly path: string,
    private readonly _groups: IGroupChoice[]
  ) {
    super();
    this.addClass('jp-StudySession-studyTogether');
  }

  invite = '';
  groupId = '';

  getValue(): { invite: string[]; group_id?: string } {
    const invite = this.invite
      .split(/[\s,]+/)
      .map(name => name.trim())
      .filter(name => name !== '');
    return this.groupId ? { invite: [], group_id: this.groupId } : { invite };
  }

  protected override render(): React.ReactElement {
    return (
      <div>
        <p>
          Start a study session on <code>{this.path}</code> now: the people you
          invite join with one click and follow you through the notebook.
        </p>
        <label className="jp-StudySession-field">
          Invite (usernames, separated by commas)
          <input
            type="text"
            name="invite"
            data-testid="studysession-together-invite"
            defaultValue={this.invite}
            onChange={event => (this.invite = event.target.value)}
          />
        </label>
        {this._groups.length > 0 && (
          <label className="jp-StudySession-field">
            …or study with a group
            <select
              defaultValue=""
              onChange={event => (this.groupId = event.target.value)}
            >
              <option value="">(no group)</option>
              {this._groups.map(group => (
                <option key={group.id} value={group.id}>
                  {group.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
    );
  }
}

/**
 * Ask, then start the session; the session, or null when cancelled. A refusal
 * from the server is shown and the dialog asked again.
 */
export async function studyTogether(
  path: string,
  groups: IGroupChoice[]
): Promise<ISession | null> {
  let problem: string | null = null;
  for (;;) {
    const body = new StudyTogetherBody(path, groups);
    const result = await showDialog({
      title: problem ?? 'Study this notebook together',
      body,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: 'Start studying' })
      ]
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    try {
      return await startNotebookSession({
        notebook_path: path,
        ...result.value
      });
    } catch (error) {
      problem = errorMessage(error);
    }
  }
}
