import type { z } from 'zod';
import type { Schedule } from '../domain/spec.js';

export type ScheduleWindow = z.infer<typeof Schedule>;

const STEP_MS = 5 * 60_000;
/** A schedule that never opens within this horizon is treated as closed for good. */
const HORIZON_MS = 60 * 86_400_000;

interface LocalTime {
  date: string;
  weekday: string;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function readLocalTime(now: number, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(now));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const hour = Number(get('hour')) % 24;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    weekday: get('weekday').toLowerCase().slice(0, 3),
    minutes: hour * 60 + Number(get('minute')),
  };
}

function parseHours(hours: string): { from: number; to: number } {
  const [start, end] = hours.split('-');
  const toMinutes = (text: string): number => {
    const [h, m] = text.includes(':') ? text.split(':') : [text.slice(0, 2), text.slice(2) || '0'];
    return Number(h) * 60 + Number(m || 0);
  };
  return { from: toMinutes(start), to: toMinutes(end) };
}

/**
 * Whether changes may start at `now` under a campaign's schedule (days, hours, time zone, freeze
 * dates). No schedule means always open.
 *
 * @example isInWindow({ timezone: 'Europe/Berlin', days: ['mon'], hours: '09-17', freeze: [] }, Date.now())
 */
export function isInWindow(schedule: ScheduleWindow | undefined, now: number): boolean {
  if (!schedule) return true;
  const local = readLocalTime(now, schedule.timezone);
  if (schedule.freeze.includes(local.date)) return false;
  if (!(schedule.days as string[]).includes(local.weekday)) return false;
  const { from, to } = parseHours(schedule.hours);
  return local.minutes >= from && local.minutes < to;
}

/**
 * The first moment at or after `now` when the window is open (to the next 5 minutes), or
 * undefined when it never opens. Walking in steps keeps daylight-saving changes correct without
 * date arithmetic per time zone.
 *
 * @example findNextWindowOpen(schedule, Date.UTC(2025, 0, 4, 12)) // Monday 09:00 local, as epoch ms
 */
export function findNextWindowOpen(schedule: ScheduleWindow | undefined, now: number): number | undefined {
  if (isInWindow(schedule, now)) return now;
  const first = Math.ceil(now / STEP_MS) * STEP_MS;
  for (let t = first; t <= now + HORIZON_MS; t += STEP_MS) {
    if (isInWindow(schedule, t)) return t;
  }
  return undefined;
}
