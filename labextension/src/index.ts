import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { StudySessionSidebar } from './sidebar';

/** Adds the "Study sessions" panel to the left sidebar. */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:sidebar',
  description: "Lists the current user's study sessions in the left sidebar.",
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null): void => {
    const sidebar = new StudySessionSidebar();
    app.shell.add(sidebar, 'left', { rank: 200 });
    restorer?.add(sidebar, sidebar.id);
  }
};

export default [sidebarPlugin];
