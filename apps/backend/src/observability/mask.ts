/**
 * Phone numbers in free text: found one way, then masked for logs (`maskForLogs`, `maskDeep`) or
 * removed from text shown to businesses (`scrubForBusiness`).
 *
 * Finding a number:
 * 1. The text is normalised (a copy, with a map back to the original): NFKC for full-width and
 *    other compatibility digits, `＋` and odd spaces; every dash (en, em, minus, …) becomes `-`;
 *    zero-width characters and soft hyphens are dropped; the percent-encoded separators of form
 *    bodies and URLs are decoded (`%2B` `%20` `%2D` `%2E` `%2F` `%28` `%29`, and the UTF-8 no-break
 *    space and dashes).
 * 2. Spans that are data rather than numbers to read are set aside: UUIDs, hex ids of 16+
 *    characters (46elks call ids `c` + 32 hex, hashes), ISO dates and timestamps, clock times and
 *    durations (`04:35:04.123`), dd.mm.yyyy dates, and decimals whose integer part has no leading
 *    zero (`0.0701234567`, `312.50`, `12.5%`).
 * 3. What remains is read as runs of digit groups joined by separators — space, `-`, `.`, `/`,
 *    parentheses, up to three in a row — whatever letters touch them (`tel0701234567x`). A run, or
 *    a stretch of its groups (the longest one, from the leftmost group that starts a number), is a
 *    phone number when its digits are
 *    - `+` or `00`, then a country code and 8–15 digits in all; Swedish ones are 46, an optional
 *      trunk `(0)`, then 7–10 digits;
 *    - `0`, then 1–9, 8–10 digits in all: a Swedish national number, mobile (07x) or landline
 *      (08, 031, 040, 0xx, 0xxx), written in groups of at least two digits;
 *    - `46`, then 1–9, exactly 11 digits: E.164 without its `+`, as some bodies carry it.
 *
 * Logs keep the prefix as written (`+`, `%2B`, `00`), the Swedish country code or the national
 * number's first two digits, and the last two digits: `+46*******67`, `0046*******67`,
 * `%2B46*******67`, `07******67`, `08*****78`, `46*******67`, and for a foreign number only the
 * prefix: `+*********71`. Business text keeps nothing: every number, Swedish or foreign, becomes
 * {@link BUSINESS_PHONE_PLACEHOLDER}, and so does any other run of 8 or more digits there.
 */

import { normalise } from './normalise-digits';

export const BUSINESS_PHONE_PLACEHOLDER = '[telefonnummer]';

/** Separators between the digit groups of a number, after normalising. */
const SEP = '[ ./()\\-]';
/**
 * At least 8 digits joined by separators: the least any number needs. Not from the start of an ISO
 * date standing alone, so the timestamp of a log line does not, by itself, cost a closer look.
 */
const CANDIDATE = new RegExp(`(?<!\\d)(?!\\d{4}-\\d\\d-\\d\\d(?!${SEP}{0,3}\\d))\\d(?:${SEP}{0,3}\\d){7}`);
/** Characters (and percent escapes) the normalised copy differs in. */
const NEEDS_NORMALISING =
  /[\u00A0\u00AD\u00B2\u00B3\u00B9\u2000-\u209F\u2212\u2460-\u24FF\u3000\u3251-\u325F\u32B1-\u32BF\uFE50-\uFE6F\uFEFF\uFF00-\uFFEF\uD835\uD83E]|%(?:2[0BDEF89]|C2%A0|E2%80%9[34]|E2%88%92)/i;
/** One test to leave most text alone at once: nothing to normalise and no 8 linked digits. */
const WORTH_A_LOOK = new RegExp(`${CANDIDATE.source}|${NEEDS_NORMALISING.source}`, 'i');

const HEX = '[0-9A-Fa-f]';
/** Data that looks like digits but is not a number to read (see step 2 above). */
const PROTECTED = new RegExp(
  // the lookaheads in front only let the engine skip, quickly, the positions nothing here can start at
  `(?=[0-9A-Fa-f])(?:${[
    `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`, // UUID
    `(?<![0-9A-Za-z])(?=\\d*[A-Fa-f])${HEX}{16,}(?![0-9A-Za-z])`, // hex id: call id, hash
    `(?=\\d)(?:${[
      '(?<!\\d)\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}(?::?\\d{2})?)?)?', // ISO date, timestamp
      '(?<![\\d:])\\d{1,2}:\\d{2}(?::\\d{2})?(?:[.,]\\d+)?', // clock time, duration
      '(?<![\\d./])\\d{1,2}([./])\\d{1,2}\\1\\d{4}(?![./]?\\d)', // dd.mm.yyyy
      '(?<![\\d.])(?:0|[1-9]\\d*)\\.\\d+(?![.\\d])', // decimal: 0.0701234567, 312.50
    ].join('|')})`,
  ].join('|')})`,
  'g',
);
/** A run of digit groups, with a leading `+` (or `(`) when there is one. */
const RUN = new RegExp(`(?:\\+[ (]{0,2})?\\(?\\d+(?:${SEP}{1,3}\\d+)*`, 'g');

// ── reading digit runs ──────────────────────────────────────────────────────────────────────

/** How a number is shown in logs: prefix as written, then `head`, `hidden` stars, last two digits. */
type Reading = { prefix: '' | '+' | '00'; head: string; hidden: number };

function international(rest: string, prefix: '+' | '00'): Reading | null {
  if (rest.startsWith('46')) {
    const nsn = rest[2] === '0' ? rest.slice(3) : rest.slice(2);
    return nsn.length >= 7 && nsn.length <= 10 && nsn[0] !== '0' ? { prefix, head: '46', hidden: nsn.length - 2 } : null;
  }
  return rest.length >= 8 && rest.length <= 15 && rest[0] !== '0' ? { prefix, head: '', hidden: rest.length - 2 } : null;
}

/** `digits` of consecutive groups; `plus`: the run's `+` is in front; `singles`: a one-digit group among them. */
function read(digits: string, plus: boolean, singles: boolean): Reading | null {
  if (plus) {
    const r = international(digits, '+');
    if (r) return r;
  }
  if (digits.startsWith('00')) return international(digits.slice(2), '00');
  if (singles) return null;
  const second = digits.charCodeAt(1);
  if (digits[0] === '0' && second >= 0x31 && second <= 0x39) {
    return digits.length >= 8 && digits.length <= 10 ? { prefix: '', head: digits.slice(0, 2), hidden: digits.length - 4 } : null;
  }
  if (digits.length === 11 && digits.startsWith('46') && digits[2] !== '0') return { prefix: '', head: '46', hidden: 7 };
  return null;
}

/** A number found, in the coordinates of the normalised text; `reading` null: a bare digit run (business text only). */
type Span = { start: number; end: number; reading: Reading | null; digits: string };

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const blank = (m: string) => '_'.repeat(m.length);
/** Any other run of at least this many digits is removed from business text too. */
const BUSINESS_MIN_RUN_DIGITS = 8;

function findSpans(normalised: string, strict: boolean): Span[] {
  const t = normalised.replace(PROTECTED, blank);
  const spans: Span[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(t); m !== null; m = RUN.exec(t)) {
    const run = m[0];
    const base = m.index;
    if (run.length < 8) continue;
    const starts: number[] = [];
    const ends: number[] = [];
    for (let k = 0; k < run.length; ) {
      if (!isDigit(run.charCodeAt(k))) {
        k += 1;
        continue;
      }
      starts.push(base + k);
      while (k < run.length && isDigit(run.charCodeAt(k))) k += 1;
      ends.push(base + k);
    }
    const plus = run.charCodeAt(0) === 0x2b;
    const n = starts.length;
    const startOf = (g: number) => (g === 0 ? base : t[starts[g]! - 1] === '(' ? starts[g]! - 1 : starts[g]!);
    let loose = 0; // first group not yet part of a number (strict mode removes long leftovers)
    const flushLoose = (upTo: number) => {
      if (!strict || upTo <= loose) return;
      let digits = '';
      for (let g = loose; g < upTo; g++) digits += t.slice(starts[g], ends[g]);
      if (digits.length >= BUSINESS_MIN_RUN_DIGITS) spans.push({ start: startOf(loose), end: ends[upTo - 1]!, reading: null, digits });
    };
    let i = 0;
    while (i < n) {
      let best = -1;
      let reading: Reading | null = null;
      let bestDigits = '';
      let digits = '';
      let singles = false;
      for (let j = i; j < n; j++) {
        digits += t.slice(starts[j], ends[j]);
        if (digits.length > 17) break;
        if (ends[j]! - starts[j]! === 1) singles = true;
        const r = read(digits, plus && i === 0, singles);
        if (r) {
          best = j;
          reading = r;
          bestDigits = digits;
        }
      }
      if (best < 0) {
        i += 1;
        continue;
      }
      flushLoose(i);
      spans.push({ start: startOf(i), end: ends[best]!, reading, digits: bestDigits });
      i = best + 1;
      loose = i;
    }
    flushLoose(n);
  }
  return spans;
}

/** Replaces every number found in `text` by `replace(span, the original characters)`. */
function rewrite(text: string, strict: boolean, replace: (span: Span, original: string) => string): string {
  if (!WORTH_A_LOOK.test(text)) return text;
  const norm = NEEDS_NORMALISING.test(text) ? normalise(text) : null;
  const s = norm ? norm.text : text;
  if (!CANDIDATE.test(s)) return text;
  const spans = findSpans(s, strict);
  if (spans.length === 0) return text;
  let out = '';
  let last = 0;
  for (const span of spans) {
    const a = Math.max(last, norm ? norm.from[span.start]! : span.start);
    const b = norm ? norm.to[span.end - 1]! : span.end;
    out += text.slice(last, a) + replace(span, text.slice(a, b));
    last = b;
  }
  return out + text.slice(last);
}

const STARS = '*'.repeat(16);

function logForm(span: Span, original: string): string {
  const r = span.reading!;
  const prefix = r.prefix === '+' ? (original.startsWith('%') ? '%2B' : '+') : r.prefix;
  return `${prefix}${r.head}${STARS.slice(0, Math.min(Math.max(r.hidden, 3), STARS.length))}${span.digits.slice(-2)}`;
}

/** For logs: every phone number masked to its prefix and last two digits (`+46*******67`). */
export function maskForLogs(text: string): string {
  return rewrite(text, false, logForm);
}

/**
 * For text a business sees (reports, search snippets, summaries, recommendations): every phone
 * number, Swedish or foreign, and any other run of 8+ digits, replaced by "[telefonnummer]".
 */
export function scrubForBusiness(text: string): string {
  return rewrite(text, true, () => BUSINESS_PHONE_PLACEHOLDER);
}

/**
 * Deep-masks any loggable value for logs (objects, arrays, errors): strings, object keys, and
 * integers that read as a phone number (`46701234567`, which becomes a masked string). Cycles are cut.
 */
export function maskDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskForLogs(value);
  if (typeof value === 'number' || typeof value === 'bigint') return maskNumber(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: maskForLogs(value.message) };
    if (value.stack) out.stack = maskForLogs(value.stack);
    for (const [k, v] of Object.entries(value)) out[maskForLogs(k)] = maskDeep(v, seen);
    return out;
  }
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[maskForLogs(k)] = maskDeep(v, seen);
  return out;
}

function maskNumber(value: number | bigint): number | bigint | string {
  if (value < 10_000_000 || (typeof value === 'number' && !Number.isSafeInteger(value))) return value;
  const s = String(value);
  const masked = maskForLogs(s);
  return masked === s ? value : masked;
}
