/**
 * The room's JupyterLab panel: a `MainAreaWidget` holding the `Room`
 * component of one session. The plugin in `plugins/room.ts` opens it.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { studySessionIcon } from '../common/icons';
import { IOpenDocInfo, Room } from './Room';
import { SharedDocs } from './SharedDocs';
import type { DocName } from './sharedDoc';

/** What a room panel may do beyond showing the room. */
export interface IRoomPanelOptions {
  /**
   * When given, the panel closes itself if the session is gone or no longer
   * the user's to see (for panels restored with the layout), and is told what
   * to say about it.
   */
  onClosed?(message: string): void;
  /** Opens the session's study notebook (the room offers it when given). */
  onOpenNotebook?(sessionId: string): void;
  /** Opens the notes or the whiteboard in their own tab. */
  onOpenDoc?(name: DocName, info: IOpenDocInfo): void;
}

/** The content of a room panel: the `Room` component for one session. */
export class RoomContent extends ReactWidget {
  constructor(
    readonly sessionId: string,
    private readonly _options: IRoomPanelOptions = {}
  ) {
    super();
    this.addClass('jp-StudySession-roomPanel');
  }

  protected override render(): React.ReactElement {
    return (
      <Room
        sessionId={this.sessionId}
        onTitle={this._setTitle}
        onUnavailable={this._options.onClosed ? this._close : undefined}
        onOpenNotebook={this._options.onOpenNotebook}
        onOpenDoc={this._options.onOpenDoc}
        sharedDocs={SharedDocs}
      />
    );
  }

  private readonly _setTitle = (title: string): void => {
    this._title = title;
    const panel = this.parent;
    if (panel !== null) {
      panel.title.label = title;
      panel.title.caption = `Study room: ${title}`;
    }
  };

  private readonly _close = (reason: string): void => {
    if (this.isDisposed) {
      return;
    }
    const room =
      this._title === null
        ? 'A study room from your last visit'
        : `The study room “${this._title}”`;
    this._options.onClosed?.(`${room} was closed: ${reason}.`);
    (this.parent ?? this).dispose();
  };

  private _title: string | null = null;
}

/** A main-area panel holding one session's room (see `RoomContent`). */
export function createRoomPanel(
  sessionId: string,
  options: IRoomPanelOptions = {}
): MainAreaWidget<RoomContent> {
  const panel = new MainAreaWidget({
    content: new RoomContent(sessionId, options)
  });
  panel.id = `jp-studysession-room-${sessionId}`;
  panel.addClass('jp-StudySession-roomMainArea');
  panel.title.label = 'Study room';
  panel.title.caption = 'Study room';
  panel.title.icon = studySessionIcon;
  panel.title.closable = true;
  return panel;
}
