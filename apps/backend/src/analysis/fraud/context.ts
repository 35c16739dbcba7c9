import type { FraudCheckResult, FraudIndicator, OperatingHours } from '@samtal/types';
import { normalizeText } from '../../conversation/understanding';
import { feedbackText, findMention, mentionsOf, quote, sentencesOf, stemMatches, tokensOf } from '../text';
import { checkResult, indicator } from './indicators';
import { DEPARTMENT_FAMILY, FACT_EXPANSIONS, FAMILIES, FAMILY_LABEL, FAMILY_PRODUCTS, type Family, OTHER_SHOPS, SV_WEEKDAYS } from './lexicon';

/**
 * `context`: claims the store's own profile makes impossible ("the store should buy flying
 * elephants"). Judged on the customer's answers against `baseline_facts` and `departments`.
 *
 * | code | rule | weight |
 * |---|---|---|
 * | contradicts_baseline_fact | names what a fact denies ("ingen fiskdisk" ↔ "fiskdisken"; "inga livsmedel" ↔ any food) | 0.55 |
 * | product_not_sold | products of a family none of the store's departments sells: 1 product / 2 or more | 0.45 / 0.65 |
 * | visit_on_closed_day | "i söndags" at a store closed on Sundays (a fact or operating_hours null) | 0.40 |
 * | other_shop_named | another chain by name (often an honest comparison, so weak alone) | 0.30 |
 *
 * A store without families in its departments (or without facts) is not judged on that rule; a
 * word already counted by one rule is not counted again by another.
 */

export type StoreFacts = { name: string | null; departments: string[]; baselineFacts: string[]; operatingHours: OperatingHours | null };

const STOP = new Set('bara utan och men i på för till vid eller som alls mer längre heller några någon något'.split(' '));
const NEGATED = [
  /(?:^| )(?:ingen|inga|inget)((?: \p{L}+){1,4})/gu,
  /(?:^| )(?:säljer|erbjuder|har|tar) (?:inte|ej)((?: \p{L}+){1,4})/gu,
];
const DENIED_BEFORE = /(\p{L}+) (?:finns|erbjuds|säljs) (?:inte|ej)/gu;

/** The nouns a fact denies: the last word of each negated phrase ("ingen manuell fiskdisk, bara …" → fiskdisk). */
export function deniedNouns(fact: string): string[] {
  const norm = normalizeText(fact);
  const out: string[] = [];
  for (const re of NEGATED) {
    for (const m of norm.matchAll(re)) {
      const words = (m[1] ?? '').trim().split(' ');
      const stop = words.findIndex((w) => STOP.has(w));
      const phrase = stop === -1 ? words : words.slice(0, stop);
      const head = phrase.at(-1);
      if (head && head.length >= 3) out.push(head);
    }
  }
  for (const m of norm.matchAll(DENIED_BEFORE)) if (m[1] && !STOP.has(m[1])) out.push(m[1]);
  return [...new Set(out)];
}

const expand = (noun: string): readonly string[] => FACT_EXPANSIONS.find(([re]) => re.test(noun))?.[1] ?? [noun];

/** Weekdays the store is closed: `operating_hours` null, or a fact such as "Söndagar är butiken stängd". */
export function closedDays(store: StoreFacts): Array<{ day: string; source: string }> {
  const out = new Map<string, string>();
  for (const [en, sv] of SV_WEEKDAYS) {
    if (store.operatingHours && store.operatingHours[en as keyof OperatingHours] === null) out.set(sv, 'operating_hours');
    for (const fact of store.baselineFacts) {
      const norm = normalizeText(fact);
      if (/stäng/.test(norm) && new RegExp(`(?:^| )${sv}(?:ar|en|s)?(?= |$)`).test(norm)) out.set(sv, fact);
    }
  }
  return [...out].map(([day, source]) => ({ day, source }));
}

export function storeFamilies(departments: readonly string[]): Set<Family> {
  const families = new Set<Family>();
  for (const dept of departments) {
    const words = tokensOf(dept);
    for (const [family, stems] of DEPARTMENT_FAMILY) if (words.some((w) => stems.some((s) => stemMatches(w, s)))) families.add(family);
  }
  return families;
}

export function checkContext(messages: Parameters<typeof feedbackText>[0], store: StoreFacts): FraudCheckResult {
  const text = feedbackText(messages);
  const found: FraudIndicator[] = [];
  const counted = new Set<string>();

  for (const fact of store.baselineFacts) {
    for (const noun of deniedNouns(fact)) {
      const hit = findMention(text, expand(noun));
      if (!hit || hit.matched.every((w) => counted.has(w))) continue;
      const matched = mentionsOf(text, expand(noun));
      for (const w of matched) counted.add(w);
      found.push(
        indicator('contradicts_baseline_fact', 0.55, `kunden nämner ${matched.slice(0, 3).join(', ')} fast butiken uppger "${fact}"`, {
          fact,
          matched,
          quote: hit.quote,
        }),
      );
    }
  }

  const sells = storeFamilies(store.departments);
  if (sells.size > 0) {
    for (const family of FAMILIES.filter((f) => !sells.has(f))) {
      const matched = mentionsOf(text, FAMILY_PRODUCTS[family]).filter((w) => !counted.has(w));
      if (matched.length === 0) continue;
      for (const w of matched) counted.add(w);
      found.push(
        indicator('product_not_sold', matched.length >= 2 ? 0.65 : 0.45, `kunden nämner ${FAMILY_LABEL[family]} (${matched.slice(0, 4).join(', ')}) som butiken inte säljer`, {
          family,
          matched,
          quote: findMention(text, matched)?.quote ?? null,
          store_departments: store.departments,
        }),
      );
    }
  }

  const norm = normalizeText(text);
  for (const { day, source } of closedDays(store)) {
    const re = new RegExp(`(?:^| )(?:i ${day}s|(?:på|under|i) ${day}en)(?= |$)`);
    if (!re.test(norm)) continue;
    const sentence = sentencesOf(text).find((s) => re.test(normalizeText(s)));
    found.push(indicator('visit_on_closed_day', 0.4, `kunden säger sig ha handlat en ${day}, då butiken har stängt`, { day, source, quote: quote(sentence ?? '') }));
  }

  const own = normalizeText(store.name ?? '');
  for (const shop of OTHER_SHOPS) {
    if (own.includes(shop) || !new RegExp(`(?:^| )${shop}(?:s)?(?= |$)`).test(norm)) continue;
    const sentence = sentencesOf(text).find((s) => normalizeText(s).includes(shop));
    found.push(indicator('other_shop_named', 0.3, `kunden nämner en annan butik (${shop})`, { shop, quote: quote(sentence ?? '') }));
  }

  const judged = store.baselineFacts.length > 0 || sells.size > 0;
  return checkResult('context', found, {
    covered: judged,
    clean: judged
      ? 'Inget i svaren motsäger butikens avdelningar eller fakta.'
      : 'Butikens profil saknar avdelningar och fakta att jämföra med.',
  });
}
