/**
 * The REST client of office hours and their help queue
 * (`studysession/api/officehours/...`, see the README's REST API table).
 */
import { IUserSummary, requestAPI, requestText, sendJSON } from '../common/api';

export type EntryStatus =
  'waiting' | 'stepped_out' | 'admitted' | 'in_progress' | 'finished';

export type EntryOutcome = 'helped' | 'no_show' | 'left' | 'removed';

/** Every week on `weekday` (0 Monday … 6 Sunday), wall-clock `HH:MM` in `timezone`. */
export interface IWeeklySlot {
  weekday: number;
  start: string;
  end: string;
  timezone: string;
}

/** One slot at fixed instants (ISO 8601 with a time zone). */
export interface IOneOffSlot {
  start: string;
  end: string;
}

export interface IStaffDuty {
  user: IUserSummary;
  since: string;
}

/** Office hours as `GET officehours/<id>` describes them. */
export interface IOfficeHours {
  id: string;
  title: string;
  description: string;
  weekly_slots: IWeeklySlot[];
  one_off_slots: IOneOffSlot[];
  is_open: boolean;
  /** `true`/`false` while staff's open/close by hand overrides the schedule. */
  opened_by_hand: boolean | null;
  override_until: string | null;
  /** The next schedule boundary (a slot starting or ending). */
  next_change_at: string | null;
  staff_on_duty: IStaffDuty[];
  queue_length: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The wait as a range of minutes. */
export interface IEstimate {
  low_minutes: number;
  high_minutes: number;
  staff_on_duty: number;
  samples: number;
}

/** A queue entry as staff see it (and a student sees their own). */
export interface IQueueEntry {
  id: string;
  officehours_id: string;
  user: IUserSummary;
  question: string;
  topic: string | null;
  status: EntryStatus;
  /** 1 is next; `null` once admitted or finished. */
  position: number | null;
  waiting_minutes: number;
  joined_at: string;
  stepped_out_at: string | null;
  admitted_at: string | null;
  admitted_by: string | null;
  session_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  outcome: EntryOutcome | null;
  estimate: IEstimate | null;
}

/** `GET officehours/<id>/queue`: staff get `entries`, a student `my_entry`. */
export interface IQueue {
  officehours_id: string;
  is_open: boolean;
  length: number;
  staff_on_duty: number;
  entries: IQueueEntry[];
  my_entry: IQueueEntry | null;
}

export interface IAnnouncement {
  officehours_id: string;
  text: string;
  author: string;
  created_at: string;
  recipients: number;
}

export interface IAdmitResult {
  session_id: string;
  entries: IQueueEntry[];
}

/** Whom to admit: nothing is the next waiting student. */
export interface IAdmitRequest {
  entry_ids?: string[];
  topic?: string;
  max_students?: number;
}

function path(officehoursId: string, rest = ''): string {
  return `officehours/${encodeURIComponent(officehoursId)}${rest}`;
}

/** Every office hours of the course. */
export async function listOfficeHours(): Promise<IOfficeHours[]> {
  return (await requestAPI<{ items: IOfficeHours[] }>('officehours')).items;
}

export function getOfficeHours(officehoursId: string): Promise<IOfficeHours> {
  return requestAPI<IOfficeHours>(path(officehoursId));
}

export function getQueue(officehoursId: string): Promise<IQueue> {
  return requestAPI<IQueue>(path(officehoursId, '/queue'));
}

/** Join the queue (students); resolves with the entry, its position and estimate. */
export function joinQueue(
  officehoursId: string,
  question: string,
  topic: string | null
): Promise<IQueueEntry> {
  return sendJSON<IQueueEntry>(path(officehoursId, '/queue'), {
    question,
    ...(topic ? { topic } : {})
  });
}

export function leaveQueue(officehoursId: string): Promise<IQueueEntry> {
  return requestAPI<IQueueEntry>(path(officehoursId, '/queue/me'), {
    method: 'DELETE'
  });
}

export function stepOut(officehoursId: string): Promise<IQueueEntry> {
  return sendJSON<IQueueEntry>(path(officehoursId, '/queue/me/step-out'));
}

export function returnToQueue(officehoursId: string): Promise<IQueueEntry> {
  return sendJSON<IQueueEntry>(path(officehoursId, '/queue/me/return'));
}

/** Staff: admit the next student, chosen entries, or a topic's entries. */
export function admit(
  officehoursId: string,
  request: IAdmitRequest = {}
): Promise<IAdmitResult> {
  return sendJSON<IAdmitResult>(path(officehoursId, '/admit'), request);
}

export function finishEntry(
  officehoursId: string,
  entryId: string,
  outcome: EntryOutcome
): Promise<IQueueEntry> {
  return sendJSON<IQueueEntry>(
    path(officehoursId, `/queue/${encodeURIComponent(entryId)}/finish`),
    { outcome }
  );
}

/** Staff: open or close the queue by hand until the next schedule boundary. */
export function setOpen(
  officehoursId: string,
  open: boolean
): Promise<IOfficeHours> {
  return sendJSON<IOfficeHours>(path(officehoursId, open ? '/open' : '/close'));
}

export function setDuty(
  officehoursId: string,
  onDuty: boolean
): Promise<IOfficeHours> {
  return sendJSON<IOfficeHours>(
    path(officehoursId, '/duty'),
    { on_duty: onDuty },
    'PUT'
  );
}

export function announce(
  officehoursId: string,
  text: string
): Promise<IAnnouncement> {
  return sendJSON<IAnnouncement>(path(officehoursId, '/announcements'), {
    text
  });
}

/** Staff: the queue's history as CSV text. */
export async function exportHistory(officehoursId: string): Promise<string> {
  return (await requestText(path(officehoursId, '/history.csv'))).body;
}
