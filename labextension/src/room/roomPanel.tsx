/**
 * The room's JupyterLab panel: a `MainAreaWidget` holding the `Room`
 * component of one session. The plugin in `plugins/room.ts` opens it.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { studySessionIcon } from '../common/icons';
import { Room } from './Room';

/** The content of a room panel: the `Room` component for one session. */
export class RoomContent extends ReactWidget {
  /**
   * `onOpenNotebook` opens the session's study notebook (the room offers it
   * when given).
   */
  constructor(
    readonly sessionId: string,
    private readonly _onOpenNotebook?: (sessionId: string) => void
  ) {
    super();
    this.addClass('jp-StudySession-roomPanel');
  }

  protected override render(): React.ReactElement {
    return (
      <Room
        sessionId={this.sessionId}
        onTitle={title => this._setTitle(title)}
        onOpenNotebook={this._onOpenNotebook}
      />
    );
  }

  private _setTitle(title: string): void {
    const panel = this.parent;
    if (panel !== null) {
      panel.title.label = title;
      panel.title.caption = `Study room: ${title}`;
    }
  }
}

/** A main-area panel holding one session's room. */
export function createRoomPanel(
  sessionId: string,
  onOpenNotebook?: (sessionId: string) => void
): MainAreaWidget<RoomContent> {
  const panel = new MainAreaWidget({
    content: new RoomContent(sessionId, onOpenNotebook)
  });
  panel.id = `jp-studysession-room-${sessionId}`;
  panel.addClass('jp-StudySession-roomMainArea');
  panel.title.label = 'Study room';
  panel.title.caption = 'Study room';
  panel.title.icon = studySessionIcon;
  panel.title.closable = true;
  return panel;
}
