/**
 * The create-session form as data: its fields, their checks and the request
 * they make (pure logic, unit-tested). The dialog is `createSessionDialog.tsx`.
 */
import type { SessionType } from '../common/api';
import type { ICreateSession, ISessionSettings } from './sessionsApi';

export type Tool =
  'chat' | 'timer' | 'notes' | 'whiteboard' | 'video' | 'screen_share';

export const TOOL_LABELS: Readonly<Record<Tool, string>> = {
  chat: 'Chat',
  timer: 'Shared timer',
  notes: 'Shared notes',
  whiteboard: 'Whiteboard',
  video: 'Video',
  screen_share: 'Screen sharing'
};

export const TOOLS: readonly Tool[] = [
  'chat',
  'timer',
  'notes',
  'whiteboard',
  'video',
  'screen_share'
];

/** The form's fields, as the inputs hold them. */
export interface ICreateSessionForm {
  title: string;
  description: string;
  type: SessionType;
  subject: string;
  /** Comma-separated. */
  tags: string;
  /** `<input type="datetime-local">` value (local time), empty: not scheduled. */
  scheduledAt: string;
  /** Empty: the server's default for the type. */
  maxParticipants: string;
  isPublic: boolean;
  tools: Tool[];
  layout: NonNullable<ISessionSettings['layout']>;
  timerControl: NonNullable<ISessionSettings['timer_control']>;
  /** Usernames to invite. */
  invite: string[];
}

export function emptyForm(): ICreateSessionForm {
  return {
    title: '',
    description: '',
    type: 'group',
    subject: '',
    tags: '',
    scheduledAt: '',
    maxParticipants: '',
    isPublic: false,
    tools: ['chat', 'timer', 'notes'],
    layout: 'default',
    timerControl: 'hosts',
    invite: []
  };
}

export type FormField = keyof ICreateSessionForm;

/** A message per field that is not right, for people. */
export type FormErrors = Partial<Record<FormField, string>>;

/** Split "a, b,,c" into tags, without repeats. */
export function parseTags(value: string): string[] {
  const tags = value
    .split(',')
    .map(tag => tag.trim())
    .filter(tag => tag !== '');
  return [...new Set(tags)];
}

/**
 * Check the form and build `POST sessions`' body: `request` when it is
 * right, else `errors` (a message per field).
 *
 * @param now - the current time, for "the time is in the past"
 */
export function buildCreateRequest(
  form: ICreateSessionForm,
  now: Date = new Date()
):
  | { request: ICreateSession; errors: null }
  | { request: null; errors: FormErrors } {
  const errors: FormErrors = {};
  const title = form.title.trim();
  if (title === '') {
    errors.title = 'Give the session a title.';
  } else if (title.length > 100) {
    errors.title = `The title is ${title.length} characters long; at most 100 fit.`;
  }
  if (form.description.length > 2000) {
    errors.description = 'The description is longer than 2000 characters.';
  }
  const subject = form.subject.trim();
  if (subject.length > 100) {
    errors.subject = 'The subject is longer than 100 characters.';
  }
  const tags = parseTags(form.tags);
  if (tags.length > 10) {
    errors.tags = `${tags.length} tags; at most 10 fit.`;
  } else if (tags.some(tag => tag.length > 32)) {
    errors.tags = 'Each tag has at most 32 characters.';
  }
  let scheduledAt: string | null = null;
  if (form.scheduledAt !== '') {
    const when = new Date(form.scheduledAt);
    if (Number.isNaN(when.getTime())) {
      errors.scheduledAt = 'This is not a date and time.';
    } else if (when.getTime() < now.getTime() - 60_000) {
      errors.scheduledAt = 'This time is in the past.';
    } else {
      scheduledAt = when.toISOString();
    }
  }
  let maxParticipants: number | undefined;
  if (form.maxParticipants.trim() !== '') {
    const value = Number(form.maxParticipants);
    if (!Number.isInteger(value) || value < 2 || value > 500) {
      errors.maxParticipants = 'Give a whole number from 2 to 500.';
    } else {
      maxParticipants = value;
    }
  }
  if (form.invite.length > 100) {
    errors.invite = 'Invite at most 100 people at once.';
  }
  if (Object.keys(errors).length > 0) {
    return { request: null, errors };
  }
  const request: ICreateSession = {
    title,
    description: form.description,
    type: form.type,
    subject: subject === '' ? null : subject,
    tags,
    is_public: form.isPublic,
    scheduled_at: scheduledAt,
    settings: {
      tools: [...form.tools],
      layout: form.layout,
      timer_control: form.timerControl
    },
    invite: [...form.invite]
  };
  if (maxParticipants !== undefined) {
    request.max_participants = maxParticipants;
  }
  return { request, errors: null };
}
