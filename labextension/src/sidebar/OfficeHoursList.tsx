import type { IDisposable } from '@lumino/disposable';
import * as React from 'react';

import { Avatar } from '../common/Avatar';
import type { PresenceModel } from '../common/presence';
import { useLoad } from '../common/useLoad';
import { usePresenceWatch } from '../common/usePresence';
import type { IOfficeHours } from '../officehours/api';

export interface IOfficeHoursListProps {
  load: () => Promise<IOfficeHours[]>;
  /** Bumped to load again (live updates, refresh button). */
  version: number;
  onOpen: (id: string) => void;
  /** For the status dots of the staff on duty. */
  presence: PresenceModel | null;
  /**
   * Follow the queue of one office hours live, calling `onChange` when it
   * changes; for staff (students may only follow a queue they are in).
   */
  follow?: (officehoursId: string, onChange: () => void) => IDisposable;
}

/** How long queue changes are gathered before the list loads again. */
const RELOAD_AFTER_MS = 500;

/** "Open · 3 waiting" or "Closed". */
export function officeHoursState(officeHours: IOfficeHours): string {
  if (!officeHours.is_open) {
    return 'Closed';
  }
  const n = officeHours.queue_length;
  return n === 0 ? 'Open · nobody waiting' : `Open · ${n} waiting`;
}

/**
 * The course's office hours, each a button that opens its view: open or
 * closed, how many wait, and who is on duty.
 */
export function OfficeHoursList(
  props: IOfficeHoursListProps
): React.ReactElement {
  const { load, version, onOpen, presence, follow } = props;
  const loaded = useLoad(
    load,
    version,
    'Office hours could not be loaded because of an unexpected error.'
  );
  const items = loaded.value;
  const reload = loaded.reload;
  const followed = (items ?? []).map(item => item.id).join(' ');
  React.useEffect(() => {
    if (follow === undefined || followed === '') {
      return;
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    const changed = (): void => {
      timer ??= setTimeout(() => {
        timer = null;
        reload();
      }, RELOAD_AFTER_MS);
    };
    const queues = followed.split(' ').map(id => follow(id, changed));
    return () => {
      queues.forEach(queue => queue.dispose());
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [follow, followed]);
  const staff = [
    ...new Set(
      (items ?? []).flatMap(item =>
        item.staff_on_duty.map(duty => duty.user.username)
      )
    )
  ].sort();
  usePresenceWatch(presence, staff.length > 0 ? [{ users: staff }] : []);
  return (
    <section
      className="jp-StudySession-officeHours"
      aria-labelledby="jp-StudySession-officeHours-heading"
      data-testid="studysession-officehours"
    >
      <h3
        id="jp-StudySession-officeHours-heading"
        className="jp-StudySession-sectionHeading"
      >
        Office hours
      </h3>
      {loaded.error !== null && (
        <div className="jp-StudySession-error" role="alert">
          {loaded.error}{' '}
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-link"
            onClick={loaded.reload}
          >
            Try again
          </button>
        </div>
      )}
      {items !== null && items.length === 0 && (
        <div className="jp-StudySession-empty">
          No office hours in this course yet.
        </div>
      )}
      {items !== null && items.length > 0 && (
        <ul className="jp-StudySession-officeHoursList">
          {items.map(item => (
            <li key={item.id}>
              <button
                type="button"
                className="jp-StudySession-officeHoursItem"
                aria-label={`Open office hours ${item.title}: ${officeHoursState(item)}`}
                onClick={() => onOpen(item.id)}
                data-officehours-id={item.id}
              >
                <span className="jp-StudySession-officeHoursTitle">
                  {item.title}
                </span>
                <span
                  className={`jp-StudySession-status jp-mod-${
                    item.is_open ? 'active' : 'completed'
                  }`}
                >
                  {officeHoursState(item)}
                </span>
                {item.staff_on_duty.length > 0 && (
                  <span className="jp-StudySession-duty">
                    {item.staff_on_duty.slice(0, 4).map(duty => (
                      <Avatar
                        key={duty.user.username}
                        user={duty.user}
                        status={presence?.statusOf(duty.user.username)}
                        size={18}
                      />
                    ))}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
