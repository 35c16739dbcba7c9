import { DateTime } from 'luxon';
import type { CallWindow } from '../config';

/**
 * When may we phone a customer? Only inside the configured daily window (local time in the
 * calls time zone), never on a Swedish public holiday or its de facto eve, and never after the
 * deadline (48 h after the purchase was verified). Calling someone at 21:30 or on Christmas Eve
 * burns goodwill and feedback quality, so every scheduler decision goes through this module.
 */

export type SwedishHoliday = { date: string; name: string; official: boolean };

const holidayCache = new Map<number, { list: readonly SwedishHoliday[]; dates: ReadonlySet<string> }>();

/** A UTC midnight Date for a calendar date; day overflow (e.g. 31 + 3 October) rolls into the next month. */
function utcDay(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, no 0–99 → 19xx surprise
  return d;
}

const isoDate = (year: number, month: number, day: number) => utcDay(year, month, day).toISOString().slice(0, 10);

/** Day of month of the first date on or after `firstDay` that falls on weekday `dow` (0 = Sunday). */
function firstWeekdayFrom(year: number, month: number, firstDay: number, dow: number): number {
  let day = firstDay;
  while (utcDay(year, month, day).getUTCDay() !== dow) day++;
  return day;
}

/**
 * Easter Sunday by the anonymous Gregorian (Meeus/Jones/Butcher) algorithm: Easter moves, and
 * Långfredagen, Annandag påsk, Kristi himmelsfärd and Pingst all hang off it. No library needed.
 */
function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/**
 * The Swedish public holidays (allmänna helgdagar, `official: true`) of `year`, plus the eves that
 * are not legally holidays but on which nobody wants a feedback call (Påskafton, Midsommarafton,
 * Julafton, Nyårsafton; `official: false`). Sorted by date; computed once per year and cached,
 * since the scheduler asks about the same few years over and over.
 */
export function swedishHolidays(year: number): Array<SwedishHoliday> {
  return [...holidaysOf(year).list];
}

/** The cached holiday list and date set of `year`, built on first use. */
function holidaysOf(year: number): { list: readonly SwedishHoliday[]; dates: ReadonlySet<string> } {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`swedishHolidays: unsupported year ${year}`);
  }
  let entry = holidayCache.get(year);
  if (!entry) {
    const easter = easterSunday(year);
    const fromEaster = (offset: number) => isoDate(year, easter.month, easter.day + offset);
    const midsummerEve = firstWeekdayFrom(year, 6, 19, 5); // Friday 19–25 June
    const allSaints = firstWeekdayFrom(year, 10, 31, 6); // Saturday 31 Oct – 6 Nov (day 32+ overflows into Nov)
    const list: SwedishHoliday[] = [
      { date: isoDate(year, 1, 1), name: 'Nyårsdagen', official: true },
      { date: isoDate(year, 1, 6), name: 'Trettondedag jul', official: true },
      { date: fromEaster(-2), name: 'Långfredagen', official: true },
      { date: fromEaster(-1), name: 'Påskafton', official: false },
      { date: fromEaster(0), name: 'Påskdagen', official: true },
      { date: fromEaster(1), name: 'Annandag påsk', official: true },
      { date: isoDate(year, 5, 1), name: 'Första maj', official: true },
      { date: fromEaster(39), name: 'Kristi himmelsfärdsdag', official: true },
      { date: fromEaster(49), name: 'Pingstdagen', official: true },
      { date: isoDate(year, 6, 6), name: 'Sveriges nationaldag', official: true },
      { date: isoDate(year, 6, midsummerEve), name: 'Midsommarafton', official: false },
      { date: isoDate(year, 6, midsummerEve + 1), name: 'Midsommardagen', official: true },
      { date: isoDate(year, 10, allSaints), name: 'Alla helgons dag', official: true },
      { date: isoDate(year, 12, 24), name: 'Julafton', official: false },
      { date: isoDate(year, 12, 25), name: 'Juldagen', official: true },
      { date: isoDate(year, 12, 26), name: 'Annandag jul', official: true },
      { date: isoDate(year, 12, 31), name: 'Nyårsafton', official: false },
    ];
    list.sort((x, y) => x.date.localeCompare(y.date));
    entry = { list: list.map((h) => Object.freeze(h)), dates: new Set(list.map((h) => h.date)) };
    holidayCache.set(year, entry);
  }
  return entry;
}

/**
 * Whether `localDate` (`YYYY-MM-DD`, already in the calls time zone) is a day we never call:
 * an official holiday or one of the eves. Both count, because the customer experience is the same.
 */
export function isNoCallDay(localDate: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) {
    throw new RangeError(`isNoCallDay: expected YYYY-MM-DD, got ${localDate}`);
  }
  return holidaysOf(Number(localDate.slice(0, 4))).dates.has(localDate);
}

/** `at` as a luxon DateTime in `timeZone`; throws on an invalid Date or zone rather than silently misscheduling. */
function toLocal(at: Date, timeZone: string): DateTime<true> {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`call-window: ${local.invalidExplanation ?? 'invalid date or time zone'}`);
  return local;
}

/** Local minutes after midnight as seen on the wall clock (what CALL_WINDOW is written in). */
const minuteOfDay = (local: DateTime) => local.hour * 60 + local.minute;

/**
 * Whether a call placed at `at` would be acceptable right now: on an allowed local day and inside
 * the window by wall-clock time (end exclusive). `always` accepts everything, holidays included,
 * because it exists for demos and tests. The deadline is not this function's concern.
 */
export function isInsideWindow(at: Date, window: CallWindow, timeZone: string): boolean {
  if (window.always) return true;
  const local = toLocal(at, timeZone);
  const minute = minuteOfDay(local);
  return minute >= window.startMinute && minute < window.endMinute && !isNoCallDay(local.toISODate());
}

/** Safety cap on the day scan; allowed days are never more than a few days apart. */
const MAX_DAYS_AHEAD = 370;

/**
 * The earliest instant ≥ `from` at which a call may be placed: inside the window (wall-clock time
 * in `timeZone`), on a day that is not a no-call day, and not after `deadline`. Returns `null` when
 * no such instant exists, so the caller can give up on the call instead of phoning late.
 * Day arithmetic is done in local time with luxon so that DST switches (last Sunday of March and
 * October in Europe/Stockholm) still give 09:00 on the wall clock, not 09:00 ± 1 h.
 */
export function nextAllowedMoment(
  from: Date,
  opts: { window: CallWindow; timeZone: string; deadline: Date },
): Date | null {
  const { window, timeZone, deadline } = opts;
  if (Number.isNaN(deadline.getTime())) throw new RangeError('nextAllowedMoment: invalid deadline');
  const fromLocal = toLocal(from, timeZone);
  if (window.always) return from.getTime() <= deadline.getTime() ? from : null;
  if (isInsideWindow(from, window, timeZone)) return from.getTime() <= deadline.getTime() ? from : null;

  const today = fromLocal.startOf('day');
  for (let offset = 0; offset <= MAX_DAYS_AHEAD; offset++) {
    const day = today.plus({ days: offset });
    if (day.toMillis() > deadline.getTime()) return null;
    if (isNoCallDay(day.toISODate())) continue;
    // In a DST gap luxon moves a non-existent wall time forward, which is the right thing here.
    const start = day.set({ hour: Math.floor(window.startMinute / 60), minute: window.startMinute % 60 });
    if (start.toMillis() < from.getTime()) continue; // today's window has already closed
    if (!isInsideWindow(start.toJSDate(), window, timeZone)) continue; // window swallowed by a DST gap
    return start.toMillis() <= deadline.getTime() ? start.toJSDate() : null;
  }
  return null;
}
