/**
 * Session rooms in JupyterLab: a main-area panel per session, opened (or
 * brought forward) by the command `studysession:open-room {id}`, restored
 * with the layout, and reachable by a link (`/lab?studysession-session=<id>`;
 * with an `invite_token` too, the invite link handled by the sidebar joins
 * first).
 * The room itself is the pure `Room` component of `room/`, in the panel of
 * `room/roomPanel.tsx`; this file only wires it to JupyterLab.
 */
import {
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';

import { createDocPanel, DocContent } from '../room/docPanel';
import { roomFromQuery, withoutRoomLink } from '../room/roomLink';
import { createRoomPanel, RoomContent } from '../room/roomPanel';
import type { DocName } from '../room/sharedDoc';
import { SESSION_PARAM } from '../sessions/sessionInvite';

/** The command ids of the room (fixed: other parts of the extension call them). */
export const RoomCommandIDs = {
  /**
   * Args `{ id: string, restored?: boolean }`: open the session's room, or
   * activate it if open. `restored` (what the layout restorer passes): close
   * it again, saying why, if the session is gone or no longer the user's.
   */
  openRoom: 'studysession:open-room',
  /** Used by the router for `?studysession-session=<id>` links. */
  openRoomFromUrl: 'studysession:open-room-from-url',
  /**
   * Args `{ id, name: 'notes' | 'whiteboard', me?, isHost?, title? }`: open a
   * session's notes or whiteboard in their own main-area tab.
   */
  openDoc: 'studysession:open-doc'
} as const;

/** Opens session rooms in the main area. */
export const roomPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:room',
  description:
    'Opens study session rooms (chat, goals, timer, participants) in the main area.',
  autoStart: true,
  optional: [ILayoutRestorer, IRouter],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    router: IRouter | null
  ): void => {
    const tracker = new WidgetTracker<MainAreaWidget<RoomContent>>({
      namespace: 'studysession-room'
    });
    // a restored room that closes itself says why, once JupyterLab shows toasts
    const tellWhyClosed = (message: string): void => {
      void app.restored.then(() =>
        Notification.info(message, { autoClose: 10_000 })
      );
    };

    const docTracker = new WidgetTracker<MainAreaWidget<DocContent>>({
      namespace: 'studysession-doc'
    });

    app.commands.addCommand(RoomCommandIDs.openDoc, {
      label: args =>
        args.name === 'whiteboard' ? 'Open Whiteboard' : 'Open Shared Notes',
      caption: "Open a study session's shared notes or whiteboard in a tab",
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'The session id' },
            name: { type: 'string', enum: ['notes', 'whiteboard'] },
            me: { type: 'string' },
            isHost: { type: 'boolean' },
            title: { type: 'string' }
          },
          required: ['id', 'name']
        }
      },
      execute: async args => {
        const id = typeof args.id === 'string' ? args.id : '';
        const name: DocName =
          args.name === 'whiteboard' ? 'whiteboard' : 'notes';
        let panel = docTracker.find(
          widget =>
            widget.content.sessionId === id && widget.content.name === name
        );
        if (panel === undefined) {
          panel = createDocPanel(id, name, {
            me: typeof args.me === 'string' ? args.me : undefined,
            isHost: args.isHost === true,
            title: typeof args.title === 'string' ? args.title : undefined
          });
          await docTracker.add(panel);
        }
        if (!panel.isAttached) {
          app.shell.add(panel, 'main', { mode: 'split-right' });
        }
        app.shell.activateById(panel.id);
        return panel;
      }
    });

    app.commands.addCommand(RoomCommandIDs.openRoom, {
      label: 'Open Study Room',
      caption: "Open a study session's room in the main area",
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'The session id' },
            restored: {
              type: 'boolean',
              description:
                'Restored with the layout: close it if the session is gone'
            }
          },
          required: ['id']
        }
      },
      execute: async args => {
        const id = typeof args.id === 'string' ? args.id : '';
        if (id === '') {
          throw new Error(`${RoomCommandIDs.openRoom} needs a session id.`);
        }
        let panel = tracker.find(widget => widget.content.sessionId === id);
        if (panel === undefined) {
          panel = createRoomPanel(id, {
            onClosed: args.restored === true ? tellWhyClosed : undefined,
            onOpenNotebook: sessionId => {
              const open = 'studysession:open-study-notebook';
              if (app.commands.hasCommand(open)) {
                void app.commands.execute(open, { id: sessionId });
              }
            },
            onOpenDoc: (name, info) => {
              void app.commands.execute(RoomCommandIDs.openDoc, {
                id,
                name,
                me: info.me,
                isHost: info.isHost,
                title: info.title
              });
            }
          });
          await tracker.add(panel);
        }
        if (!panel.isAttached) {
          app.shell.add(panel, 'main');
        }
        app.shell.activateById(panel.id);
        return panel;
      }
    });

    if (restorer !== null) {
      void restorer.restore(tracker, {
        command: RoomCommandIDs.openRoom,
        // the layout keeps these; only the restorer runs the command with them
        args: widget => ({ id: widget.content.sessionId, restored: true }),
        name: widget => widget.content.sessionId
      });
      void restorer.restore(docTracker, {
        command: RoomCommandIDs.openDoc,
        args: widget => ({
          id: widget.content.sessionId,
          name: widget.content.name
        }),
        name: widget => `${widget.content.name}:${widget.content.sessionId}`
      });
    }

    if (router !== null) {
      app.commands.addCommand(RoomCommandIDs.openRoomFromUrl, {
        execute: async args => {
          const search = typeof args.search === 'string' ? args.search : '';
          const id = roomFromQuery(search);
          if (id === null) {
            return;
          }
          // once opened, the room is part of the layout: drop the parameter
          window.history.replaceState(
            window.history.state,
            '',
            withoutRoomLink(window.location.href)
          );
          await app.commands.execute(RoomCommandIDs.openRoom, { id });
        }
      });
      router.register({
        command: RoomCommandIDs.openRoomFromUrl,
        pattern: new RegExp(`[?&]${SESSION_PARAM}=`)
      });
    }
  }
};
