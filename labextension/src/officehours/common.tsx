/**
 * Small pieces shared by the office-hours views: the header with the open
 * state and the schedule, the error box, people and announcements.
 */
import * as React from 'react';

import type { IUserSummary } from '../common/api';
import { Avatar } from '../common/Avatar';
import { formatWhen } from '../common/format';
import type { PresenceStatus } from '../common/realtimeProtocol';
import type { IAnnouncement, IOfficeHours } from './api';
import { formatOpenState } from './format';
import {
  describeWeeklySlot,
  formatOccurrence,
  upcomingSlots
} from './schedule';

export function ErrorMessage(props: {
  error: string | null;
}): React.ReactElement | null {
  if (props.error === null) {
    return null;
  }
  return (
    <div className="jp-StudySession-error" role="alert" data-testid="oh-error">
      {props.error}
    </div>
  );
}

/** A person's presence, when known (no status dot otherwise). */
export type StatusOf = (username: string) => PresenceStatus | undefined;

/** People shown as avatars, each labelled with their name. */
export function People(props: {
  users: readonly IUserSummary[];
  empty: string;
  label: string;
  statusOf?: StatusOf;
}): React.ReactElement {
  if (props.users.length === 0) {
    return <span className="jp-StudySession-ohMuted">{props.empty}</span>;
  }
  return (
    <ul className="jp-StudySession-ohPeople" aria-label={props.label}>
      {props.users.map(user => (
        <li key={user.username}>
          <Avatar
            user={user}
            status={props.statusOf?.(user.username)}
            size={20}
          />
          <span>{user.display_name}</span>
        </li>
      ))}
    </ul>
  );
}

/** Title, open state, staff on duty and the coming slots in the user's time. */
export function OfficeHoursHeader(props: {
  officehours: IOfficeHours;
  staffOnDuty: readonly IUserSummary[];
  now: Date;
  statusOf?: StatusOf;
}): React.ReactElement {
  const { officehours, staffOnDuty, now } = props;
  const slots = upcomingSlots(
    officehours.weekly_slots,
    officehours.one_off_slots,
    now
  );
  return (
    <header className="jp-StudySession-ohHeader">
      <div className="jp-StudySession-ohTitleRow">
        <h2 className="jp-StudySession-ohTitle">{officehours.title}</h2>
        <span
          className={`jp-StudySession-status jp-mod-${officehours.is_open ? 'active' : 'cancelled'}`}
          data-testid="oh-open-state"
        >
          {officehours.is_open ? 'Open' : 'Closed'}
        </span>
      </div>
      <p className="jp-StudySession-ohMuted" data-testid="oh-open-line">
        {formatOpenState(officehours, now)}
      </p>
      {officehours.description && (
        <p className="jp-StudySession-ohDescription">
          {officehours.description}
        </p>
      )}
      <div className="jp-StudySession-ohRow">
        <span className="jp-StudySession-ohLabel">On duty:</span>
        <People
          users={staffOnDuty}
          empty="Nobody yet"
          label="Staff on duty"
          statusOf={props.statusOf}
        />
      </div>
      <details className="jp-StudySession-ohSchedule" open>
        <summary>Schedule (your time)</summary>
        {slots.length === 0 ? (
          <p className="jp-StudySession-ohMuted">
            No slots in the coming week.
          </p>
        ) : (
          <ul aria-label="Coming slots" data-testid="oh-schedule">
            {slots.map(slot => {
              const on = slot.start <= now && now < slot.end;
              return (
                <li
                  key={`${slot.start.toISOString()}-${slot.end.toISOString()}`}
                  className={on ? 'jp-mod-current' : undefined}
                >
                  <time dateTime={slot.start.toISOString()}>
                    {formatOccurrence(slot)}
                  </time>
                  {on && <span className="jp-StudySession-ohNow"> now</span>}
                </li>
              );
            })}
          </ul>
        )}
        {officehours.weekly_slots.length > 0 && (
          <p className="jp-StudySession-ohMuted">
            Set as:{' '}
            {officehours.weekly_slots.map(describeWeeklySlot).join('; ')}
          </p>
        )}
      </details>
    </header>
  );
}

export function Announcements(props: {
  announcements: readonly IAnnouncement[];
  now: Date;
}): React.ReactElement | null {
  if (props.announcements.length === 0) {
    return null;
  }
  return (
    <section
      className="jp-StudySession-ohAnnouncements"
      aria-label="Announcements"
    >
      <h3>Announcements</h3>
      <ul aria-live="polite" data-testid="oh-announcements">
        {props.announcements.map(a => (
          <li key={`${a.created_at}-${a.author}`}>
            <span className="jp-StudySession-ohMuted">
              {a.author}, {formatWhen(a.created_at, props.now)}:
            </span>{' '}
            {a.text}
          </li>
        ))}
      </ul>
    </section>
  );
}
