import type { Conversation, StoreContext } from './input';
import {
  DEFAULT_DEPARTMENTS, DEPARTMENT_SYNONYMS, EN_WORDS, MARKETING, MONEY_WORDS, NEGATIONS, NEGATIVE, NUMBER_WORDS,
  OTHER_SHOPS, POSITIVE, PRODUCTS, STAFF_WORDS, STEM_EXCEPTIONS, SV_WORDS, THEMES, TIME_WORDS,
} from './lexicon';
import { clamp01, mentions, round2, sentences, shorten, stemMatches, unique, words } from './text';

export type StoreKind = 'grocery' | 'hardware' | 'unknown';

/** Everything the field heuristics draw on, computed once per request (and per focus). */
export interface Analysis {
  text: string;
  items: string[];
  sentences: string[];
  store: StoreContext & { kind: StoreKind; departmentsKnown: string[] };
  wordCount: number;
  details: number;
  specificSentences: string[];
  svRatio: number;
  language: 'sv' | 'en';
  departments: string[];
  themes: string[];
  positive: string[];
  negative: string[];
  sentimentScore: number;
  sentiment: 'positive' | 'negative' | 'neutral' | 'mixed';
  fraudQuotes: string[];
  fraudReasons: string[];
  /** Each suspicious sentence with why: `reason: "quote"`. */
  fraudFindings: string[];
  consent: boolean | null;
  optOut: boolean;
  scores: { legitimacy: number; depth: number; usefulness: number; fraud: number; confidence: number; overall: number };
}

const storeKind = (store: StoreContext): StoreKind => {
  const text = `${store.name ?? ''} ${store.departments.join(' ')}`.toLowerCase();
  if (/järn|bygg|verktyg|färg|vvs|el & belysning/.test(text)) return 'hardware';
  if (/livs|mat|frukt|mejeri|chark|bageri|ica|coop/.test(text)) return 'grocery';
  return 'unknown';
};

export const departmentStems = (department: string): string[] => {
  const own = words(department).filter((w) => w.length >= 3);
  const synonyms = DEPARTMENT_SYNONYMS.filter(([re]) => re.test(department)).flatMap(([, list]) => list);
  return unique([...own, ...synonyms]);
};

const sentimentOf = (tokens: readonly string[]): { pos: number; neg: number } => {
  let pos = 0;
  let neg = 0;
  tokens.forEach((token, i) => {
    const negated = NEGATIONS.has(tokens[i - 1] ?? '') || NEGATIONS.has(tokens[i - 2] ?? '');
    if (POSITIVE.some((s) => stemMatches(token, s, STEM_EXCEPTIONS))) negated ? neg++ : pos++;
    else if (NEGATIVE.some((s) => stemMatches(token, s, STEM_EXCEPTIONS))) negated ? pos++ : neg++;
  });
  return { pos, neg };
};

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SHOP_PATTERNS: ReadonlyArray<[string, RegExp]> = OTHER_SHOPS.map((shop) => [
  shop,
  new RegExp(`(^|[^\\p{L}])${escapeRegex(shop)}([^\\p{L}]|$)`, 'u'),
]);

/** Claims the store can't match: products of a family it doesn't sell, other shops, broken baseline facts. */
const contextMismatches = (sentence: string, tokens: readonly string[], store: Analysis['store']): string[] => {
  const reasons: string[] = [];
  const lower = sentence.toLowerCase();
  const own = (store.name ?? '').toLowerCase();
  for (const [shop, re] of SHOP_PATTERNS) {
    if (re.test(lower) && !own.includes(shop)) reasons.push(`nämner en annan butik (${shop})`);
  }
  const facts = store.facts.join(' ').toLowerCase();
  const sellsNoFood = store.kind === 'hardware' || /(säljer )?ingen mat|inga livsmedel|no food/.test(facts);
  const families: Array<keyof typeof PRODUCTS> = ['electronics', 'clothes'];
  if (sellsNoFood) families.push('food');
  if (store.kind === 'grocery') families.push('hardware');
  for (const family of families) {
    const hits = tokens.filter((t) => PRODUCTS[family].some((p) => stemMatches(t, p, STEM_EXCEPTIONS)));
    if (hits.length) reasons.push(`produkter butiken inte säljer (${unique(hits).join(', ')})`);
  }
  if (/ingen (manuell )?fiskdisk/.test(facts) && /fiskdisk/.test(lower)) reasons.push('fiskdisk finns inte enligt butikens fakta');
  if (/ingen hemleverans|levererar inte/.test(facts) && /levererade|hemleverans|hemkörning|körde hem/.test(lower)) {
    reasons.push('hemleverans finns inte enligt butikens fakta');
  }
  if (/söndag[^.;]*stängt|stängt[^.;]*söndag/.test(facts) && /i söndags|på söndagen/.test(lower)) {
    reasons.push('butiken har stängt på söndagar');
  }
  return reasons;
};

/** Phrases that are negative without a negative word ("stod i kö i tjugo minuter"). */
const NEGATIVE_CUES = [/gått ut|bäst före/i, /stod i kö|lång kö|kön var lång/i, /bara en kassa/i, /väntade (länge|i över|över)/i, /ingen (hjälp|personal)/i];

/** Scores stay inside [0.02, 0.97]: the heuristics are never certain. */
const score = (n: number): number => round2(Math.min(0.97, Math.max(0.02, n)));

/** The first customer line answers the consent question ("Ja, det går bra."): it is not feedback. */
const CONSENT_ANSWER = /^(ja|japp|jo|nej|visst|okej|ok|absolut|självklart|yes|sure|no)\b/i;
const contentLines = (lines: readonly string[]): string[] => {
  const [first, ...rest] = lines;
  if (first !== undefined && CONSENT_ANSWER.test(first.trim()) && words(first).length <= 8) return rest;
  return [...lines];
};

export const analyze = (conv: Pick<Conversation, 'customerLines' | 'items' | 'store'>, focus?: string): Analysis => {
  const known = conv.store.departments.length ? conv.store.departments : DEFAULT_DEPARTMENTS;
  const store = { ...conv.store, kind: storeKind(conv.store), departmentsKnown: known };
  const allItems = conv.customerLines.length ? contentLines(conv.customerLines) : conv.items;
  let allSentences = sentences(allItems.join('\n'));
  if (focus) {
    const stems = departmentStems(focus);
    const focusWords = stems.length ? stems : words(focus);
    allSentences = allSentences.filter((s) => mentions(words(s), focusWords, STEM_EXCEPTIONS) > 0);
  }
  const text = allSentences.join(' ');
  const tokens = words(text);
  const sv = tokens.filter((t) => SV_WORDS.has(t) || /[åäö]/.test(t)).length;
  const en = tokens.filter((t) => EN_WORDS.has(t)).length;
  const svRatio = sv + en === 0 ? 0.5 : sv / (sv + en);

  const departments = known.filter((d) => mentions(tokens, departmentStems(d), STEM_EXCEPTIONS) > 0);
  const themes = THEMES.filter(([, stems]) => mentions(tokens, stems, STEM_EXCEPTIONS) > 0).map(([label]) => label);
  const productStems = Object.values(PRODUCTS).flat();
  const detailCount =
    tokens.filter((t) => /\d/.test(t)).length +
    mentions(tokens, NUMBER_WORDS) +
    mentions(tokens, TIME_WORDS) +
    mentions(tokens, MONEY_WORDS) +
    mentions(tokens, STAFF_WORDS) +
    unique(tokens.filter((t) => productStems.some((p) => stemMatches(t, p, STEM_EXCEPTIONS)))).length +
    departments.length;

  const positive: string[] = [];
  const negative: string[] = [];
  const specific: string[] = [];
  const fraudQuotes: string[] = [];
  const fraudReasons: string[] = [];
  const fraudFindings: string[] = [];
  let pos = 0;
  let neg = 0;
  let marketing = 0;
  let mismatches = 0;
  for (const labelled of allSentences) {
    // Summaries may carry our own labels ("Positivt: …", "Negativt: …"): they decide the polarity.
    const label = /^(positivt|negativt|positive|negative)\s*:\s*/i.exec(labelled);
    const sentence = label ? labelled.slice(label[0].length) : labelled;
    const st = words(sentence);
    const s = sentimentOf(st);
    const cues = NEGATIVE_CUES.filter((re) => re.test(sentence)).length;
    const polarity = label ? (/^pos/i.test(label[1] ?? '') ? 1 : -1) : s.pos - s.neg - cues;
    pos += s.pos;
    neg += s.neg + cues;
    if (polarity > 0) positive.push(sentence);
    else if (polarity < 0 || (s.neg + cues > 0 && s.pos === s.neg + cues)) negative.push(sentence);
    const anchored =
      mentions(st, known.flatMap(departmentStems), STEM_EXCEPTIONS) + mentions(st, productStems, STEM_EXCEPTIONS) + mentions(st, STAFF_WORDS) > 0;
    const quantified = st.some((t) => /\d/.test(t)) || mentions(st, [...NUMBER_WORDS, ...TIME_WORDS, ...MONEY_WORDS]) > 0;
    if (anchored && (quantified || s.pos + s.neg + cues > 0)) specific.push(sentence);
    const m = MARKETING.reduce((n, re) => n + (sentence.match(re)?.length ?? 0), 0);
    const reasons = contextMismatches(sentence, st, store);
    marketing += m;
    mismatches += reasons.length;
    const why = [...(m > 0 ? ['reklamliknande fraser utan konkreta detaljer'] : []), ...reasons];
    fraudReasons.push(...why);
    if (why.length > 0) {
      fraudQuotes.push(shorten(sentence));
      fraudFindings.push(`${why.join('; ')}: "${shorten(sentence)}"`);
    }
  }
  const wordCount = tokens.length;
  const detached = wordCount >= 20 && departments.length === 0 && detailCount < 3 ? 1 : 0;
  const fraud = clamp01(0.05 + 0.22 * Math.min(marketing, 3) + 0.35 * Math.min(mismatches, 2) + 0.15 * detached);
  const anchors = Math.min(1, (departments.length + specific.length) / 3);
  const legitimacy = clamp01((0.15 + 0.5 * svRatio + 0.15 * anchors + 0.2 * Math.min(1, wordCount / 40)) * (1.05 - fraud));
  // A script or an unrelated story is long but not deep: depth shrinks with the fraud signal.
  const depth = clamp01((0.55 * Math.min(1, wordCount / 120) + 0.45 * Math.min(1, detailCount / 10)) * (1 - 0.5 * (fraud - 0.05)));
  const usefulness = clamp01((0.65 * Math.min(1, specific.length / 6) + 0.35 * Math.min(1, detailCount / 10)) * (1 - 0.85 * (fraud - 0.05)));
  const sentimentScore = pos + neg === 0 ? 0 : (pos - neg) / (pos + neg);
  const sentiment =
    pos + neg === 0 ? 'neutral' : pos >= 2 && neg >= 2 && Math.abs(sentimentScore) < 0.34 ? 'mixed' : sentimentScore > 0.2 ? 'positive' : sentimentScore < -0.2 ? 'negative' : 'neutral';
  const first = (conv.customerLines[0] ?? '').toLowerCase();
  const consent = conv.customerLines.length === 0 ? null : /^(ja|japp|visst|absolut|okej|ok|yes|sure|självklart|kör)\b/.test(first.trim());
  const optOut = /ring inte|inte (bli )?uppringd|ta bort mitt nummer|ta bort mig|don't call/i.test(conv.customerLines.join(' '));
  return {
    text,
    items: conv.items,
    sentences: allSentences,
    store,
    wordCount,
    details: detailCount,
    specificSentences: specific,
    svRatio: round2(svRatio),
    language: svRatio >= 0.5 ? 'sv' : 'en',
    departments,
    themes,
    positive,
    negative,
    sentimentScore: round2(sentimentScore),
    sentiment,
    fraudQuotes: unique(fraudQuotes),
    fraudReasons: unique(fraudReasons),
    fraudFindings: unique(fraudFindings),
    consent,
    optOut,
    scores: {
      legitimacy: score(legitimacy),
      depth: score(depth),
      usefulness: score(usefulness),
      fraud: score(fraud),
      confidence: score(0.55 + 0.4 * Math.min(1, wordCount / 80)),
      overall: score((legitimacy + depth + usefulness) / 3),
    },
  };
};
