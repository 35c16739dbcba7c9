/**
 * Step 1 of finding phone numbers (mask.ts): a normalised copy of the text, with a map back to the
 * original. NFKC for full-width and other compatibility digits; every dash becomes `-`; zero-width
 * characters and soft hyphens are dropped; percent-encoded separators are decoded.
 */

const DASHES = new Set([0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xfe58, 0xfe63, 0xff0d]);
const INVISIBLE = new Set([0x00ad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]);
const DASH_CHARS = /[\u2010-\u2015\u2212]/g;
const READABLE = /^[0-9+\-.()/ ]+$/;
/** Percent escapes decoded, by what follows the `%` (compared upper-cased). */
const PERCENT: ReadonlyArray<readonly [string, string]> = [
  ['20', ' '],
  ['2B', '+'],
  ['2D', '-'],
  ['2E', '.'],
  ['2F', '/'],
  ['28', '('],
  ['29', ')'],
  ['C2%A0', ' '],
  ['E2%80%93', '-'],
  ['E2%80%94', '-'],
  ['E2%88%92', '-'],
];

/** Non-ASCII code point → its digits/separators after NFKC, '' to drop it, null to keep it as is. */
const folded = new Map<number, string | null>();
function fold(cp: number): string | null {
  if (DASHES.has(cp)) return '-';
  if (INVISIBLE.has(cp)) return '';
  const known = folded.get(cp);
  if (known !== undefined) return known;
  const n = String.fromCodePoint(cp).normalize('NFKC').replace(DASH_CHARS, '-');
  const r = READABLE.test(n) ? n : null;
  if (folded.size < 10_000) folded.set(cp, r);
  return r;
}

/** The normalised copy; its character k came from the original's [from[k], to[k]). */
export type Normalised = { text: string; from: number[]; to: number[] };

export function normalise(s: string): Normalised {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const rest = s.slice(i + 1, i + 9).toUpperCase();
      const hit = PERCENT.find(([code]) => rest.startsWith(code));
      if (hit) {
        text += hit[1];
        from.push(i);
        to.push(i + 1 + hit[0].length);
        i += 1 + hit[0].length;
        continue;
      }
    }
    if (c < 0x80) {
      text += s[i];
      from.push(i);
      to.push(i + 1);
      i += 1;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const r = fold(cp);
    if (r === null) {
      // kept: one stand-in character (not a digit, not a separator) for the whole code point
      text += width === 1 ? s[i] : '\uFFFD';
      from.push(i);
      to.push(i + width);
    } else {
      for (const ch of r) {
        text += ch;
        from.push(i);
        to.push(i + width);
      }
    }
    i += width;
  }
  return { text, from, to };
}
