/**
 * The notebook widgets' front end: an anywidget front-end module (AFM) that
 * `scripts/build-widget.mjs` bundles, React and the room and office-hours
 * components included, into one ES module for `jupyter_studysession.widgets`.
 *
 * It draws the same components as the JupyterLab panels and talks to the
 * Jupyter server directly, as the browser's logged-in user (the page's
 * configuration and cookies), over the tab's one realtime connection: no
 * message hops through the kernel.
 */
import * as React from 'react';
import { createRoot } from 'react-dom/client';

import { OfficeHoursWidget } from './OfficeHoursWidget';
import { StudyRoomWidget } from './StudyRoomWidget';
import { WidgetMessage } from './WidgetMessage';

/** The part of anywidget's model the widgets read (the Python traits). */
export interface IWidgetModel {
  get(name: string): unknown;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

/** The traits whose change redraws the widget. */
const WATCHED = ['change:_view', 'change:session_id', 'change:officehours_id'];

function text(model: IWidgetModel, name: string): string {
  const value = model.get(name);
  return typeof value === 'string' ? value : '';
}

/** What the widget shows for its model's `_view` and id. */
export function widgetView(model: IWidgetModel): React.ReactElement {
  const view = text(model, '_view');
  if (view === 'room') {
    const id = text(model, 'session_id');
    return <StudyRoomWidget key={id} sessionId={id} />;
  }
  if (view === 'officehours') {
    const id = text(model, 'officehours_id');
    return <OfficeHoursWidget key={id} officehoursId={id} />;
  }
  return (
    <WidgetMessage>
      This widget ({view || 'unnamed'}) is not known to this version of
      jupyter-studysession&apos;s front end.
    </WidgetMessage>
  );
}

export default {
  /** Draw one view of the widget into `el`; returns its cleanup. */
  render({ model, el }: { model: IWidgetModel; el: HTMLElement }): () => void {
    el.classList.add('jp-StudySession-widget');
    const root = createRoot(el);
    const draw = (): void => root.render(widgetView(model));
    draw();
    for (const event of WATCHED) {
      model.on(event, draw);
    }
    return () => {
      for (const event of WATCHED) {
        model.off(event, draw);
      }
      root.unmount();
    };
  }
};
