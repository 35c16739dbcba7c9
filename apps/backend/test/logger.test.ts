import { Writable } from 'node:stream';
import { maskPhones } from '../src/observability/mask';
import { createLogger } from '../src/observability/logger';

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

describe('phone masking', () => {
  it.each([
    ['+46701234567', '+46*******67'],
    ['+46 70 123 45 67', '+46*******67'],
    ['+46-8-123 456 78', '+46*******78'],
    ['0046701234567', '0046*******67'],
    ['to=%2B46701234567&from=x', 'to=%2B46*******67&from=x'],
    ['ring 070-123 45 67 nu', 'ring 07******67 nu'],
    ['0701234567', '07******67'],
  ])('masks %s', (input, expected) => {
    expect(maskPhones(input)).toBe(expected);
  });

  it.each([
    'b0000000-0000-4000-8000-000000000001',
    '2026-11-25T04:35:04.123Z',
    'amount 249.90 SEK, order 1234567890',
    'c719b1eefbf65b1f89c013e6433dbf537',
    'duration_ms 0.0701234567',
  ])('leaves %s alone', (input) => {
    expect(maskPhones(input)).toBe(input);
  });

  it('masks message, fields, nested objects, arrays and errors in the JSON line', () => {
    const { log, lines } = capture();
    const child = log.child({ callId: 'call-1', customer: '+46709876543' });
    child.info('calling +46701234567 now', {
      to: '+46701234567',
      nested: { list: ['0701112233', { deep: '+46 70 999 88 77' }] },
      err: new Error('46elks refused +46701234567'),
    });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toMatch(/701234567|709876543|701112233|999 88 77/);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ message: 'calling +46*******67 now', to: '+46*******67', callId: 'call-1', level: 'info' });
    expect(parsed.nested.list[0]).toBe('07******33');
    expect(parsed.err.message).toBe('46elks refused +46*******67');
  });
});
