import { BUSINESS_PHONE_PLACEHOLDER, maskDeep, maskForLogs, scrubForBusiness } from './mask';

/**
 * The one phone finder behind both scrubbers: every form a number reaches us in, and the data that
 * only looks like one. Logs keep the prefix and the last two digits; business text keeps nothing.
 */

const FULL_WIDTH = (s: string) => s.replace(/[0-9+\-() ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

describe('maskForLogs: every form of a number, masked to its prefix and last two digits', () => {
  it.each([
    // E.164 and its spellings
    ['+46701234567', '+46*******67'],
    ['+46 70 123 45 67', '+46*******67'],
    ['+46-70-123 45 67', '+46*******67'],
    ['+46 (0)70-123 45 67', '+46*******67'],
    ['+46-8-123 456 78', '+46*******78'],
    ['0046701234567', '0046*******67'],
    ['0046 70 123 45 67', '0046*******67'],
    ['46701234567', '46*******67'],
    ['{"to":46701234567}', '{"to":46*******67}'],
    // URL-encoded, as 46elks form bodies and URLs carry them
    ['to=%2B46701234567&from=x', 'to=%2B46*******67&from=x'],
    ['to=%2b46701234567', 'to=%2B46*******67'],
    ['to=%2B46%2070%20123%2045%2067&x=1', 'to=%2B46*******67&x=1'],
    ['/calls?n=070%20123%2045%2067', '/calls?n=07******67'],
    // national mobile, every separator
    ['0701234567', '07******67'],
    ['ring 070-123 45 67 nu', 'ring 07******67 nu'],
    ['070\u2013123 45 67', '07******67'], // en dash
    ['070\u2014123 45 67', '07******67'], // em dash
    ['070\u2212123 45 67', '07******67'], // minus sign
    ['070\u2011123\u00A045\u00A067', '07******67'], // non-breaking hyphen and spaces
    ['070 - 123 45 67', '07******67'],
    ['070.123.45.67', '07******67'],
    ['070/123 45 67', '07******67'],
    ['(070) 123 45 67', '07******67'],
    ['070\u200B1234567', '07******67'], // a zero-width space inside
    // Swedish landlines: 08, 031, 040, 0xx-0xxx
    ['08-123 456 78', '08******78'],
    ['08-12 34 56', '08****56'],
    ['(08) 123 456 78', '08******78'],
    ['031-123 45 67', '03******67'],
    ['040-12 34 56', '04*****56'],
    ['0980-123 45', '09*****45'],
    // glued to letters
    ['tel0701234567x', 'tel07******67x'],
    ['Ring0701234567', 'Ring07******67'],
    ['nr:070-1234567,tack', 'nr:07******67,tack'],
    ['a\\n0701234567', 'a\\n07******67'], // as a newline reads inside a JSON line
    // full-width and other compatibility digits (NFKC)
    [FULL_WIDTH('070-123 45 67'), '07******67'],
    [FULL_WIDTH('+46701234567'), '+46*******67'],
    ['\u{1D7CE}\u{1D7D5}\u{1D7CE}\u{1D7CF}\u{1D7D0}\u{1D7D1}\u{1D7D2}\u{1D7D3}\u{1D7D4}\u{1D7D5}', '07******67'], // mathematical bold
    // foreign numbers: the log masker used to keep them whole
    ['+1 415 555 2671', '+*********71'],
    ['+44 20 7946 0958', '+**********58'],
    ['0044 20 7946 0958', '00**********58'],
    ['%2B4520123456', '%2B********56'],
  ])('%s → %s', (input, expected) => {
    expect(maskForLogs(input)).toBe(expected);
  });

  it('masks each number of a run of numbers, and only the numbers', () => {
    expect(maskForLogs('Kassa 2: 070-123 45 67 eller 08-123 456 78, 3 gånger')).toBe('Kassa 2: 07******67 eller 08******78, 3 gånger');
    expect(maskForLogs('0701234567 0709876543')).toBe('07******67 07******43');
    expect(maskForLogs('2026-11-25 070 123 45 67')).toBe('2026-11-25 07******67');
    expect(maskForLogs('b0000000-0000-4000-8000-000000000001 +46701234567')).toBe('b0000000-0000-4000-8000-000000000001 +46*******67');
  });

  it('is idempotent: a masked line masks to itself', () => {
    for (const s of ['+46*******67', '07******67', '%2B46*******67', '+*********71', 'tel07******67x', '46*******67']) {
      expect(maskForLogs(s)).toBe(s);
    }
  });

  it('keeps the text around a number as written (no normalising outside the number)', () => {
    expect(maskForLogs('Kunden på Gött & Gôtt ﬁck ring ０７０－１２３ ４５ ６７ – tack')).toBe('Kunden på Gött & Gôtt ﬁck ring 07******67 – tack');
  });
});

describe('what is not a phone number is left alone', () => {
  it.each([
    ['UUID', 'b0000000-0000-4000-8000-000000000001'],
    ['UUID, random', '3f2a0812-3456-7890-abcd-0123456789ab'],
    ['UUID of digits only', '07012345-6789-4000-8000-070123456789'],
    ['malformed UUID (fuzzed)', '/api/ai/calls/38299d14-79b1-4479-bbb4-08550895930/retry'],
    ['ISO timestamp', '2026-11-25T04:35:04.123Z'],
    ['ISO timestamp with offset and nanoseconds', '2026-11-05T08:12:05.0701234567+01:00'],
    ['date and time', '2026-11-25 04:35:04'],
    ['dd.mm.yyyy date', 'levererad 05.11.2026'],
    ['duration in ms', 'duration_ms 0.0701234567'],
    ['ms figure', '{"ms":12,"took":1234.5678,"elapsed_ms":70123}'],
    ['clock duration', 'uptime 00:01:23.0701234567'],
    ['port numbers', 'listening on 127.0.0.1:6379 and localhost:5432, [::1]:54321'],
    ['money amount', 'amount 312.50 SEK, 249.90 kr, 1 299,00 kr'],
    ['percentage', 'answer rate 45.5%, 0.0701234567%, 100%'],
    ['order number', 'order 1234567890'],
    ['epoch ms', 'at 1764000000000'],
    ['Redis key', 'samtal:rl:business:b0000000-0000-4000-8000-000000000001'],
    ['Redis key with an attempt', 'samtal:final:3f2a0812-3456-7890-abcd-0123456789ab:1'],
    ['46elks call id', 'c719b1eefbf65b1f89c013e6433dbf537'],
    ['46elks call id, hex that starts with digits', 'c0701234567abcdef0123456789abcdef'],
    ['recording URL', 'https://api.46elks.com/a1/recordings/c0701234567abcdef0123456789abcdef-r1.wav'],
    ['job ids', 'dial-3f2a0812-3456-7890-abcd-0123456789ab-1 stt-07012345-6789-4000-8000-070123456789-2-3'],
    ['report job id', 'report-b0000000-0000-4000-8000-000000000001-2026-W46'],
    ['sha256', '0701234567abcdef0123456789abcdef0701234567abcdef0123456789abcdef'],
    ['IPv4', 'from 10.70.123.45'],
    ['version', 'node v20.11.0'],
    ['decimal with a leading 1', '1.0701234567'],
    ['short numbers', 'turn 3 of 12, 070 is not a number, 08-123'],
    ['a masked number', '+46*******67 07******67'],
  ])('%s: %s', (_name, input) => {
    expect(maskForLogs(input)).toBe(input);
  });
});

describe('object keys and other values', () => {
  it('masks keys that carry a number, deep inside objects, arrays and errors', () => {
    const err = Object.assign(new Error('refused 070-123 45 67'), { '+46709876543': 'to' });
    const out = maskDeep({
      '+46701234567': 'caller',
      nested: { tel0701112233x: 1, list: [{ '070 999 88 77': true }] },
      err,
    }) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['+46*******67', 'nested', 'err']);
    expect(out.nested).toEqual({ 'tel07******33x': 1, list: [{ '07******77': true }] });
    expect(out.err).toMatchObject({ message: 'refused 07******67', '+46*******43': 'to' });
    expect(JSON.stringify(out)).not.toMatch(/701234567|701112233|999 88 77|709876543/);
  });

  it('masks an integer that reads as a number, and no other', () => {
    expect(maskDeep({ to: 46701234567, ms: 1234, at: 1764000000000, n: 46701234567n })).toEqual({
      to: '46*******67',
      ms: 1234,
      at: 1764000000000,
      n: '46*******67',
    });
  });
});

describe('scrubForBusiness: no number survives, Swedish or foreign', () => {
  const PHONES = [
    '+46701234567',
    '+46 70 123 45 67',
    '+46 (0)70-123 45 67',
    '0046701234567',
    '46701234567',
    '%2B46701234567',
    '%2B46%2070%20123%2045%2067',
    '0701234567',
    '070-123 45 67',
    '070\u2013123 45 67',
    '070\u2014123 45 67',
    '070.123.45.67',
    '(070) 123 45 67',
    '08-123 456 78',
    '031-123 45 67',
    '040-12 34 56',
    FULL_WIDTH('070-123 45 67'),
    FULL_WIDTH('+46701234567'),
    '+1 415 555 2671',
    '+44 20 7946 0958',
    '0044 20 7946 0958',
    '415 555 2671', // a foreign number without its prefix: any 8+ digits go
  ];

  it.each(PHONES)('%s', (phone) => {
    const text = `Kunden bad om återuppringning på ${phone} om kvittot.`;
    expect(scrubForBusiness(text)).toBe(`Kunden bad om återuppringning på ${BUSINESS_PHONE_PLACEHOLDER} om kvittot.`);
  });

  it('removes glued numbers without keeping a digit', () => {
    expect(scrubForBusiness('tel0701234567x')).toBe(`tel${BUSINESS_PHONE_PLACEHOLDER}x`);
    expect(scrubForBusiness('Ring+46701234567!')).toBe(`Ring${BUSINESS_PHONE_PLACEHOLDER}!`);
  });

  it('leaves prices, dates, times, percentages and short numbers', () => {
    const text = 'Kostade 312.50 kr (1 299 kr förra veckan), 45.5% nöjda, kassa 2 av 3, kl. 14:30 den 2026-11-25 och 05.11.2026.';
    expect(scrubForBusiness(text)).toBe(text);
  });
});
