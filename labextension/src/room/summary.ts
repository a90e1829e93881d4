/**
 * A session summary as people read it (pure, unit-tested).
 */
import type { IParticipant, ISessionSummary } from '../common/realtimeProtocol';

/** "45 min", "1 h 5 min", "0 min". */
export function formatMinutes(minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  if (whole < 60) {
    return `${whole} min`;
  }
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export interface ISummaryFact {
  key: string;
  label: string;
  value: string;
}

export interface IAttendanceRow {
  username: string;
  name: string;
  minutes: number;
}

/**
 * The facts of a summary in reading order, and the attendance, longest
 * first, with display names from the participants where known.
 */
export function summaryFacts(
  summary: ISessionSummary,
  participants: readonly IParticipant[]
): { facts: ISummaryFact[]; attendance: IAttendanceRow[] } {
  const names = new Map(
    participants.map(p => [p.user.username, p.user.display_name])
  );
  const facts: ISummaryFact[] = [
    {
      key: 'duration',
      label: 'Duration',
      value: formatMinutes(summary.duration_minutes)
    },
    {
      key: 'focus',
      label: 'Focus time',
      value:
        formatMinutes(summary.focus_minutes) +
        (summary.break_minutes > 0
          ? ` (+ ${formatMinutes(summary.break_minutes)} breaks)`
          : '')
    },
    {
      key: 'goals',
      label: 'Goals done',
      value: `${summary.goals_done} of ${summary.goals_total}`
    },
    {
      key: 'messages',
      label: 'Messages',
      value: String(summary.message_count)
    },
    {
      key: 'participants',
      label: 'Participants',
      value: String(summary.participant_count)
    }
  ];
  const attendance = Object.entries(summary.attendance ?? {})
    .map(([username, minutes]) => ({
      username,
      name: names.get(username) ?? username,
      minutes
    }))
    .sort((a, b) => b.minutes - a.minutes || a.name.localeCompare(b.name));
  return { facts, attendance };
}
