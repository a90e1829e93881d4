import * as React from 'react';

import type { SessionType } from '../common/api';
import { TYPE_LABELS } from '../common/format';
import type { PresenceStatus } from '../common/realtimeProtocol';
import {
  FormErrors,
  FormField,
  ICreateSessionForm,
  TOOL_LABELS,
  TOOLS
} from './createSession';
import { InvitePicker } from './InvitePicker';
import type { IUserSuggestion } from './sessionsApi';

export interface ICreateSessionFormProps {
  form: ICreateSessionForm;
  errors: FormErrors;
  /** The server's refusal, for people. */
  serverError: string | null;
  onChange: (form: ICreateSessionForm) => void;
  suggest: (q: string) => Promise<IUserSuggestion[]>;
  statusOf?: (username: string) => PresenceStatus | undefined;
}

const TYPES: readonly SessionType[] = ['group', 'one_on_one', 'solo'];
const ID = 'jp-StudySession-create';

/**
 * The fields of a new session: basics, when, settings and whom to invite.
 * Each field's error is next to it and read with it.
 */
export function CreateSessionForm(
  props: ICreateSessionFormProps
): React.ReactElement {
  const { form, errors, serverError, onChange, suggest, statusOf } = props;
  const set = <K extends FormField>(
    field: K,
    value: ICreateSessionForm[K]
  ): void => onChange({ ...form, [field]: value });

  const error = (field: FormField): React.ReactElement | null =>
    errors[field] === undefined ? null : (
      <div
        id={`${ID}-${field}-error`}
        className="jp-StudySession-fieldError"
        data-testid={`studysession-error-${field}`}
      >
        {errors[field]}
      </div>
    );
  const aria = (field: FormField, help?: string) => ({
    'aria-invalid': errors[field] !== undefined,
    'aria-describedby':
      errors[field] !== undefined
        ? `${ID}-${field}-error`
        : help === undefined
          ? undefined
          : `${ID}-${field}-help`
  });

  return (
    <div
      className="jp-StudySession-form"
      data-testid="studysession-create-form"
    >
      {serverError !== null && (
        <div
          className="jp-StudySession-error"
          role="alert"
          data-testid="studysession-create-error"
        >
          {serverError}
        </div>
      )}
      <fieldset className="jp-StudySession-fieldset">
        <legend>Basics</legend>
        <label htmlFor={`${ID}-title`}>Title</label>
        <input
          id={`${ID}-title`}
          className="jp-mod-styled jp-StudySession-input"
          type="text"
          required
          maxLength={200}
          value={form.title}
          placeholder="e.g. Linear algebra: eigenvalues"
          onChange={e => set('title', e.target.value)}
          {...aria('title')}
        />
        {error('title')}
        <label htmlFor={`${ID}-description`}>Description</label>
        <textarea
          id={`${ID}-description`}
          className="jp-mod-styled jp-StudySession-input"
          rows={2}
          value={form.description}
          placeholder="What you will study, what to prepare"
          onChange={e => set('description', e.target.value)}
          {...aria('description')}
        />
        {error('description')}
        <div className="jp-StudySession-row">
          <div>
            <label htmlFor={`${ID}-type`}>Type</label>
            <select
              id={`${ID}-type`}
              className="jp-mod-styled"
              value={form.type}
              onChange={e => set('type', e.target.value as SessionType)}
            >
              {TYPES.map(type => (
                <option key={type} value={type}>
                  {TYPE_LABELS[type]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${ID}-subject`}>Subject</label>
            <input
              id={`${ID}-subject`}
              className="jp-mod-styled jp-StudySession-input"
              type="text"
              value={form.subject}
              placeholder="e.g. Mathematics"
              onChange={e => set('subject', e.target.value)}
              {...aria('subject')}
            />
            {error('subject')}
          </div>
        </div>
        <label htmlFor={`${ID}-tags`}>Tags</label>
        <input
          id={`${ID}-tags`}
          className="jp-mod-styled jp-StudySession-input"
          type="text"
          value={form.tags}
          placeholder="Separated by commas, e.g. exam, week 3"
          onChange={e => set('tags', e.target.value)}
          {...aria('tags')}
        />
        {error('tags')}
        <label htmlFor={`${ID}-scheduledAt`}>Starts at</label>
        <input
          id={`${ID}-scheduledAt`}
          className="jp-mod-styled jp-StudySession-input"
          type="datetime-local"
          value={form.scheduledAt}
          onChange={e => set('scheduledAt', e.target.value)}
          {...aria('scheduledAt', 'help')}
        />
        {error('scheduledAt') ?? (
          <div id={`${ID}-scheduledAt-help`} className="jp-StudySession-help">
            Your local time. Leave it empty to start whenever you like.
          </div>
        )}
      </fieldset>
      <fieldset className="jp-StudySession-fieldset">
        <legend>Invite people</legend>
        <label htmlFor={`${ID}-invite`}>People</label>
        <InvitePicker
          id={`${ID}-invite`}
          value={form.invite}
          onChange={invite => set('invite', invite)}
          suggest={suggest}
          statusOf={statusOf}
          describedBy={`${ID}-invite-help`}
        />
        {error('invite') ?? (
          <div id={`${ID}-invite-help`} className="jp-StudySession-help">
            Suggestions are people you have studied with. They get a
            notification with a Join button.
          </div>
        )}
      </fieldset>
      <fieldset className="jp-StudySession-fieldset">
        <legend>Settings</legend>
        <div className="jp-StudySession-row">
          <div>
            <label htmlFor={`${ID}-maxParticipants`}>Places</label>
            <input
              id={`${ID}-maxParticipants`}
              className="jp-mod-styled jp-StudySession-input"
              type="number"
              min={2}
              max={500}
              value={form.maxParticipants}
              placeholder={form.type === 'group' ? '10' : '2'}
              onChange={e => set('maxParticipants', e.target.value)}
              {...aria('maxParticipants')}
            />
            {error('maxParticipants')}
          </div>
          <div>
            <label htmlFor={`${ID}-layout`}>Room layout</label>
            <select
              id={`${ID}-layout`}
              className="jp-mod-styled"
              value={form.layout}
              onChange={e =>
                set('layout', e.target.value as ICreateSessionForm['layout'])
              }
            >
              <option value="default">Standard</option>
              <option value="focus">Focus</option>
              <option value="grid">Grid</option>
            </select>
          </div>
        </div>
        <label className="jp-StudySession-check">
          <input
            type="checkbox"
            checked={form.isPublic}
            onChange={e => set('isPublic', e.target.checked)}
          />
          Public: anyone in the course can find and join it
        </label>
        <label className="jp-StudySession-check">
          <input
            type="checkbox"
            checked={form.timerControl === 'everyone'}
            onChange={e =>
              set('timerControl', e.target.checked ? 'everyone' : 'hosts')
            }
          />
          Everyone who joined may control the timer
        </label>
        <div role="group" aria-labelledby={`${ID}-tools`}>
          <div id={`${ID}-tools`} className="jp-StudySession-groupLabel">
            Tools in the room
          </div>
          <div className="jp-StudySession-tools">
            {TOOLS.map(tool => (
              <label key={tool} className="jp-StudySession-check">
                <input
                  type="checkbox"
                  checked={form.tools.includes(tool)}
                  onChange={e =>
                    set(
                      'tools',
                      e.target.checked
                        ? TOOLS.filter(
                            t => t === tool || form.tools.includes(t)
                          )
                        : form.tools.filter(t => t !== tool)
                    )
                  }
                />
                {TOOL_LABELS[tool]}
              </label>
            ))}
          </div>
        </div>
      </fieldset>
    </div>
  );
}
