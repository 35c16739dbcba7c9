import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { CallWindow } from '../config';
import { isInsideWindow, isNoCallDay, nextAllowedMoment, swedishHolidays } from './call-window';

const TZ = 'Europe/Stockholm';
const WINDOW: CallWindow = { always: false, startMinute: 9 * 60, endMinute: 20 * 60 };
const ALWAYS: CallWindow = { always: true };
type TimedWindow = Extract<CallWindow, { always: false }>;
const HOUR = 3_600_000;
const d = (iso: string) => new Date(iso);
/** Schedule with the default 09:00–20:00 Stockholm window and a deadline `hours` after `from`. */
const next = (from: Date, hours = 48, window: CallWindow = WINDOW) =>
  nextAllowedMoment(from, { window, timeZone: TZ, deadline: new Date(from.getTime() + hours * HOUR) });

describe('swedishHolidays', () => {
  it('lists every holiday and no-call eve of 2026', () => {
    expect(swedishHolidays(2026).map((h) => [h.date, h.name, h.official])).toEqual([
      ['2026-01-01', 'Nyårsdagen', true],
      ['2026-01-06', 'Trettondedag jul', true],
      ['2026-04-03', 'Långfredagen', true],
      ['2026-04-04', 'Påskafton', false],
      ['2026-04-05', 'Påskdagen', true],
      ['2026-04-06', 'Annandag påsk', true],
      ['2026-05-01', 'Första maj', true],
      ['2026-05-14', 'Kristi himmelsfärdsdag', true],
      ['2026-05-24', 'Pingstdagen', true],
      ['2026-06-06', 'Sveriges nationaldag', true],
      ['2026-06-19', 'Midsommarafton', false],
      ['2026-06-20', 'Midsommardagen', true],
      ['2026-10-31', 'Alla helgons dag', true],
      ['2026-12-24', 'Julafton', false],
      ['2026-12-25', 'Juldagen', true],
      ['2026-12-26', 'Annandag jul', true],
      ['2026-12-31', 'Nyårsafton', false],
    ]);
  });

  it('moves the movable feasts correctly in 2027 (Easter 28 March, All Saints in November)', () => {
    const byName = Object.fromEntries(swedishHolidays(2027).map((h) => [h.name, h.date]));
    expect(byName).toMatchObject({
      Långfredagen: '2027-03-26',
      Påskafton: '2027-03-27',
      Påskdagen: '2027-03-28',
      'Annandag påsk': '2027-03-29',
      'Kristi himmelsfärdsdag': '2027-05-06',
      Pingstdagen: '2027-05-16',
      Midsommarafton: '2027-06-25',
      Midsommardagen: '2027-06-26',
      'Alla helgons dag': '2027-11-06',
    });
    expect(swedishHolidays(2027)).toHaveLength(17);
  });

  it('computes Easter Sunday for a spread of known years', () => {
    const easter = (y: number) => swedishHolidays(y).find((h) => h.name === 'Påskdagen')?.date;
    expect([2019, 2024, 2025, 2038, 2285].map(easter)).toEqual([
      '2019-04-21',
      '2024-03-31',
      '2025-04-20',
      '2038-04-25',
      '2285-03-22',
    ]);
  });

  it('returns a fresh array each time, so callers cannot corrupt the cache', () => {
    swedishHolidays(2026).pop();
    expect(swedishHolidays(2026)).toHaveLength(17);
  });
});

describe('isNoCallDay', () => {
  it('covers official holidays and eves, not ordinary days or weekends', () => {
    expect(['2026-01-06', '2026-04-04', '2026-06-19', '2026-12-24', '2026-12-31'].map(isNoCallDay)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    const ordinary = ['2026-01-07', '2026-06-21', '2026-12-27', '2026-11-01'];
    expect(ordinary.map(isNoCallDay)).toEqual([false, false, false, false]);
  });

  it('rejects malformed dates', () => {
    expect(() => isNoCallDay('2026-1-1')).toThrow(RangeError);
  });
});

describe('isInsideWindow', () => {
  it('checks local wall-clock time (end exclusive) and no-call days', () => {
    expect(isInsideWindow(d('2026-05-05T07:00:00Z'), WINDOW, TZ)).toBe(true); // 09:00 CEST
    expect(isInsideWindow(d('2026-05-05T17:59:59Z'), WINDOW, TZ)).toBe(true); // 19:59:59
    expect(isInsideWindow(d('2026-05-05T18:00:00Z'), WINDOW, TZ)).toBe(false); // 20:00
    expect(isInsideWindow(d('2026-05-05T06:59:59Z'), WINDOW, TZ)).toBe(false); // 08:59:59
    expect(isInsideWindow(d('2026-12-24T10:00:00Z'), WINDOW, TZ)).toBe(false); // Julafton 11:00
    expect(isInsideWindow(d('2026-12-24T03:00:00Z'), ALWAYS, TZ)).toBe(true);
  });
});

describe('nextAllowedMoment', () => {
  it('moves a 21:30 request to 09:00 the next day', () => {
    expect(next(d('2026-05-05T19:30:00Z'))).toEqual(d('2026-05-06T07:00:00Z'));
  });

  it('moves a 07:00 request to 09:00 the same day', () => {
    expect(next(d('2026-05-05T05:00:00Z'))).toEqual(d('2026-05-05T07:00:00Z'));
  });

  it('leaves a request inside the window unchanged, and treats 20:00 as closed', () => {
    expect(next(d('2026-05-05T10:17:42.123Z'))).toEqual(d('2026-05-05T10:17:42.123Z'));
    expect(next(d('2026-05-05T18:00:00Z'))).toEqual(d('2026-05-06T07:00:00Z'));
  });

  it('skips Julafton, Juldagen and Annandag jul: Julafton evening → 27 Dec 09:00', () => {
    expect(next(d('2026-12-24T17:00:00Z'), 96)).toEqual(d('2026-12-27T08:00:00Z'));
  });

  it('moves a Good Friday request past Easter Monday', () => {
    expect(next(d('2026-04-03T10:00:00Z'), 120)).toEqual(d('2026-04-07T07:00:00Z'));
    expect(next(d('2027-03-26T10:00:00Z'), 120)).toEqual(d('2027-03-30T07:00:00Z'));
  });

  it('returns null when the next window opens after the deadline', () => {
    expect(next(d('2026-04-03T10:00:00Z'))).toBeNull(); // Good Friday + 48 h is still Easter Sunday
    // Verified Tue 20:30, deadline Thu 20:30; asked Thu 20:15 → Fri 09:00 is too late.
    const deadline = d('2026-03-12T19:30:00Z');
    const opts = { window: WINDOW, timeZone: TZ, deadline };
    expect(nextAllowedMoment(d('2026-03-12T19:15:00Z'), opts)).toBeNull();
    expect(nextAllowedMoment(d('2026-03-12T16:00:00Z'), opts)).toEqual(d('2026-03-12T16:00:00Z'));
    expect(nextAllowedMoment(d('2026-03-13T08:00:00Z'), opts)).toBeNull(); // already past the deadline
  });

  it('allows the deadline instant itself', () => {
    const at = d('2026-03-12T08:00:00Z'); // 09:00 CET
    expect(nextAllowedMoment(d('2026-03-11T20:00:00Z'), { window: WINDOW, timeZone: TZ, deadline: at })).toEqual(at);
  });

  it('with `always`, ignores window and holidays but still honours the deadline', () => {
    const xmasNight = d('2026-12-24T23:30:00Z');
    expect(next(xmasNight, 1, ALWAYS)).toEqual(xmasNight);
    expect(
      nextAllowedMoment(xmasNight, { window: ALWAYS, timeZone: TZ, deadline: d('2026-12-24T23:00:00Z') }),
    ).toBeNull();
  });

  it('gives 09:00 wall-clock time across the spring-forward switch (2026-03-29, CET → CEST)', () => {
    expect(next(d('2026-03-28T20:00:00Z'))).toEqual(d('2026-03-29T07:00:00Z')); // Sat 21:00 CET → Sun 09:00 CEST
    expect(next(d('2026-03-29T00:30:00Z'))).toEqual(d('2026-03-29T07:00:00Z')); // 01:30 CET, before the switch
  });

  it('gives 09:00 wall-clock time across the fall-back switch (2026-10-25, CEST → CET)', () => {
    expect(next(d('2026-10-24T20:00:00Z'))).toEqual(d('2026-10-25T08:00:00Z')); // Sat 22:00 CEST → Sun 09:00 CET
    expect(next(d('2026-10-25T00:30:00Z'))).toEqual(d('2026-10-25T08:00:00Z')); // 02:30 CEST, before the switch
  });

  it('handles a window starting inside the DST gap (02:30 does not exist on 2026-03-29)', () => {
    const gap: CallWindow = { always: false, startMinute: 2 * 60 + 30, endMinute: 5 * 60 };
    // luxon moves the non-existent 02:30 forward to 03:30 CEST = 01:30Z.
    expect(next(d('2026-03-28T22:00:00Z'), 48, gap)).toEqual(d('2026-03-29T01:30:00Z'));
  });

  it('rejects an unknown time zone', () => {
    const opts = { window: WINDOW, timeZone: 'Mars/Olympus', deadline: d('2026-05-06T10:00:00Z') };
    expect(() => nextAllowedMoment(d('2026-05-05T10:00:00Z'), opts)).toThrow(RangeError);
  });

  it('property: null, or the earliest allowed instant ≥ from and ≤ deadline', () => {
    const windowArb = fc
      .tuple(fc.integer({ min: 0, max: 1438 }), fc.integer({ min: 1, max: 1439 }))
      .filter(([a, b]) => a < b)
      .map(([startMinute, endMinute]): TimedWindow => ({ always: false, startMinute, endMinute }));
    fc.assert(
      fc.property(
        fc.date({ min: d('2025-01-01T00:00:00Z'), max: d('2028-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 7 * 24 * 60 }),
        windowArb,
        fc.constantFrom(TZ, 'UTC', 'America/New_York'),
        (from, deadlineMinutes, window, timeZone) => {
          const deadline = new Date(from.getTime() + deadlineMinutes * 60_000);
          const result = nextAllowedMoment(from, { window, timeZone, deadline });
          if (result === null) return;
          expect(result.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(result.getTime()).toBeLessThanOrEqual(deadline.getTime());
          expect(isInsideWindow(result, window, timeZone)).toBe(true);
          if (result.getTime() === from.getTime()) return;
          // Otherwise `from` was not callable, the result is a window opening, and every local day
          // strictly between the two was a no-call day (nothing earlier was skipped).
          expect(isInsideWindow(from, window, timeZone)).toBe(false);
          // (A day whose whole window falls into a DST gap is also skipped, hence the second check.)
          const r = DateTime.fromJSDate(result, { zone: timeZone });
          const dstDay = r.startOf('day').offset !== r.offset;
          if (!dstDay) expect(r.hour * 60 + r.minute).toBe(window.startMinute);
          expect(r.second * 1000 + r.millisecond).toBe(0);
          let day = DateTime.fromJSDate(from, { zone: timeZone }).startOf('day').plus({ days: 1 });
          for (; day < r.startOf('day'); day = day.plus({ days: 1 })) {
            const opens = day.set({ hour: Math.floor(window.startMinute / 60), minute: window.startMinute % 60 });
            expect(isNoCallDay(day.toISODate()!) || !isInsideWindow(opens.toJSDate(), window, timeZone)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
