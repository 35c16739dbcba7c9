/**
 * The privacy guard of the drills: no phone number in any log line. Two nets:
 * - generic patterns for a phone number in the forms it travels in — E.164 and foreign numbers
 *   (`+…`, `00…`), URL-encoded as in 46elks form bodies (`%2B46…`, `%2B46%2070%20…`), E.164 without
 *   its `+` (`46701234567`), Swedish national mobile and landline numbers (`070-123 45 67`,
 *   `08-123 456 78`, `031-123 45 67`, `(070) 123 45 67`, `070.123.45.67`) — spaced, dashed (any
 *   dash), dotted, in parentheses, full-width, or glued to letters (`tel0701234567x`);
 * - every number the test itself used, in each of those forms and as bare digits.
 * Each line is first normalised (NFKC, dashes to `-`, percent-encoded separators decoded), and the
 * spans that are data rather than numbers — UUIDs, hex ids, ISO timestamps, clock times, decimals —
 * are blanked. This is written apart from the masker (src/observability/mask.ts) on purpose: a net
 * that shared its code would share its blind spots. The logger masks as `+46*******67` /
 * `07******67`, which neither net matches.
 */

/** Separators between digits once a line is normalised: up to three of them. */
const S = '[ ./()\\-]{0,3}';

/**
 * Lengths as numbers have them (a Swedish number 7–10 digits after 46 or 0, E.164 at most 15), so a
 * longer run of digits — a fuzzed, malformed UUID's `08550895930` — is not one; a number followed by
 * other digits after a separator (`070-123 45 67 2 gånger`) still is.
 */
export const PHONE_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Swedish E.164 +46… / %2B46… / 0046…', new RegExp(`(?:\\+|(?<!\\d)00)[ (]{0,2}46${S}(?:0${S})?[1-9](?:${S}\\d){6,9}(?!\\d)`)],
  ['foreign +… / 00…', new RegExp(`(?:\\+|(?<!\\d)00)[ (]{0,2}[1-9](?:${S}\\d){7,14}(?!\\d)`)],
  ['E.164 without + (46…, 11 digits)', new RegExp(`(?<!\\d)46${S}[1-9](?:${S}\\d){8}(?!\\d)`)],
  ['Swedish national 0x… (mobile, landline)', new RegExp(`(?<!\\d)0[1-9](?:${S}\\d){6,8}(?!\\d)`)],
];

const DASH = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
const PERCENT = /%(2[0BDEF89]|C2%A0|E2%80%9[34]|E2%88%92)/gi;
const DECODED: Record<string, string> = { '20': ' ', '2B': '+', '2D': '-', '2E': '.', '2F': '/', '28': '(', '29': ')', 'C2%A0': ' ' };
const DATA = new RegExp(
  [
    // UUIDs, and the fuzz drill's mangled ones (a group a character short or long): five dashed hex
    // groups with a 10–14-character tail are never a phone number
    '[0-9a-f]{6,10}-[0-9a-f]{3,5}-[0-9a-f]{3,5}-[0-9a-f]{3,5}-[0-9a-f]{10,14}',
    '(?<![0-9a-z])(?=\\d*[a-f])[0-9a-f]{16,}(?![0-9a-z])',
    '(?<!\\d)\\d{4}-\\d\\d-\\d\\d(?:[t ]\\d\\d:\\d\\d(?::\\d\\d(?:[.,]\\d+)?)?(?:z|[+-]\\d\\d(?::?\\d\\d)?)?)?',
    '(?<![\\d:])\\d{1,2}:\\d\\d(?::\\d\\d)?(?:[.,]\\d+)?',
    '(?<![\\d./])\\d{1,2}([./])\\d{1,2}\\1\\d{4}(?![./]?\\d)',
    '(?<![\\d.])(?:0|[1-9]\\d*)\\.\\d+(?![.\\d])',
  ].join('|'),
  'gi',
);

/** A log line as the patterns read it: normalised, its data spans blanked. */
export function readableLine(line: string): string {
  return line
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(PERCENT, (_m, code: string) => DECODED[code.toUpperCase()] ?? '-')
    .replace(DASH, '-')
    .replace(DATA, (m) => '_'.repeat(m.length));
}

/** The forms one E.164 number (+467…) can take in text. */
export function phoneForms(e164: string): string[] {
  const digits = e164.replace(/^\+/, '');
  const national = `0${digits.slice(2)}`;
  const spaced = `${national.slice(0, 3)}-${national.slice(3, 6)} ${national.slice(6, 8)} ${national.slice(8)}`;
  return [e164, `%2B${digits}`, `00${digits}`, digits, national, spaced, spaced.replace('-', '\u2013')];
}

/** Any spelling of the number: its digits with up to three separators between any two. */
function knownPhonePattern(e164: string): RegExp {
  const digits = e164.replace(/^\+/, '');
  const spread = (d: string) => d.split('').join(S);
  return new RegExp(`(?<!\\d)(?:${spread(digits)}|${spread(`0${digits.slice(2)}`)})`);
}

export type Leak = { pattern: string; line: string };

export function findPhoneLeaks(lines: Iterable<string>, knownPhones: Iterable<string> = []): Leak[] {
  const known = [...knownPhones].map((p) => ({ phone: p, forms: phoneForms(p), re: knownPhonePattern(p) }));
  const leaks: Leak[] = [];
  for (const line of lines) {
    if (!line) continue;
    const readable = readableLine(line);
    for (const [name, re] of PHONE_PATTERNS) {
      if (re.test(readable)) leaks.push({ pattern: name, line: line.slice(0, 400) });
    }
    for (const { phone, forms, re } of known) {
      const form = forms.find((f) => line.includes(f));
      if (form !== undefined) leaks.push({ pattern: `the test's number ${phone} as ${form}`, line: line.slice(0, 400) });
      else if (re.test(readable)) leaks.push({ pattern: `the test's number ${phone}, spelt otherwise`, line: line.slice(0, 400) });
    }
  }
  return leaks;
}

/** Throws with the first offending lines, so a failure says exactly what leaked where. */
export function expectNoPhoneNumbers(lines: Iterable<string>, knownPhones: Iterable<string> = []): void {
  const leaks = findPhoneLeaks(lines, knownPhones);
  if (leaks.length > 0) {
    throw new Error(
      `${leaks.length} log line(s) carry a phone number:\n${leaks
        .slice(0, 10)
        .map((l) => `  [${l.pattern}] ${l.line}`)
        .join('\n')}`,
    );
  }
}
