import type { FraudCheckResult, OperatingHours, Weekday } from '@samtal/types';
import { DateTime } from 'luxon';
import { checkResult, indicator } from './indicators';

/**
 * `timing`: when the purchase, its verification and our call happened, against each other and the
 * store's opening hours (`business_context_profiles.operating_hours`, in the store's time zone).
 *
 * | code | rule | weight |
 * |---|---|---|
 * | business_hours_violation | purchase outside that day's open–close (+15 min after closing for the queue) | 0.60 |
 * | store_closed_that_day | the profile marks the purchase's weekday closed (null) | 0.60 |
 * | purchase_after_verification | purchase time more than 5 min after it was verified | 0.50 |
 * | call_before_verification | the call connected more than 1 min before the verification | 0.50 |
 * | late_verification | verified more than 24 h after the purchase | 0.25 |
 * | call_long_after_verification | connected more than 49 h after verification (the window is 48 h) | 0.30 |
 *
 * A weekday missing from the profile is not judged (the check is then only "covered" by the gaps).
 */

export const CLOSING_GRACE_MIN = 15;
const MIN = 60_000;
const HOUR = 60 * MIN;
const WEEKDAYS: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const SV_DAY: Record<Weekday, string> = {
  monday: 'måndag', tuesday: 'tisdag', wednesday: 'onsdag', thursday: 'torsdag', friday: 'fredag', saturday: 'lördag', sunday: 'söndag',
};

export type TimingInput = {
  transactionTime: Date | null;
  verifiedAt: Date | null;
  callConnectedAt: Date | null;
  operatingHours: OperatingHours | null;
  timezone: string;
};

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

type Span = { open: number; close: number };
const spanOf = (hours: OperatingHours, day: Weekday): Span | null | undefined => {
  const entry = hours[day];
  return entry === undefined || entry === null ? entry : { open: minutesOf(entry.open), close: minutesOf(entry.close) };
};

/**
 * Open at minute `m` of `day`? A span closing at or before it opens runs past midnight, so the
 * previous day's late span counts too ("22:00–02:00" covers 01:00 the next day).
 */
function isOpenAt(hours: OperatingHours, day: Weekday, m: number): boolean | null {
  const today = spanOf(hours, day);
  const yesterday = spanOf(hours, WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!);
  if (yesterday && yesterday.close <= yesterday.open && m < yesterday.close + CLOSING_GRACE_MIN) return true;
  if (today === undefined) return null;
  if (today === null) return false;
  if (today.close <= today.open) return m >= today.open;
  return m >= today.open && m < today.close + CLOSING_GRACE_MIN;
}

export function checkTiming(input: TimingInput): FraudCheckResult {
  const found = [];
  let covered = false;
  const { transactionTime: tx, verifiedAt, callConnectedAt: call } = input;

  const local = tx ? DateTime.fromJSDate(tx, { zone: input.timezone }) : null;
  if (tx && local?.isValid && input.operatingHours) {
    const day = WEEKDAYS[local.weekday - 1]!;
    const open = isOpenAt(input.operatingHours, day, local.hour * 60 + local.minute);
    const entry = input.operatingHours[day];
    const evidence = {
      transaction_time_local: local.toFormat('yyyy-LL-dd HH:mm'),
      weekday: day,
      opening_hours: entry ? `${entry.open}–${entry.close}` : 'stängt',
      timezone: input.timezone,
    };
    if (open !== null) covered = true;
    if (open === false && entry === null) {
      found.push(indicator('store_closed_that_day', 0.6, `köpet gjordes en ${SV_DAY[day]} då butiken har stängt`, evidence));
    } else if (open === false) {
      found.push(
        indicator('business_hours_violation', 0.6, `köpet kl. ${local.toFormat('HH:mm')} en ${SV_DAY[day]} ligger utanför öppettiderna ${evidence.opening_hours}`, evidence),
      );
    }
  }
  if (tx && verifiedAt) {
    covered = true;
    const gap = verifiedAt.getTime() - tx.getTime();
    const evidence = { transaction_time: tx.toISOString(), verified_at: verifiedAt.toISOString(), gap_minutes: Math.round(gap / MIN) };
    if (gap < -5 * MIN) found.push(indicator('purchase_after_verification', 0.5, 'köpet ska ha skett efter att det verifierades', evidence));
    else if (gap > 24 * HOUR) found.push(indicator('late_verification', 0.25, `köpet verifierades ${Math.round(gap / HOUR)} timmar efteråt`, evidence));
  }
  if (verifiedAt && call) {
    const gap = call.getTime() - verifiedAt.getTime();
    const evidence = { verified_at: verifiedAt.toISOString(), call_connected_at: call.toISOString(), gap_minutes: Math.round(gap / MIN) };
    if (gap < -MIN) found.push(indicator('call_before_verification', 0.5, 'samtalet kopplades upp före verifieringen', evidence));
    else if (gap > 49 * HOUR) found.push(indicator('call_long_after_verification', 0.3, `samtalet kom ${Math.round(gap / HOUR)} timmar efter verifieringen`, evidence));
  }
  return checkResult('timing', found, {
    covered,
    clean: covered ? 'Köpet låg inom öppettiderna och tiderna för köp, verifiering och samtal hänger ihop.' : 'Öppettider eller tider saknas; inget att bedöma.',
  });
}
