import type { Analysis } from './analyze';
import { RECOMMENDATIONS, STEM_EXCEPTIONS, THEMES } from './lexicon';
import { mentions, shorten, unique, words } from './text';

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const listSv = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} och ${items[items.length - 1]}`;

const withStop = (s: string): string => (/[.!?…]$/.test(s) ? s : `${s}.`);

export const themesOf = (sentence: string): string[] => {
  const tokens = words(sentence);
  return THEMES.filter(([, stems]) => mentions(tokens, stems, STEM_EXCEPTIONS) > 0).map(([label]) => label);
};

/** 1–3 Swedish sentences built from the customer's own words. */
export const summaryOf = (a: Analysis): string => {
  if (a.wordCount === 0) return 'Kunden lämnade ingen återkoppling.';
  if (a.wordCount < 8) return `Kunden gav bara ett mycket kort svar: "${shorten(a.text, 80)}".`;
  const parts: string[] = [];
  if (a.language === 'en') parts.push('Kunden svarade på engelska.');
  if (a.scores.fraud >= 0.5) parts.push('Svaret saknar koppling till butiken och liknar ett inövat eller orelaterat manus.');
  else if (a.departments.length) parts.push(`Kunden tar upp ${listSv(a.departments.slice(0, 3))}.`);
  const best = (list: readonly string[]): string | undefined => list.find((s) => a.specificSentences.includes(s)) ?? list[0];
  const pos = best(a.positive);
  const neg = best(a.negative);
  if (pos) parts.push(`Positivt: ${withStop(shorten(pos, 140))}`);
  if (neg) parts.push(`Negativt: ${withStop(shorten(neg, 140))}`);
  if (parts.length === 0) parts.push(`Kunden säger: "${shorten(a.text, 140)}"`);
  return parts.slice(0, 3).join(' ');
};

/** Actionable Swedish recommendations from the negative sentences' themes (and departments). */
export const recommendationsOf = (a: Analysis): string[] => {
  if (a.scores.fraud >= 0.5) return [];
  const out: string[] = [];
  for (const sentence of a.negative) {
    for (const theme of themesOf(sentence)) {
      const rec = RECOMMENDATIONS[theme];
      if (rec) out.push(rec);
    }
    if (themesOf(sentence).length === 0) out.push(`Åtgärda: ${withStop(shorten(sentence, 120))}`);
  }
  const praised = a.positive.find((s) => a.specificSentences.includes(s));
  if (out.length === 0 && praised) {
    const theme = themesOf(praised)[0];
    out.push(theme ? `Fortsätt med det som fungerar: ${theme}.` : 'Fortsätt med det kunderna uppskattar.');
  }
  return unique(out);
};

const trendLines = (sentences: readonly string[]): string[] =>
  unique(
    sentences.map((s) => {
      const theme = themesOf(s)[0];
      return theme ? `${capitalize(theme)}: ${withStop(shorten(s, 110))}` : withStop(shorten(s, 130));
    }),
  );

export const positivesOf = (a: Analysis): string[] => (a.scores.fraud >= 0.5 ? [] : trendLines(a.positive));
export const negativesOf = (a: Analysis): string[] => (a.scores.fraud >= 0.5 ? [] : trendLines(a.negative));

/** The customer's most informative sentences, verbatim. */
export const keyQuotesOf = (a: Analysis): string[] =>
  unique([...a.specificSentences, ...a.sentences].map((s) => shorten(s, 200))).slice(0, 5);

export const reasoningOf = (a: Analysis): string => {
  const parts = [`Kundens svar har ${a.wordCount} ord och ${a.details} konkreta detaljer`];
  if (a.departments.length) parts.push(`nämner ${listSv(a.departments.slice(0, 4))}`);
  parts.push(`${a.specificSentences.length} specifika iakttagelser`);
  const first = `${parts.join(', ')}.`;
  const lang = a.language === 'sv' ? '' : ' Svaret är inte på svenska.';
  const fraud = a.scores.fraud >= 0.5 ? ` Tecken på fusk: ${a.fraudReasons.join('; ')}.` : ' Inga tydliga tecken på fusk.';
  return `${first}${lang}${fraud}`;
};

/** Why the call would not qualify, or null. */
export const rejectionOf = (a: Analysis): string | null => {
  if (a.scores.fraud >= 0.5) return 'fraud_suspected';
  if (a.consent === false) return 'no_consent';
  if (a.language !== 'sv') return 'non_swedish';
  if (a.wordCount < 20) return 'too_short';
  if (a.scores.overall < 0.4) return 'low_quality';
  return null;
};
