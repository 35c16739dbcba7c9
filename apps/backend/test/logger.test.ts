import { Writable } from 'node:stream';
import { createLogger } from '../src/observability/logger';
import { maskForLogs } from '../src/observability/mask';
import { findPhoneLeaks, readableLine } from './drills/support/log-guard';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', stream }), lines };
}

const FULL_WIDTH = (s: string) => s.replace(/[0-9+\-() ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

/** Every form the issue named, and the ones the logger always knew. */
const FORMS = [
  '+46701234567',
  '+46 70 123 45 67',
  '+46-8-123 456 78',
  '0046701234567',
  '%2B46701234567',
  '%2B46%2070%20123%2045%2067',
  '46701234567',
  '0701234567',
  '070-123 45 67',
  '070\u2013123 45 67',
  '070\u2014123 45 67',
  '070.123.45.67',
  '(070) 123 45 67',
  '08-123 456 78',
  '031-123 45 67',
  '040-12 34 56',
  'tel0701234567x',
  FULL_WIDTH('070-123 45 67'),
  FULL_WIDTH('+46701234567'),
  '+1 415 555 2671',
  '0044 20 7946 0958',
];

/** Log data that looks numeric and must reach the line unchanged. */
const NOT_PHONES = [
  'b0000000-0000-4000-8000-000000000001',
  '3f2a0812-3456-7890-abcd-0123456789ab',
  '07012345-6789-4000-8000-070123456789',
  '2026-11-25T04:35:04.123Z',
  '2026-11-05T08:12:05.0701234567+01:00',
  'duration_ms 0.0701234567',
  'took 1234.5678 ms',
  '127.0.0.1:6379',
  'localhost:5432',
  'amount 312.50 SEK',
  '45.5%',
  'order 1234567890',
  '1764000000000',
  'samtal:rl:business:b0000000-0000-4000-8000-000000000001',
  'c719b1eefbf65b1f89c013e6433dbf537',
  'c0701234567abcdef0123456789abcdef',
  'dial-3f2a0812-3456-7890-abcd-0123456789ab-1',
  'report-b0000000-0000-4000-8000-000000000001-2026-W46',
  '05.11.2026',
  '/api/ai/calls/38299d14-79b1-4479-bbb4-08550895930/retry', // a fuzzed, malformed UUID
];

describe('phone masking in log lines', () => {
  it('masks every form in the message, fields, keys, nested objects, arrays, errors and splat', () => {
    const { log, lines } = capture();
    const child = log.child({ callId: 'call-1', customer: '+46709876543' });
    FORMS.forEach((form, i) => {
      child.info(`calling ${form} now`, {
        to: form,
        [`${form}`]: 'as a key',
        nested: { list: [form, { deep: form, [`key ${form}`]: i }] },
        err: new Error(`46elks refused ${form}`),
        n: 46701234567,
      });
    });
    child.warn('splat %s', '070–123 45 67', { extra: 'x' });
    expect(lines).toHaveLength(FORMS.length + 1);
    expect(findPhoneLeaks(lines, ['+46701234567', '+46709876543', '+46812345678', '+46311234567'])).toEqual([]);
    for (const line of lines) {
      expect(readableLine(line)).not.toMatch(/701234567|709876543|123 ?45 ?67|123 ?456 ?78|555 ?2671|7946 ?0958/);
    }
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ message: 'calling +46*******67 now', to: '+46*******67', '+46*******67': 'as a key', callId: 'call-1', customer: '+46*******43', n: '46*******67' });
    expect(first.nested.list[0]).toBe('+46*******67');
    expect(first.nested.list[1]).toEqual({ deep: '+46*******67', 'key +46*******67': 0 });
    expect(first.err.message).toBe('46elks refused +46*******67');
    const byForm = new Map(FORMS.map((f, i) => [f, JSON.parse(lines[i]!)]));
    expect(byForm.get('070\u2013123 45 67').to).toBe('07******67');
    expect(byForm.get('(070) 123 45 67').to).toBe('07******67');
    expect(byForm.get('031-123 45 67').to).toBe('03******67');
    expect(byForm.get('%2B46%2070%20123%2045%2067').to).toBe('%2B46*******67');
    expect(byForm.get('46701234567').to).toBe('46*******67');
    expect(byForm.get('tel0701234567x').to).toBe('tel07******67x');
    expect(byForm.get(FULL_WIDTH('070-123 45 67')).to).toBe('07******67');
    expect(byForm.get('+1 415 555 2671').to).toBe('+*********71');
  });

  it('leaves UUIDs, timestamps, durations, ports, amounts, percentages, Redis keys, call and job ids alone', () => {
    const { log, lines } = capture();
    for (const value of NOT_PHONES) log.info(`value ${value}`, { value, [value]: 1 });
    expect(lines).toHaveLength(NOT_PHONES.length);
    NOT_PHONES.forEach((value, i) => {
      const parsed = JSON.parse(lines[i]!);
      expect(parsed.message).toBe(`value ${value}`);
      expect(parsed.value).toBe(value);
      expect(parsed[value]).toBe(1);
    });
  });
});

describe('the whole-run log guard', () => {
  it.each(FORMS)('catches %s, bare and in a JSON line', (form) => {
    expect(findPhoneLeaks([form]).length).toBeGreaterThan(0);
    expect(findPhoneLeaks([JSON.stringify({ level: 'info', message: `ring ${form}`, timestamp: '2026-11-25T04:35:04.123Z' })]).length).toBeGreaterThan(0);
  });

  it.each(NOT_PHONES)('does not flag %s', (value) => {
    expect(findPhoneLeaks([value, JSON.stringify({ level: 'info', message: value, requestId: '3f2a0812-3456-7890-abcd-0123456789ab' })])).toEqual([]);
  });

  it('does not flag what the logger wrote for any form', () => {
    expect(findPhoneLeaks(FORMS.map(maskForLogs))).toEqual([]);
  });

  it("finds a test's own number spelt any way", () => {
    const leaks = findPhoneLeaks(['x 070 12 34 567 y'], ['+46701234567']);
    expect(leaks.map((l) => l.pattern)).toContain("the test's number +46701234567, spelt otherwise");
  });
});
