/**
 * Parsing a business search query into words and their Swedish inflection variants (see
 * search.ts for why). Pure: no SQL is ever built from the query; the variants become bound parameters.
 */

/** Words searched at most (the rest are reported in `ignored_words`). */
export const MAX_SEARCH_TERMS = 12;
/** Longer "words" are not words; PostgreSQL would ignore them anyway. */
export const MAX_WORD_CHARS = 60;
/** Digit runs this long are not searched, so search can't probe for phone numbers in summaries. */
export const MIN_UNSEARCHABLE_DIGITS = 6;
export const MAX_VARIANTS_PER_WORD = 10;

// ── query parsing ─────────────────────────────────────────────────────────────────────────────

export type ParsedTerm = { text: string; kind: 'word' | 'phrase'; negated: boolean; variants: string[] };
/** AND of groups; a group is an OR of terms (`a or b`). */
export type ParsedQuery = { normalized: string; groups: ParsedTerm[][]; ignored: string[] };

const VOWELS = new Set('aeiouyåäöéèü');
const isVowel = (c: string | undefined) => c !== undefined && VOWELS.has(c);
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
const TOKEN = /(-?)"([^"]*)"?|(\S+)/g;

/** Suffix, condition on what remains, and extra bases to add (the -a of "kass|orna" → kassa). */
const STRIP_RULES: ReadonlyArray<{ suffix: string; keep: (rest: string) => boolean; also?: (rest: string) => string[] }> = [
  { suffix: 'erna', keep: () => true },
  { suffix: 'arna', keep: () => true },
  { suffix: 'orna', keep: () => true, also: (rest) => [`${rest}a`] },
  { suffix: 'rna', keep: (rest) => isVowel(rest.at(-1)) },
  { suffix: 'na', keep: (rest) => isVowel(rest.at(-1)) },
  { suffix: 'en', keep: (rest) => !isVowel(rest.at(-1)) },
  { suffix: 'et', keep: () => true },
  { suffix: 'n', keep: (rest) => isVowel(rest.at(-1)) },
  { suffix: 't', keep: (rest) => rest.at(-1) === 'e' },
];
const MIN_BASE_CHARS = 2;
/** Only words in Swedish letters are inflected; anything else is searched as written. */
const SWEDISH_WORD = /^[a-zåäöéèü]+$/;

/**
 * The word plus the Swedish forms it should also match (all still stemmed by PostgreSQL):
 * stripped definite/plural suffixes, and definite forms of the bare word.
 */
export function swedishVariants(word: string): string[] {
  const out = new Set<string>([word]);
  if (!SWEDISH_WORD.test(word)) return [word];
  // definite genitive: kassans, husets, kassornas → kassan, huset, kassorna
  const start = word.length > 4 && /(?:n|t|na)s$/.test(word) ? [word.slice(0, -1)] : [word];
  const bare: string[] = [];
  const stems: string[] = [];
  for (const w of start) {
    out.add(w);
    let stripped = false;
    for (const rule of STRIP_RULES) {
      if (!w.endsWith(rule.suffix)) continue;
      const rest = w.slice(0, -rule.suffix.length);
      if (rest.length < MIN_BASE_CHARS || !rule.keep(rest)) continue;
      stripped = true;
      for (const base of [rest, ...(rule.also?.(rest) ?? [])]) {
        out.add(base);
        stems.push(base);
      }
    }
    if (!stripped) bare.push(w);
  }
  // definite forms the stemmer keeps whole: of a bare word all of them; of a stripped base only
  // the common-gender -n (köerna → kö → kön), since the base itself may be half a word
  for (const base of bare) {
    const last = base.at(-1);
    if (isVowel(last)) out.add(`${base}n`);
    if (last === 'e') out.add(`${base}t`);
    if (!isVowel(last)) out.add(`${base}et`);
  }
  for (const base of stems) if (isVowel(base.at(-1))) out.add(`${base}n`);
  return [...out].slice(0, MAX_VARIANTS_PER_WORD);
}

const wordsOf = (s: string) => s.match(WORD) ?? [];
const isSearchable = (w: string) => w.length <= MAX_WORD_CHARS && !new RegExp(`^\\d{${MIN_UNSEARCHABLE_DIGITS},}$`).test(w);

/**
 * Splits a query in the spirit of websearch_to_tsquery: words are ANDed, `"…"` is a phrase,
 * a leading `-` negates, `or` between two terms makes them alternatives. Everything that is not a
 * letter or digit is dropped here, before any of it reaches the database.
 */
export function parseSearchQuery(q: string): ParsedQuery {
  const normalized = q.normalize('NFC').toLocaleLowerCase('sv-SE').replace(/\s+/g, ' ').trim();
  const groups: ParsedTerm[][] = [];
  const ignored: string[] = [];
  let terms = 0;
  let orPending = false;
  const push = (term: ParsedTerm) => {
    if (terms >= MAX_SEARCH_TERMS) {
      ignored.push(term.text);
      return;
    }
    terms += 1;
    const last = groups.at(-1);
    if (orPending && last) last.push(term);
    else groups.push([term]);
    orPending = false;
  };
  for (const m of normalized.matchAll(TOKEN)) {
    const [, minus, phrase, bare] = m;
    if (phrase !== undefined) {
      const words = wordsOf(phrase).filter((w) => {
        if (!isSearchable(w)) ignored.push(w);
        return isSearchable(w);
      });
      if (words.length === 0) continue;
      const text = words.join(' ');
      push(words.length === 1 ? { text, kind: 'word', negated: minus === '-', variants: swedishVariants(text) } : { text, kind: 'phrase', negated: minus === '-', variants: [text] });
      continue;
    }
    if (bare === 'or' && groups.length > 0) {
      orPending = true;
      continue;
    }
    const negated = bare?.startsWith('-') ?? false;
    for (const w of wordsOf(bare ?? '')) {
      if (!isSearchable(w)) ignored.push(w);
      else push({ text: w, kind: 'word', negated, variants: swedishVariants(w) });
    }
  }
  return { normalized, groups, ignored };
}
