/**
 * A session's notes or whiteboard as its own main-area tab (the command
 * `studysession:open-doc {id, name}` of `plugins/room.ts` opens it).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { studySessionIcon } from '../common/icons';
import { SharedDocPanel } from './SharedDocs';
import type { DocName } from './sharedDoc';

const TITLES: Record<DocName, string> = {
  notes: 'Notes',
  whiteboard: 'Whiteboard'
};

/** The content of a document tab. */
export class DocContent extends ReactWidget {
  constructor(
    readonly sessionId: string,
    readonly name: DocName,
    private readonly _me: string,
    private readonly _isHost: boolean
  ) {
    super();
    this.addClass('jp-StudySession-docPanel');
  }

  protected override render(): React.ReactElement {
    return (
      <div className="jp-StudySession-roomUI jp-StudySession-docTab">
        <SharedDocPanel
          sessionId={this.sessionId}
          name={this.name}
          me={this._me}
          isHost={this._isHost}
        />
      </div>
    );
  }
}

/** A main-area panel holding one session's document. */
export function createDocPanel(
  sessionId: string,
  name: DocName,
  options: { me?: string; isHost?: boolean; title?: string } = {}
): MainAreaWidget<DocContent> {
  const content = new DocContent(
    sessionId,
    name,
    options.me ?? '',
    options.isHost ?? false
  );
  const panel = new MainAreaWidget({ content });
  panel.id = `jp-studysession-${name}-${sessionId}`;
  panel.title.label = options.title
    ? `${TITLES[name]}: ${options.title}`
    : TITLES[name];
  panel.title.caption = `Shared ${name} of a study session`;
  panel.title.icon = studySessionIcon;
  panel.title.closable = true;
  return panel;
}
