import { formatDuration } from './duration';
import type { ErrorDetail } from './errors';

/**
 * Scheduled starts: a request may ask for its window to open later (a change window tonight).
 * The start is an ISO 8601 instant in UTC, in the future, at most the target's
 * `maxScheduleAhead` away; the window is then [startsAt, startsAt + duration).
 */

/** ISO 8601 in UTC: date, time, optional fraction, and `Z` (or an explicit +00:00). */
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|\+00:00)$/;

/** The start as a Date, or the problem with it (rule and message), naming the limit it broke. */
export function parseScheduledStart(
  text: string,
  now: Date,
  maxAheadSeconds: number,
): { at: Date } | { problem: ErrorDetail } {
  const match = ISO_UTC.exec(text.trim());
  const at = match ? new Date(text.trim()) : undefined;
  if (!match || !at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}`) {
    return {
      problem: {
        field: 'startsAt',
        rule: 'iso8601-utc',
        message: `must be an ISO 8601 instant in UTC such as 2030-01-01T22:00:00Z, got ${JSON.stringify(text)}`,
      },
    };
  }
  if (at.getTime() <= now.getTime()) {
    return { problem: { field: 'startsAt', rule: 'future', message: `must be in the future (it is ${now.toISOString()} now, got ${at.toISOString()})` } };
  }
  const latest = new Date(now.getTime() + maxAheadSeconds * 1000);
  if (at.getTime() > latest.getTime()) {
    return {
      problem: {
        field: 'startsAt',
        rule: 'max-schedule-ahead',
        message: `must be at most ${formatDuration(maxAheadSeconds)} ahead (maxScheduleAhead of the target), so no later than ${latest.toISOString()}; got ${at.toISOString()}`,
      },
    };
  }
  return { at };
}

/** True while a scheduled start is still ahead of `now`. */
export const startIsAhead = (startsAt: string | undefined, now: Date): startsAt is string =>
  startsAt !== undefined && Date.parse(startsAt) > now.getTime();

/**
 * How far `to` is from `from`, the way a person reads it: "in 3 h 10 min", "in 45 min",
 * "in 2 d 4 h", "now", or "12 min ago".
 */
export function relativeTime(from: Date, to: Date): string {
  const deltaMinutes = Math.round((to.getTime() - from.getTime()) / 60_000);
  if (deltaMinutes === 0) return 'now';
  const minutes = Math.abs(deltaMinutes);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = d > 0 ? [`${d} d`, h ? `${h} h` : ''] : h > 0 ? [`${h} h`, m ? `${m} min` : ''] : [`${m} min`];
  const span = parts.filter(Boolean).join(' ');
  return deltaMinutes > 0 ? `in ${span}` : `${span} ago`;
}

/** "2030-01-01 22:00 UTC (in 3 h 10 min)": what the approval email and page show for a start. */
export function describeStart(startsAt: string, now: Date): string {
  const at = new Date(startsAt);
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC (${relativeTime(now, at)})`;
}
