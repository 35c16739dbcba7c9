/**
 * The privacy guard of the drills: no phone number in any log line. Two nets:
 * - generic patterns for a Swedish number in the forms it travels in (E.164, URL-encoded as in
 *   46elks form bodies, with a 00 prefix, the national mobile form), spaced or not;
 * - every number the test itself used, in each of those forms and as bare digits.
 * The logger masks as `+46*******67` / `07******67`, which neither net matches.
 */

export const PHONE_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['E.164 +46…', /\+46[\s-]?\d(?:[\s-]?\d){6,}/],
  ['URL-encoded %2B46…', /%2B46\d{5,}/i],
  ['0046…', /(?<![\w.-])0046[\s-]?\d(?:[\s-]?\d){6,}/],
  ['national mobile 07…', /(?<![\w.-])07\d(?:[\s-]?\d){7}(?!\w)/],
];

/** The forms one E.164 number (+467…) can take in text. */
export function phoneForms(e164: string): string[] {
  const digits = e164.replace(/^\+/, '');
  const national = `0${digits.slice(2)}`;
  return [e164, `%2B${digits}`, `00${digits}`, digits, national];
}

export type Leak = { pattern: string; line: string };

export function findPhoneLeaks(lines: Iterable<string>, knownPhones: Iterable<string> = []): Leak[] {
  const forms = [...knownPhones].flatMap((p) => phoneForms(p).map((f) => [f, p] as const));
  const leaks: Leak[] = [];
  for (const line of lines) {
    for (const [name, re] of PHONE_PATTERNS) {
      if (re.test(line)) leaks.push({ pattern: name, line: line.slice(0, 400) });
    }
    for (const [form, phone] of forms) {
      if (line.includes(form)) leaks.push({ pattern: `the test's number ${phone} as ${form}`, line: line.slice(0, 400) });
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
