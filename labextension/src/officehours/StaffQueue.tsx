/**
 * The staff side of office hours: the queue with questions and waits; admit
 * the next student, chosen ones, or everyone waiting on a topic; finish
 * visits; announcements; open or close by hand; duty; the CSV export.
 */
import * as React from 'react';

import { Avatar } from '../common/Avatar';
import { downloadText } from '../common/download';
import type { EntryOutcome, IQueueEntry } from './api';
import type { StatusOf } from './common';
import {
  ENTRY_STATUS_LABELS,
  formatEstimate,
  formatWaiting,
  historyFileName,
  topicGroups
} from './format';
import type { IOfficeHoursViewState, OfficeHoursModel } from './model';

export interface IStaffQueueProps {
  model: OfficeHoursModel;
  state: IOfficeHoursViewState;
  now: Date;
  onOpenRoom: (sessionId: string) => void;
  statusOf?: StatusOf;
}

export function StaffQueue(props: IStaffQueueProps): React.ReactElement {
  const { model, state, now, onOpenRoom, statusOf } = props;
  const officehours = state.officehours;
  const [selected, setSelected] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const [lastRoom, setLastRoom] = React.useState<{
    sessionId: string;
    names: string;
  } | null>(null);
  const waiting = state.entries.filter(e => e.status === 'waiting');
  const inLine = state.entries.filter(e => e.position !== null);
  const inRoom = state.entries.filter(e => e.position === null);
  const onDuty =
    state.me !== null &&
    state.staffOnDuty.some(u => u.username === state.me?.username);
  const topics = topicGroups(state.entries);

  // forget selections of entries that left the line
  const chosen = [...selected].filter(id => waiting.some(e => e.id === id));

  const admit = async (
    request: Parameters<OfficeHoursModel['admit']>[0],
    names: string
  ): Promise<void> => {
    const room = await model.admit(request);
    if (room !== null) {
      setSelected(new Set());
      setLastRoom({ sessionId: room, names });
    }
  };
  const namesOf = (entries: readonly IQueueEntry[]): string =>
    entries.map(e => e.user.display_name).join(', ');
  const toggle = (id: string): void => {
    const next = new Set(selected);
    if (next.has(id)) {
      next.delete(id);
    } else {
      next.add(id);
    }
    setSelected(next);
  };
  const exportCsv = async (): Promise<void> => {
    const csv = await model.exportHistory();
    if (csv !== null && officehours !== null) {
      downloadText(
        csv,
        historyFileName(officehours.title, new Date()),
        'text/csv'
      );
    }
  };

  return (
    <section className="jp-StudySession-ohStaff" aria-label="Staff view">
      <div
        className="jp-StudySession-ohToolbar"
        role="toolbar"
        aria-label="Office hours"
      >
        <button
          type="button"
          className="jp-Button jp-mod-styled"
          data-testid="oh-toggle-open"
          disabled={state.busy || officehours === null}
          onClick={() => void model.setOpen(!officehours?.is_open)}
        >
          {officehours?.is_open ? 'Close the queue' : 'Open the queue'}
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled"
          data-testid="oh-toggle-duty"
          aria-pressed={onDuty}
          disabled={state.busy}
          onClick={() => void model.setDuty(!onDuty)}
        >
          {onDuty ? 'Go off duty' : 'Go on duty'}
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled"
          data-testid="oh-export"
          disabled={state.busy}
          onClick={() => void exportCsv()}
        >
          Export CSV
        </button>
      </div>

      <div
        className="jp-StudySession-ohToolbar"
        role="toolbar"
        aria-label="Admit"
      >
        <button
          type="button"
          className="jp-Button jp-mod-accept jp-mod-styled jp-StudySession-ohPrimary"
          data-testid="oh-admit-next"
          disabled={state.busy || waiting.length === 0}
          onClick={() => void admit({}, namesOf(waiting.slice(0, 1)))}
        >
          Admit next
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled"
          data-testid="oh-admit-selected"
          disabled={state.busy || chosen.length === 0}
          onClick={() =>
            void admit(
              { entry_ids: chosen },
              namesOf(waiting.filter(e => chosen.includes(e.id)))
            )
          }
        >
          Admit selected ({chosen.length})
        </button>
        {topics.map(group => (
          <button
            key={group.topic}
            type="button"
            className="jp-Button jp-mod-styled"
            disabled={state.busy}
            title={`Admit everyone waiting on “${group.topic}” into one room`}
            onClick={() =>
              void admit(
                { topic: group.topic },
                namesOf(
                  waiting.filter(
                    e =>
                      e.topic?.toLocaleLowerCase() ===
                      group.topic.toLocaleLowerCase()
                  )
                )
              )
            }
          >
            Admit “{group.topic}” ({group.count})
          </button>
        ))}
      </div>

      {lastRoom !== null && (
        <div
          className="jp-StudySession-ohNotice"
          role="status"
          data-testid="oh-admitted"
        >
          <span>Admitted {lastRoom.names || 'a student'}.</span>
          <button
            type="button"
            className="jp-Button jp-mod-accept jp-mod-styled"
            onClick={() => onOpenRoom(lastRoom.sessionId)}
          >
            Open the room
          </button>
        </div>
      )}

      <h3 className="jp-StudySession-ohSubheading">
        In line ({inLine.length})
      </h3>
      {inLine.length === 0 ? (
        <p className="jp-StudySession-ohMuted" data-testid="oh-empty">
          Nobody is waiting.
        </p>
      ) : (
        <QueueTable
          entries={inLine}
          now={now}
          statusOf={statusOf}
          selected={chosen}
          onToggle={toggle}
          actions={entry => (
            <>
              {entry.status === 'waiting' && (
                <button
                  type="button"
                  className="jp-Button jp-mod-minimal"
                  disabled={state.busy}
                  aria-label={`Admit: ${entry.user.display_name}`}
                  onClick={() =>
                    void admit(
                      { entry_ids: [entry.id] },
                      entry.user.display_name
                    )
                  }
                >
                  Admit
                </button>
              )}
              <FinishButton
                model={model}
                entry={entry}
                outcome="removed"
                label="Remove"
                busy={state.busy}
              />
            </>
          )}
        />
      )}

      {inRoom.length > 0 && (
        <>
          <h3 className="jp-StudySession-ohSubheading">
            In rooms ({inRoom.length})
          </h3>
          <QueueTable
            entries={inRoom}
            now={now}
            statusOf={statusOf}
            actions={entry => (
              <>
                {entry.session_id !== null && (
                  <button
                    type="button"
                    className="jp-Button jp-mod-minimal"
                    aria-label={`Open room: ${entry.user.display_name}`}
                    onClick={() => onOpenRoom(entry.session_id as string)}
                  >
                    Open room
                  </button>
                )}
                <FinishButton
                  model={model}
                  entry={entry}
                  outcome="helped"
                  label="Done"
                  busy={state.busy}
                />
                <FinishButton
                  model={model}
                  entry={entry}
                  outcome="no_show"
                  label="No-show"
                  busy={state.busy}
                />
              </>
            )}
          />
        </>
      )}

      <AnnouncementForm model={model} busy={state.busy} />
    </section>
  );
}

function FinishButton(props: {
  model: OfficeHoursModel;
  entry: IQueueEntry;
  outcome: EntryOutcome;
  label: string;
  busy: boolean;
}): React.ReactElement {
  return (
    <button
      type="button"
      className="jp-Button jp-mod-minimal"
      disabled={props.busy}
      aria-label={`${props.label}: ${props.entry.user.display_name}`}
      onClick={() => void props.model.finish(props.entry.id, props.outcome)}
    >
      {props.label}
    </button>
  );
}

function QueueTable(props: {
  entries: readonly IQueueEntry[];
  now: Date;
  selected?: readonly string[];
  onToggle?: (id: string) => void;
  actions: (entry: IQueueEntry) => React.ReactNode;
  statusOf?: StatusOf;
}): React.ReactElement {
  const { entries, now, selected, onToggle, actions, statusOf } = props;
  return (
    <table className="jp-StudySession-ohTable" data-testid="oh-queue-table">
      <thead>
        <tr>
          {onToggle && (
            <th scope="col">
              <span className="jp-StudySession-visuallyHidden">Select</span>
            </th>
          )}
          <th scope="col">#</th>
          <th scope="col">Student</th>
          <th scope="col">Question</th>
          <th scope="col">Waiting</th>
          <th scope="col">Estimate</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="jp-StudySession-visuallyHidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map(entry => (
          <tr
            key={entry.id}
            data-testid="oh-entry"
            data-entry-id={entry.id}
            data-username={entry.user.username}
          >
            {onToggle && (
              <td>
                {entry.status === 'waiting' && (
                  <input
                    type="checkbox"
                    aria-label={`Select ${entry.user.display_name}`}
                    checked={selected?.includes(entry.id) ?? false}
                    onChange={() => onToggle(entry.id)}
                  />
                )}
              </td>
            )}
            <td>{entry.position ?? ''}</td>
            <td>
              <span className="jp-StudySession-ohPerson">
                <Avatar
                  user={entry.user}
                  status={statusOf?.(entry.user.username)}
                  size={20}
                />
                {entry.user.display_name}
              </span>
            </td>
            <td className="jp-StudySession-ohQuestionCell">
              {entry.topic && (
                <span className="jp-StudySession-ohTopic">{entry.topic}</span>
              )}
              {entry.question}
            </td>
            <td data-testid="oh-waiting">
              {entry.admitted_at === null
                ? formatWaiting(entry.joined_at, now)
                : `${Math.round(entry.waiting_minutes)} min`}
            </td>
            <td>{formatEstimate(entry.estimate)}</td>
            <td>{ENTRY_STATUS_LABELS[entry.status]}</td>
            <td className="jp-StudySession-ohActions">{actions(entry)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AnnouncementForm(props: {
  model: OfficeHoursModel;
  busy: boolean;
}): React.ReactElement {
  const [text, setText] = React.useState('');
  const id = React.useId();
  const [sent, setSent] = React.useState(false);
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (await props.model.announce(text)) {
      setText('');
      setSent(true);
    }
  };
  return (
    <form
      className="jp-StudySession-ohForm"
      aria-label="Announce"
      onSubmit={event => void submit(event)}
    >
      <label htmlFor={id}>Announcement to everyone in the queue</label>
      <textarea
        id={id}
        className="jp-StudySession-ohInput"
        data-testid="oh-announcement"
        maxLength={1000}
        rows={2}
        value={text}
        onChange={event => {
          setText(event.target.value);
          setSent(false);
        }}
      />
      <div className="jp-StudySession-ohButtons">
        <button
          type="submit"
          className="jp-Button jp-mod-styled"
          disabled={props.busy || text.trim() === ''}
        >
          Announce
        </button>
        {sent && (
          <span className="jp-StudySession-ohMuted" role="status">
            Sent.
          </span>
        )}
      </div>
    </form>
  );
}
