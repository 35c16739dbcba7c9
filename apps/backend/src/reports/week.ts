import { DateTime } from 'luxon';

/** Report weeks are ISO weeks (Monday–Sunday) in the stores' time zone (TZ_CALLS). */

export type Week = { monday: string; start: Date; end: Date; isoWeek: string };

/**
 * Weeks already worked out, by input and zone. Luxon's zone arithmetic costs about 0.3 ms a call
 * (Intl formatting), and every report job of a Monday asks for the same four weeks: at 10,000
 * stores that was a second of CPU per worker. Bounded: cleared when it grows past this.
 */
const CACHE_MAX = 1_000;
const cache = new Map<string, Week>();
const copy = (w: Week): Week => ({ ...w, start: new Date(w.start), end: new Date(w.end) });
function memo(key: string, make: () => Week): Week {
  let w = cache.get(key);
  if (!w) {
    w = make();
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, w);
  }
  return copy(w);
}

export function weekOf(mondayOrAnyDay: string, timeZone: string): Week {
  return memo(`of ${mondayOrAnyDay} ${timeZone}`, () => {
    const day = DateTime.fromISO(mondayOrAnyDay, { zone: timeZone });
    if (!day.isValid) throw new RangeError(`not a date: ${mondayOrAnyDay}`);
    const start = day.startOf('week');
    return {
      monday: start.toISODate()!,
      start: start.toJSDate(),
      end: start.plus({ weeks: 1 }).toJSDate(),
      isoWeek: `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`,
    };
  });
}

/** The latest complete week before `now` (what Monday 06:00 reports on). */
export function lastCompleteWeek(now: Date, timeZone: string): Week {
  const lastWeek = DateTime.fromJSDate(now, { zone: timeZone }).minus({ weeks: 1 });
  return weekOf(lastWeek.toISODate()!, timeZone);
}

export function weeksBefore(week: Week, n: number, timeZone: string): Week {
  return memo(`before ${week.start.getTime()} ${n} ${timeZone}`, () =>
    weekOf(DateTime.fromJSDate(week.start, { zone: timeZone }).minus({ weeks: n }).toISODate()!, timeZone),
  );
}
