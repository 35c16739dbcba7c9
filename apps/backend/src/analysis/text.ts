import { scrubForBusiness } from '../observability/mask';
import { normalizeText } from '../conversation/understanding';

/** Text helpers shared by grading and the deterministic fraud checks. Pure, no I/O. */

export type Message = {
  speaker: 'ai' | 'customer';
  content: string;
  message_order: number;
  timestamp_ms: number;
  message_type: string | null;
};

export const round2 = (n: number): number => Math.round(n * 100) / 100;
export const clamp01 = (n: number): number => Math.min(1, Math.max(0, Number.isFinite(n) ? n : 0));

export const customerMessages = (messages: readonly Message[]): Message[] =>
  [...messages].sort((a, b) => a.message_order - b.message_order).filter((m) => m.speaker === 'customer');

/** The customer's answers to the questions: every customer message but the answer to the consent question. */
export const feedbackMessages = (messages: readonly Message[]): Message[] =>
  customerMessages(messages).filter((m) => m.message_type !== 'consent');

export const feedbackText = (messages: readonly Message[]): string =>
  feedbackMessages(messages).map((m) => m.content.trim()).filter(Boolean).join('\n');

/** Normalised words ({@link normalizeText}): lowercase, NFC, no punctuation. */
export const tokensOf = (text: string): string[] => {
  const norm = normalizeText(text);
  return norm === '' ? [] : norm.split(' ');
};

/** Sentences of free speech, split on . ! ? and line breaks. */
export const sentencesOf = (text: string): string[] =>
  text
    .split(/(?<=[.!?…])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const INFLECTIONS = ['', 'n', 'en', 'et', 't', 'a', 'ar', 'er', 'or', 'na', 'arna', 'erna', 'orna', 'rna', 's', 'ens', 'ets'];

/**
 * Does a word name the stem? Exact or inflected ("ost" ~ "osten"), a prefix for stems of five
 * letters or more ("verktyg" ~ "verktygsavdelningen"), and a compound head for stems of four or
 * more ("färg" ~ "takfärgen"). Short stems need the inflection so "ost" never matches "kostade".
 */
export function stemMatches(word: string, stem: string): boolean {
  if (word === stem) return true;
  if (word.startsWith(stem) && INFLECTIONS.includes(word.slice(stem.length))) return true;
  if (stem.length >= 5 && word.startsWith(stem)) return true;
  if (stem.length >= 4) {
    for (const suffix of INFLECTIONS) {
      if (word.length > stem.length + suffix.length + 2 && word.endsWith(stem + suffix)) return true;
    }
  }
  return false;
}

/** The first sentence of `text` with a word matching one of `stems`, and the words that matched. */
export function findMention(text: string, stems: readonly string[]): { quote: string; matched: string[] } | null {
  for (const sentence of sentencesOf(text)) {
    const matched = tokensOf(sentence).filter((w) => stems.some((s) => stemMatches(w, s)));
    if (matched.length > 0) return { quote: quote(sentence), matched: [...new Set(matched)] };
  }
  return null;
}

/** Every distinct word of `text` matching one of `stems`. */
export const mentionsOf = (text: string, stems: readonly string[]): string[] => [
  ...new Set(tokensOf(text).filter((w) => stems.some((s) => stemMatches(w, s)))),
];

/** A quote for evidence: the customer's words, phone numbers removed, at most `max` characters. */
export function quote(text: string, max = 200): string {
  const clean = redactPhones(text.replace(/\s+/g, ' ').trim());
  return clean.length > max ? `${clean.slice(0, max - 1).trimEnd()}…` : clean;
}

/**
 * Business-facing and stored text never carries a phone number, in any form the business scrubber
 * knows (dots, dashes, parentheses, full-width digits, %2B…): each becomes "[telefonnummer]".
 */
export function redactPhones(text: string): string {
  return scrubForBusiness(text);
}

/** Is `fragment` (a quote the model gave) really in `text`? Compared on normalised words. */
export function containsQuote(text: string, fragment: string): boolean {
  const needle = normalizeText(fragment.replace(/…$/, ''));
  return needle.length > 0 && normalizeText(text).includes(needle);
}
