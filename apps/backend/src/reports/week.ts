import { DateTime } from 'luxon';

/** Report weeks are ISO weeks (Monday–Sunday) in the stores' time zone (TZ_CALLS). */

export type Week = { monday: string; start: Date; end: Date; isoWeek: string };

export function weekOf(mondayOrAnyDay: string, timeZone: string): Week {
  const day = DateTime.fromISO(mondayOrAnyDay, { zone: timeZone });
  if (!day.isValid) throw new RangeError(`not a date: ${mondayOrAnyDay}`);
  const start = day.startOf('week');
  return {
    monday: start.toISODate()!,
    start: start.toJSDate(),
    end: start.plus({ weeks: 1 }).toJSDate(),
    isoWeek: `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`,
  };
}

/** The latest complete week before `now` (what Monday 06:00 reports on). */
export function lastCompleteWeek(now: Date, timeZone: string): Week {
  const lastWeek = DateTime.fromJSDate(now, { zone: timeZone }).minus({ weeks: 1 });
  return weekOf(lastWeek.toISODate()!, timeZone);
}

export function weeksBefore(week: Week, n: number, timeZone: string): Week {
  return weekOf(DateTime.fromJSDate(week.start, { zone: timeZone }).minus({ weeks: n }).toISODate()!, timeZone);
}
