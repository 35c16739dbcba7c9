import type { FraudCheckResult, FraudIndicator } from '@samtal/types';
import { quote, round2, tokensOf } from '../text';
import { checkResult, indicator } from './indicators';
import { estimateJaccard, minhash } from './minhash';

/**
 * `pattern`: this call against others. The counts come from the database (analysis.repo.ts); the
 * rules are here, pure.
 *
 * | code | rule | weight |
 * |---|---|---|
 * | phone_many_verifications | the same number verified ≥ 4 purchases in {@link PATTERN_WINDOW_DAYS} days (≥ 6: 0.50) | 0.35 |
 * | phone_many_stores | the same number at ≥ 3 different stores in that window | 0.50 |
 * | near_duplicate_transcript | the answers share ≥ 50 % of their 3-word shingles (Jaccard) with another call at the store in the last {@link DUPLICATE_WINDOW_DAYS} days; weight 0.5 → 0.9 as similarity → 1 | 0.50–0.90 |
 *
 * The other calls are found by their stored MinHash signatures ({@link signatureOf}, computed when
 * a call is graded): those whose estimate comes near the threshold are compared exactly on their
 * text, so the similarity and the quoted passage are exact.
 *
 * Only answers of at least {@link MIN_SHINGLE_WORDS} words are compared: "Det var bra." is
 * everyone's answer and proves nothing. Evidence never holds the phone number, only counts.
 */

export const PATTERN_WINDOW_DAYS = 7;
export const DUPLICATE_WINDOW_DAYS = 30;
export const MIN_SHINGLE_WORDS = 20;
export const DUPLICATE_AT = 0.5;
const K = 3;

export type PhoneStats = { verifications: number; stores: number; windowDays: number };
export type OtherCall = { sessionId: string; text: string };
/** `sharedPassage` is quoted for the most similar call only (the one the evidence names); '' for the rest. */
export type Duplicate = { sessionId: string; similarity: number; sharedPassage: string };
/** What is stored of a graded call's answers (`transcript_signatures`): its word count and MinHash. */
export type Signature = { words: number; minhash: number[] | null };
export type SignedCall = { sessionId: string; words: number; minhash: ArrayLike<number> | null };

/**
 * A signature estimate this close to {@link DUPLICATE_AT} makes a call a candidate, compared
 * exactly on its text. 0.2 below the threshold is 4.5 standard errors of a 128-value MinHash at
 * J = 0.5: a real near-duplicate is missed about once in 300,000 comparisons.
 */
export const CANDIDATE_AT = DUPLICATE_AT - 0.2;

export function shingles(text: string, k = K): Set<string> {
  const words = tokensOf(text);
  const out = new Set<string>();
  for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(' '));
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The longest run of consecutive words of `text` whose shingles all occur in `other` (for the evidence). */
function sharedPassage(text: string, other: ReadonlySet<string>): string {
  const words = tokensOf(text);
  let best: [number, number] = [0, 0];
  let start = -1;
  for (let i = 0; i + K <= words.length + 1; i++) {
    const inOther = i + K <= words.length && other.has(words.slice(i, i + K).join(' '));
    if (inOther && start < 0) start = i;
    if (!inOther && start >= 0) {
      if (i - start > best[1] - best[0]) best = [start, i];
      start = -1;
    }
  }
  return best[1] > best[0] ? words.slice(best[0], best[1] + K - 1).join(' ') : '';
}

type Shingled = { words: number; set: ReadonlySet<string> };

/**
 * The texts compared exactly (the signature's candidates, and calls graded before signatures were
 * stored) do not change: their word counts and shingle sets are kept, keyed by the text itself,
 * for the most recently used {@link SHINGLE_CACHE_SIZE} texts (a few MB). A cache only: nothing
 * the check needs lives only here.
 */
export const SHINGLE_CACHE_SIZE = 2_000;
const shingleCache = new Map<string, Shingled>();

function shingled(text: string): Shingled {
  const hit = shingleCache.get(text);
  if (hit) {
    shingleCache.delete(text);
    shingleCache.set(text, hit);
    return hit;
  }
  const words = tokensOf(text).length;
  const value = { words, set: words < MIN_SHINGLE_WORDS ? new Set<string>() : shingles(text) };
  shingleCache.set(text, value);
  if (shingleCache.size > SHINGLE_CACHE_SIZE) shingleCache.delete(shingleCache.keys().next().value!);
  return value;
}

/** Other calls whose answers are near-duplicates of `text`, most similar first (ties: in the order given). */
export function findNearDuplicates(text: string, others: readonly OtherCall[], at = DUPLICATE_AT): Duplicate[] {
  if (tokensOf(text).length < MIN_SHINGLE_WORDS) return [];
  const mine = shingles(text);
  const found: Array<Duplicate & { set: ReadonlySet<string> }> = [];
  for (const other of others) {
    const { words, set: theirs } = shingled(other.text);
    if (words < MIN_SHINGLE_WORDS) continue;
    const similarity = jaccard(mine, theirs);
    if (similarity >= at) found.push({ sessionId: other.sessionId, similarity: round2(similarity), sharedPassage: '', set: theirs });
  }
  found.sort((a, b) => b.similarity - a.similarity);
  const top = found[0];
  // Only the top one is quoted (checkPattern): the passage search is the costly part of a comparison.
  if (top) top.sharedPassage = quote(sharedPassage(text, top.set));
  return found.map(({ set: _set, ...d }) => d);
}

/** What to store of a call's answers: the word count, and the MinHash when there are enough words to compare. */
export function signatureOf(text: string): Signature {
  const words = tokensOf(text).length;
  return { words, minhash: words < MIN_SHINGLE_WORDS ? null : minhash(shingles(text)) };
}

/**
 * The stored calls that may be near-duplicates of `mine` (estimate ≥ {@link CANDIDATE_AT}), in the
 * order given: only these are fetched and compared exactly ({@link findNearDuplicates}).
 */
export function duplicateCandidates(mine: Signature, others: readonly SignedCall[]): string[] {
  if (!mine.minhash) return [];
  const out: string[] = [];
  for (const o of others) if (o.minhash && o.words >= MIN_SHINGLE_WORDS && estimateJaccard(mine.minhash, o.minhash) >= CANDIDATE_AT) out.push(o.sessionId);
  return out;
}

export function checkPattern(phone: PhoneStats | null, duplicates: readonly Duplicate[], comparedWith: number): FraudCheckResult {
  const found: FraudIndicator[] = [];
  if (phone && phone.verifications >= 4) {
    found.push(
      indicator('phone_many_verifications', phone.verifications >= 6 ? 0.5 : 0.35, `samma telefonnummer har verifierat ${phone.verifications} köp på ${phone.windowDays} dagar`, {
        verifications: phone.verifications,
        window_days: phone.windowDays,
      }),
    );
  }
  if (phone && phone.stores >= 3) {
    found.push(
      indicator('phone_many_stores', 0.5, `samma telefonnummer har verifierat köp i ${phone.stores} butiker på ${phone.windowDays} dagar`, {
        stores: phone.stores,
        window_days: phone.windowDays,
      }),
    );
  }
  const top = duplicates[0];
  if (top) {
    found.push(
      indicator('near_duplicate_transcript', 0.5 + 0.4 * ((top.similarity - DUPLICATE_AT) / (1 - DUPLICATE_AT)), `svaren är till ${Math.round(top.similarity * 100)} % desamma som i ett annat samtal`, {
        other_call_session_id: top.sessionId,
        jaccard: top.similarity,
        shared_passage: top.sharedPassage,
        duplicates: duplicates.length,
      }),
    );
  }
  return checkResult('pattern', found, {
    covered: phone !== null || comparedWith > 0,
    clean: `Inga upprepade mönster: numret ${phone ? `har ${phone.verifications} verifiering(ar) i ${phone.stores} butik(er)` : 'är okänt'}, svaren jämfördes med ${comparedWith} andra samtal.`,
  });
}
