import type { FraudCheckResult } from '@samtal/types';
import { normalizeText } from '../../conversation/understanding';
import { feedbackMessages, quote, round2, tokensOf } from '../text';
import { checkResult, indicator } from './indicators';

/**
 * `content`: is there real speech behind the answers? Judged on the customer's answers (the "ja"
 * to the recording notice excluded).
 *
 * | code | rule | weight |
 * |---|---|---|
 * | no_feedback | not one word of feedback | 0.40 |
 * | too_few_words | fewer than {@link MIN_FEEDBACK_WORDS} words in all answers | 0.30 |
 * | nonsense | ≥ 3 and ≥ 30 % of the words are gibberish (4+ letters without a vowel, or a letter 4× in a row) | 0.60 |
 * | repetitive_text | ≥ 20 words and one content word is ≥ 25 % of them, or under 25 % distinct words | 0.50 |
 * | repeated_answers | the same answer (≥ 5 words) given to two or more questions | 0.40 |
 *
 * Few words alone never make a call fraudulent (a terse customer just earns a low grade); they
 * count together with other signals.
 */

export const MIN_FEEDBACK_WORDS = 10;
const VOWELS = /[aeiouyåäöéü]/;
const RUN = /(\p{L})\1{3,}/u;
/** Function words left out of the "one word dominates" rule. */
const STOP = new Set(
  'och att det är en ett jag du vi ni de som på för med inte var har men så om till av den lite man kan i'.split(' '),
);

const isGibberish = (w: string): boolean => /^\p{L}+$/u.test(w) && ((w.length >= 4 && !VOWELS.test(w)) || RUN.test(w));

export function checkContent(messages: Parameters<typeof feedbackMessages>[0]): FraudCheckResult {
  const answers = feedbackMessages(messages);
  const words = answers.flatMap((m) => tokensOf(m.content));
  const n = words.length;
  const found = [];

  if (n === 0) {
    found.push(indicator('no_feedback', 0.4, 'kunden sa inget utöver samtycket', { customer_words: 0, answers: answers.length }));
  } else if (n < MIN_FEEDBACK_WORDS) {
    found.push(indicator('too_few_words', 0.3, `bara ${n} ord återkoppling`, { customer_words: n, minimum: MIN_FEEDBACK_WORDS }));
  }

  const gibberish = words.filter(isGibberish);
  if (gibberish.length >= 3 && gibberish.length / n >= 0.3) {
    found.push(
      indicator('nonsense', 0.6, 'en stor del av orden är inte ord', {
        gibberish_words: [...new Set(gibberish)].slice(0, 5),
        share: round2(gibberish.length / n),
      }),
    );
  }

  if (n >= 20) {
    const counts = new Map<string, number>();
    for (const w of words) if (!STOP.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const [top, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    const distinct = new Set(words).size / n;
    if (topCount / n >= 0.25) {
      found.push(indicator('repetitive_text', 0.5, `ordet "${top}" upprepas ${topCount} gånger`, { word: top, count: topCount, share: round2(topCount / n) }));
    } else if (distinct < 0.25) {
      found.push(indicator('repetitive_text', 0.5, 'nästan bara upprepade ord', { distinct_word_share: round2(distinct), words: n }));
    }
  }

  const seen = new Map<string, { text: string; times: number }>();
  for (const m of answers) {
    const key = normalizeText(m.content);
    if (key.split(' ').length < 5) continue;
    const entry = seen.get(key) ?? { text: m.content, times: 0 };
    entry.times++;
    seen.set(key, entry);
  }
  for (const { text, times } of seen.values()) {
    if (times >= 2) found.push(indicator('repeated_answers', 0.4, `samma svar gavs på ${times} frågor`, { quote: quote(text), times }));
  }

  return checkResult('content', found, {
    covered: true,
    clean: `Kunden svarade med ${n} ord i ${answers.length} svar utan tecken på nonsens eller upprepning.`,
  });
}
