import * as React from 'react';

import { Room } from '../room';
import { WidgetMessage } from './WidgetMessage';

export interface IStudyRoomWidgetProps {
  sessionId: string;
}

/**
 * A session room in a notebook, as the browser's user: the same `Room` as the
 * JupyterLab panel (it says why when the session is not there or not theirs,
 * and offers to join when they may).
 */
export function StudyRoomWidget(
  props: IStudyRoomWidgetProps
): React.ReactElement {
  if (props.sessionId === '') {
    return <WidgetMessage>No study session was given.</WidgetMessage>;
  }
  return (
    <div
      className="jp-StudySession-widgetRoom"
      data-testid="studysession-widget-room"
    >
      <Room sessionId={props.sessionId} />
    </div>
  );
}
