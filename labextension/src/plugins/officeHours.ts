/**
 * Office hours in JupyterLab: a main-area panel per office hours, opened (or
 * brought forward) by the command `studysession:open-office-hours {id}` and
 * restored with the layout. The Study sidebar lists the office hours and runs
 * the command. The views themselves are the pure components of
 * `officehours/`, in the panel of `officehours/officeHoursPanel.tsx`; this
 * file only wires them to JupyterLab.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';

import { studySessionIcon } from '../common/icons';
import { OfficeHoursPanel } from '../officehours/officeHoursPanel';

/** The command ids (fixed: other parts of the extension call them). */
export const CommandIDs = {
  openOfficeHours: 'studysession:open-office-hours',
  openRoom: 'studysession:open-room'
} as const;

/** The Study sidebar, which lists the office hours. */
const SIDEBAR_ID = 'jp-studysession-sidebar';

/** Open a session room through the room panel's command. */
function openRoom(app: JupyterFrontEnd, sessionId: string): void {
  if (app.commands.hasCommand(CommandIDs.openRoom)) {
    void app.commands.execute(CommandIDs.openRoom, { id: sessionId });
    return;
  }
  Notification.warning(
    'The session room cannot be opened here: the room view is not installed.',
    { autoClose: 8000 }
  );
}

/** Adds the office-hours panels and their command. */
export const officeHoursPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:office-hours',
  description:
    'Office hours: the help queue for students, the staff view for instructors and TAs.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null): void => {
    const tracker = new WidgetTracker<MainAreaWidget<OfficeHoursPanel>>({
      namespace: 'studysession-officehours'
    });
    app.commands.addCommand(CommandIDs.openOfficeHours, {
      label: 'Open Office Hours',
      caption: 'Open the help queue of an office hours',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'The office hours id' }
          }
        }
      },
      execute: args => {
        const id = typeof args.id === 'string' ? args.id : '';
        if (!id) {
          // no office hours given: the sidebar lists them
          app.shell.activateById(SIDEBAR_ID);
          return null;
        }
        const open = tracker.find(w => w.content.officehoursId === id);
        if (open) {
          app.shell.activateById(open.id);
          return open;
        }
        const content = new OfficeHoursPanel(id, sessionId =>
          openRoom(app, sessionId)
        );
        const widget = new MainAreaWidget({ content });
        widget.id = `jp-studysession-officehours-${id}`;
        widget.title.label = 'Office hours';
        widget.title.icon = studySessionIcon;
        widget.title.closable = true;
        void tracker.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      }
    });

    void restorer?.restore(tracker, {
      command: CommandIDs.openOfficeHours,
      args: widget => ({ id: widget.content.officehoursId }),
      name: widget => widget.content.officehoursId
    });
  }
};
