/**
 * One office hours for the signed-in user: the staff view for instructors
 * and TAs, the student view for everyone else. The JupyterLab panel and the
 * `OfficeHoursQueue` notebook widget both render this component.
 */
import * as React from 'react';

import { useNow, useStore } from '../common/hooks';
import { presence } from '../common/presence';
import { usePresence, usePresenceWatch } from '../common/usePresence';
import { Announcements, ErrorMessage, OfficeHoursHeader } from './common';
import { OfficeHoursModel } from './model';
import { StaffQueue } from './StaffQueue';
import { StudentQueue } from './StudentQueue';

export interface IOfficeHoursQueueProps {
  officehoursId: string;
  /**
   * Open a session room (the student's turn, or staff opening one). The
   * JupyterLab panel runs `studysession:open-room`; elsewhere, whatever fits.
   */
  onOpenRoom: (sessionId: string) => void;
  /** A model to use instead of a new one (its owner disposes it). */
  model?: OfficeHoursModel;
}

export function OfficeHoursQueue(
  props: IOfficeHoursQueueProps
): React.ReactElement {
  const { officehoursId, onOpenRoom } = props;
  const given = props.model;
  const model = React.useMemo(
    () => given ?? new OfficeHoursModel(officehoursId),
    [given, officehoursId]
  );
  React.useEffect(() => {
    void model.start();
    return () => {
      if (model !== given) {
        model.dispose();
      }
    };
  }, [model, given]);
  const state = useStore(model);
  const now = new Date(useNow(15_000));

  // the presence of the people on screen: staff on duty, and (staff) the queue
  const people = React.useMemo(
    () =>
      [
        ...new Set([
          ...state.staffOnDuty.map(u => u.username),
          ...state.entries.map(e => e.user.username)
        ])
      ].sort(),
    [state.staffOnDuty, state.entries]
  );
  const presenceModel = usePresence(React.useMemo(() => presence(), []));
  usePresenceWatch(presenceModel, people.length > 0 ? [{ users: people }] : []);
  const statusOf = (username: string) => presenceModel?.statusOf(username);

  // a student's turn, seen live: go to the room once
  const opened = React.useRef<string | null>(null);
  const openRoom = React.useRef(onOpenRoom);
  openRoom.current = onOpenRoom;
  React.useEffect(() => {
    const room = state.turnSessionId;
    if (room !== null && opened.current !== room && !state.isStaff) {
      opened.current = room;
      openRoom.current(room);
    }
  }, [state.turnSessionId, state.isStaff]);

  if (state.deleted) {
    return (
      <div className="jp-StudySession-ohView">
        <p className="jp-StudySession-empty" data-testid="oh-deleted">
          These office hours were deleted.
        </p>
      </div>
    );
  }
  if (state.officehours === null) {
    return (
      <div className="jp-StudySession-ohView">
        <ErrorMessage error={state.error} />
        {state.loading && (
          <p className="jp-StudySession-loading" role="status">
            Loading office hours…
          </p>
        )}
      </div>
    );
  }
  return (
    <div
      className="jp-StudySession-ohView"
      data-testid="oh-view"
      data-role={state.isStaff ? 'staff' : 'student'}
    >
      <OfficeHoursHeader
        officehours={state.officehours}
        staffOnDuty={state.staffOnDuty}
        now={now}
        statusOf={statusOf}
      />
      <ErrorMessage error={state.error} />
      {state.isStaff ? (
        <StaffQueue
          model={model}
          state={state}
          now={now}
          onOpenRoom={onOpenRoom}
          statusOf={statusOf}
        />
      ) : (
        <StudentQueue model={model} state={state} onOpenRoom={onOpenRoom} />
      )}
      <Announcements announcements={state.announcements} now={now} />
    </div>
  );
}
