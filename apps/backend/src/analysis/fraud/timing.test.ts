import type { OperatingHours } from '@samtal/types';
import { checkTiming, type TimingInput } from './timing';

const WEEK: OperatingHours = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, { open: '08:00', close: '20:00' }]),
);
const HOURS: OperatingHours = { ...WEEK, sunday: null };
// 2026-11-23 is a Monday; Stockholm is UTC+1 in November.
const at = (local: string) => new Date(`${local}+01:00`);
const input = (over: Partial<TimingInput>): TimingInput => ({
  transactionTime: at('2026-11-23T12:00:00'),
  verifiedAt: at('2026-11-23T12:05:00'),
  callConnectedAt: at('2026-11-23T12:20:00'),
  operatingHours: HOURS,
  timezone: 'Europe/Stockholm',
  ...over,
});
const codes = (i: TimingInput) => checkTiming(i).fraud_indicators.map((x) => x.code);

describe('timing check', () => {
  it('a purchase inside the opening hours, verified and called soon after, is clean and confident', () => {
    const r = checkTiming(input({}));
    expect(r).toMatchObject({ check_type: 'timing', is_suspicious: false, risk_score: 0, confidence_level: 1, fraud_indicators: [] });
  });

  it('a 02:00 purchase at a store open 08–20 is a business_hours_violation with the local time as evidence', () => {
    const r = checkTiming(input({ transactionTime: at('2026-11-23T02:00:00'), verifiedAt: at('2026-11-23T02:03:00'), callConnectedAt: at('2026-11-23T09:30:00') }));
    expect(r.is_suspicious).toBe(true);
    expect(r.fraud_indicators[0]).toMatchObject({
      code: 'business_hours_violation',
      weight: 0.6,
      evidence: { transaction_time_local: '2026-11-23 02:00', weekday: 'monday', opening_hours: '08:00–20:00', timezone: 'Europe/Stockholm' },
    });
    expect(r.decision_reasoning).toMatch(/02:00/);
  });

  it('uses the store’s time zone, not UTC: 19:30 local is open although it is 18:30 UTC', () => {
    expect(codes(input({ transactionTime: new Date('2026-11-23T18:30:00Z'), verifiedAt: new Date('2026-11-23T18:35:00Z'), callConnectedAt: new Date('2026-11-23T18:40:00Z') }))).toEqual([]);
    expect(codes(input({ transactionTime: new Date('2026-11-23T19:30:00Z'), verifiedAt: new Date('2026-11-23T19:35:00Z'), callConnectedAt: new Date('2026-11-23T19:40:00Z') }))).toEqual(['business_hours_violation']);
  });

  it('allows 15 minutes after closing for the queue, none before opening', () => {
    expect(codes(input({ transactionTime: at('2026-11-23T20:14:00'), verifiedAt: at('2026-11-23T20:16:00'), callConnectedAt: at('2026-11-23T20:30:00') }))).toEqual([]);
    expect(codes(input({ transactionTime: at('2026-11-23T20:16:00'), verifiedAt: at('2026-11-23T20:17:00'), callConnectedAt: at('2026-11-23T20:30:00') }))).toEqual(['business_hours_violation']);
    expect(codes(input({ transactionTime: at('2026-11-23T07:59:00'), verifiedAt: at('2026-11-23T08:01:00') }))).toEqual(['business_hours_violation']);
  });

  it('a purchase on a day marked closed (null) is flagged; a day missing from the profile is not judged', () => {
    const sunday = { transactionTime: at('2026-11-22T12:00:00'), verifiedAt: at('2026-11-22T12:05:00'), callConnectedAt: at('2026-11-22T12:30:00') };
    expect(codes(input(sunday))).toEqual(['store_closed_that_day']);
    const r = checkTiming(input({ ...sunday, operatingHours: WEEK }));
    expect(r.fraud_indicators).toEqual([]);
    expect(checkTiming(input({ ...sunday, operatingHours: null, verifiedAt: null, callConnectedAt: null }))).toMatchObject({ confidence_level: 0.5 });
  });

  it('hours past midnight cover the small hours of the next day', () => {
    const late: OperatingHours = { friday: { open: '18:00', close: '02:00' }, saturday: { open: '18:00', close: '02:00' } };
    // 2026-11-28 01:30 is Saturday night, inside Friday's 18:00–02:00.
    expect(codes(input({ operatingHours: late, transactionTime: at('2026-11-28T01:30:00'), verifiedAt: at('2026-11-28T01:35:00'), callConnectedAt: at('2026-11-28T09:00:00') }))).toEqual([]);
    expect(codes(input({ operatingHours: late, transactionTime: at('2026-11-28T03:00:00'), verifiedAt: at('2026-11-28T03:05:00'), callConnectedAt: at('2026-11-28T09:00:00') }))).toEqual(['business_hours_violation']);
  });

  it('odd gaps: purchase after its verification, a call before it, a late verification, a call past the window', () => {
    expect(codes(input({ verifiedAt: at('2026-11-23T11:00:00') }))).toContain('purchase_after_verification');
    expect(codes(input({ callConnectedAt: at('2026-11-23T12:00:00') }))).toEqual(['call_before_verification']);
    expect(codes(input({ verifiedAt: at('2026-11-25T12:00:00'), callConnectedAt: at('2026-11-25T12:30:00') }))).toEqual(['late_verification']);
    expect(codes(input({ callConnectedAt: at('2026-11-26T12:00:00') }))).toEqual(['call_long_after_verification']);
  });
});
