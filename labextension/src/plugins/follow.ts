/**
 * Study notebooks in JupyterLab: open a session's study notebook and follow
 * (or lead) through it, and "Study this notebook together" from a notebook's
 * toolbar or the command palette. The logic is in `follow/`.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  Notification,
  ToolbarButton
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { studySessionIcon } from '../common/icons';
import { OPEN_STUDY_NOTEBOOK } from '../common/notificationCenter';
import { errorMessage } from '../common/store';
import { FollowBar } from '../follow/FollowBar';
import { followModels } from '../follow/models';
import { NotebookFollower } from '../follow/notebookFollower';
import { studyTogether } from '../follow/studyTogether';
import { visitFor, visitor } from '../follow/visit';
import { listMyGroups } from '../groups/api';

export const FollowCommandIDs = {
  /** Args `{ id }`: open the session's study notebook and follow the leader. */
  openStudyNotebook: OPEN_STUDY_NOTEBOOK,
  /** Study the current notebook together: a new session on it, now. */
  studyTogether: 'studysession:study-together'
} as const;

export const followPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:follow',
  description:
    "Follows a study session's leader through its notebook; starts sessions on a notebook.",
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    palette: ICommandPalette | null
  ): void => {
    const models = followModels();
    const attached = new Map<
      string,
      { follower: NotebookFollower; detach: () => void }
    >();

    /** Follow (or lead) session `sessionId` in `panel` (one panel per session). */
    async function attach(
      sessionId: string,
      panel: NotebookPanel
    ): Promise<NotebookFollower> {
      const current = attached.get(sessionId);
      if (current?.follower.panel === panel) {
        return current.follower;
      }
      current?.detach();
      const model = await models.acquire(sessionId);
      await panel.context.ready;
      const follower = new NotebookFollower(panel, model);
      const bar = new FollowBar(follower);
      panel.contentHeader.addWidget(bar);
      const detach = () => {
        panel.disposed.disconnect(detach);
        if (attached.get(sessionId)?.follower === follower) {
          attached.delete(sessionId);
        }
        follower.dispose();
        bar.dispose();
        models.release(sessionId);
      };
      attached.set(sessionId, { follower, detach });
      panel.disposed.connect(detach);
      return follower;
    }

    app.commands.addCommand(FollowCommandIDs.openStudyNotebook, {
      label: 'Open Study Notebook',
      caption: "Open a session's study notebook and follow its leader",
      describedBy: {
        args: {
          type: 'object',
          properties: { id: { type: 'string', description: 'The session id' } },
          required: ['id']
        }
      },
      execute: async args => {
        const id = typeof args.id === 'string' ? args.id : '';
        const model = await models.acquire(id);
        try {
          await model.reload();
          const follow = model.state.follow;
          const notebook = follow?.notebook;
          if (!follow || !notebook || !notebook.exists) {
            Notification.warning(
              model.state.error ??
                'This session has no study notebook on this server.'
            );
            return;
          }
          // followers read along: no kernel (and no kernel picker) for them
          const panel = docManager.openOrReveal(
            notebook.path,
            'Notebook',
            undefined,
            {},
            follow.can_lead ? undefined : { shouldStart: false }
          ) as NotebookPanel | undefined;
          if (!panel) {
            return;
          }
          await attach(id, panel);
          if (follow.can_lead && follow.leader === null) {
            await model.lead(); // the host leads unless someone does
          }
        } catch (error) {
          Notification.error(errorMessage(error));
        } finally {
          models.release(id);
        }
      }
    });

    app.commands.addCommand(FollowCommandIDs.studyTogether, {
      label: 'Study This Notebook Together',
      caption:
        'Start a study session on this notebook now; the people you invite follow you through it',
      icon: args => (args.toolbar ? studySessionIcon : undefined),
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (panel === null) {
          return;
        }
        try {
          await panel.context.ready;
          if (panel.context.model.dirty) {
            await panel.context.save(); // the others open what is on disk
          }
          const groups = (await listMyGroups().catch(() => [])).filter(
            group => group.my_state === 'joined'
          );
          const session = await studyTogether(panel.context.path, groups);
          if (session === null) {
            return;
          }
          await app.commands.execute('studysession:open-room', {
            id: session.id
          });
          const follower = await attach(session.id, panel);
          if (follower.model.leader === null) {
            await follower.model.lead();
          }
          app.shell.activateById(panel.id);
        } catch (error) {
          Notification.error(errorMessage(error));
        }
      }
    });

    // On the host's server, a participant follows the study notebook they open
    if (visitor() !== null) {
      const contents = app.serviceManager.contents;
      tracker.widgetAdded.connect(async (_, panel) => {
        try {
          await panel.context.ready;
          const visit = await visitFor(contents.localPath(panel.context.path));
          if (visit !== null && !panel.isDisposed) {
            await attach(visit.session_id, panel);
          }
        } catch (error) {
          Notification.error(errorMessage(error));
        }
      });
    }

    palette?.addItem({
      command: FollowCommandIDs.studyTogether,
      category: 'Study Sessions'
    });

    if (visitor() !== null) {
      return; // "Study together" starts a session as the server's owner
    }

    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (panel: NotebookPanel) => {
        const button = new ToolbarButton({
          icon: studySessionIcon,
          tooltip: 'Study this notebook together',
          label: 'Study together',
          onClick: () => {
            tracker.currentWidget !== panel && app.shell.activateById(panel.id);
            void app.commands.execute(FollowCommandIDs.studyTogether);
          }
        });
        button.node.dataset.testid = 'studysession-study-together';
        panel.toolbar.addItem('studysession-study-together', button);
        return button;
      }
    });
  }
};
