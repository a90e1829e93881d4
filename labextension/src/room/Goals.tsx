import * as React from 'react';

import type { IGoal } from '../common/realtimeProtocol';
import { goalProgress } from './roomState';

export interface IGoalsProps {
  goals: readonly IGoal[];
  /** Whether the user may add and tick goals (joined, session open). */
  canEdit: boolean;
  /** Whether the user may delete this goal (its author, hosts). */
  canDelete(goal: IGoal): boolean;
  /** A goal action is in flight. */
  busy?: boolean;
  /** Add a goal; resolves to whether it was added. */
  onAdd(title: string): Promise<boolean>;
  /** Tick or untick; the box shows the new state until this settles. */
  onToggle(goalId: string, done: boolean): Promise<unknown>;
  onDelete(goalId: string): void;
}

/** The session's goals with their progress: add, tick, untick, delete. */
export function Goals(props: IGoalsProps): React.ReactElement {
  const headingId = React.useId();
  const inputId = React.useId();
  const [title, setTitle] = React.useState('');
  const { done, total, percent } = goalProgress(props.goals);

  const add = async (): Promise<void> => {
    const text = title.trim();
    if (text === '') {
      return;
    }
    if (await props.onAdd(text)) {
      // keep what was typed meanwhile
      setTitle(current => (current.trim() === text ? '' : current));
    }
  };

  return (
    <section
      className="jp-StudySession-roomUI jp-StudySession-goals"
      aria-labelledby={headingId}
      data-testid="studysession-goals"
    >
      <h3 className="jp-StudySession-sectionTitle" id={headingId}>
        Goals
      </h3>
      <div className="jp-StudySession-progress">
        <progress
          value={done}
          max={Math.max(total, 1)}
          aria-label={`Goals done: ${done} of ${total}`}
        />
        <span data-testid="studysession-goals-progress">
          {done} of {total} done{total > 0 ? ` (${percent}%)` : ''}
        </span>
      </div>
      {props.goals.length === 0 && (
        <p className="jp-StudySession-muted">
          No goals yet.{props.canEdit ? ' What do you want to get done?' : ''}
        </p>
      )}
      <ul className="jp-StudySession-goalList">
        {props.goals.map(goal => (
          <GoalItem
            key={goal.id}
            goal={goal}
            canEdit={props.canEdit}
            canDelete={props.canDelete(goal)}
            busy={props.busy ?? false}
            onToggle={done => props.onToggle(goal.id, done)}
            onDelete={() => props.onDelete(goal.id)}
          />
        ))}
      </ul>
      {props.canEdit && (
        <form
          className="jp-StudySession-addGoal"
          onSubmit={event => {
            event.preventDefault();
            void add();
          }}
        >
          <label className="jp-StudySession-visuallyHidden" htmlFor={inputId}>
            New goal
          </label>
          <input
            id={inputId}
            className="jp-StudySession-input"
            data-testid="studysession-goal-input"
            placeholder="Add a goal"
            value={title}
            maxLength={200}
            onChange={event => setTitle(event.target.value)}
          />
          <button
            type="submit"
            className="jp-StudySession-button"
            disabled={title.trim() === ''}
          >
            Add
          </button>
        </form>
      )}
    </section>
  );
}

function GoalItem(props: {
  goal: IGoal;
  canEdit: boolean;
  canDelete: boolean;
  busy: boolean;
  onToggle(done: boolean): Promise<unknown>;
  onDelete(): void;
}): React.ReactElement {
  const { goal } = props;
  const checkboxId = React.useId();
  // what the user just clicked, shown until the server's answer
  const [pending, setPending] = React.useState<boolean | null>(null);
  const checked = pending ?? goal.done;
  return (
    <li
      className={'jp-StudySession-goal' + (checked ? ' jp-mod-done' : '')}
      data-testid="studysession-goal"
      data-goal-id={goal.id}
      data-done={String(goal.done)}
    >
      <input
        type="checkbox"
        id={checkboxId}
        checked={checked}
        disabled={!props.canEdit || pending !== null}
        onChange={() => {
          const done = !checked;
          setPending(done);
          void props.onToggle(done).finally(() => setPending(null));
        }}
      />
      <label htmlFor={checkboxId} title={goal.description || undefined}>
        {goal.title}
      </label>
      {props.canDelete && (
        <button
          type="button"
          className="jp-StudySession-linkButton"
          aria-label={`Delete goal ${goal.title}`}
          title="Delete goal"
          disabled={props.busy}
          onClick={props.onDelete}
        >
          Delete
        </button>
      )}
    </li>
  );
}
