import * as React from 'react';

import { OfficeHoursQueue } from '../officehours';
import { StudyRoomWidget } from './StudyRoomWidget';

export interface IOfficeHoursWidgetProps {
  officehoursId: string;
}

/**
 * An office hours' queue in a notebook. With no JupyterLab commands to call,
 * a room (the student's turn, or one staff open) opens inside the widget,
 * with a way back to the queue.
 */
export function OfficeHoursWidget(
  props: IOfficeHoursWidgetProps
): React.ReactElement {
  const [room, setRoom] = React.useState<string | null>(null);
  return (
    <div className="jp-StudySession-widgetOfficeHours">
      <div hidden={room !== null}>
        <OfficeHoursQueue
          officehoursId={props.officehoursId}
          onOpenRoom={setRoom}
        />
      </div>
      {room !== null && (
        <>
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-widgetBack"
            onClick={() => setRoom(null)}
          >
            ← Back to the queue
          </button>
          <StudyRoomWidget key={room} sessionId={room} />
        </>
      )}
    </div>
  );
}
