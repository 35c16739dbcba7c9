import type { RejectionReason } from '@samtal/types';

/**
 * The reward, computed here and never by the model (DESIGN §4). Pure functions, property-tested.
 *
 * Overall quality = 0.25·legitimacy + 0.35·depth + 0.40·usefulness, on scores rounded to 0.01 and
 * computed in integer hundredths so it is exactly reproducible. Usefulness weighs most (what the
 * store can act on), then depth; legitimacy mostly gates through the fraud checks.
 *
 * Eligible calls (consent, no fraud, Swedish, at least MIN_CONVERSATION_SECONDS, quality ≥ T):
 *
 *     percentage = 2.00 + 13.00 · (q − T) / (1 − T)     rounded to 0.01, q and T in hundredths
 *
 * so quality T earns 2.00 %, quality 1.00 earns 15.00 %, linear in between (monotonic: rounding
 * never reverses order). Ineligible → 0 with `qualifies_for_reward = false` and a reason.
 * Reward in SEK = purchase amount × percentage, rounded half up to whole öre.
 */

export const QUALITY_WEIGHTS = { legitimacy: 25, depth: 35, usefulness: 40 } as const; // percent, sum 100
export const MIN_REWARD_PERCENT = 2;
export const MAX_REWARD_PERCENT = 15;
export const REWARD_FORMULA_VERSION = 'reward-v1';

export type SubScores = { legitimacy: number; depth: number; usefulness: number };

/** 0.00–1.00 → integer hundredths 0–100 (scores are stored with two decimals). */
export const toHundredths = (x: number): number => Math.min(100, Math.max(0, Math.round(x * 100)));

export function overallQuality(s: SubScores): number {
  const w = QUALITY_WEIGHTS;
  const sum = w.legitimacy * toHundredths(s.legitimacy) + w.depth * toHundredths(s.depth) + w.usefulness * toHundredths(s.usefulness);
  return Math.round(sum / 100) / 100;
}

/** The percentage for a quality at or above the threshold, 0 below it. Both used at 0.01 precision. */
export function rewardPercentage(quality: number, threshold: number): number {
  const q = toHundredths(quality);
  const t = Math.min(99, toHundredths(threshold));
  if (q < t) return 0;
  const hundredths = MIN_REWARD_PERCENT * 100 + Math.round(((MAX_REWARD_PERCENT - MIN_REWARD_PERCENT) * 100 * (q - t)) / (100 - t));
  return hundredths / 100;
}

/** Purchase × percentage in SEK, rounded half up to öre (integer arithmetic in öre × hundredths). */
export function rewardAmountSek(purchaseSek: number, percentage: number): number {
  const ore = Math.round(purchaseSek * 100);
  const pctHundredths = Math.round(percentage * 100);
  return Math.round((ore * pctHundredths) / 10_000) / 100;
}

export type Eligibility = {
  consent: boolean;
  swedish: boolean;
  /** Seconds of conversation audio; null when unknown (counts as too short). */
  conversationSeconds: number | null;
  minSeconds: number;
  fraudulent: boolean;
  quality: number;
  threshold: number;
};

export type RewardDecision = {
  qualifies: boolean;
  percentage: number;
  rejection_reason: RejectionReason | null;
  /** Every reason that applies, most serious first (the first is `rejection_reason`). */
  rejection_reasons: RejectionReason[];
};

export function decideReward(e: Eligibility): RewardDecision {
  const reasons: RejectionReason[] = [];
  if (e.fraudulent) reasons.push('fraud_suspected');
  if (!e.consent) reasons.push('no_consent');
  if (!e.swedish) reasons.push('non_swedish');
  if (e.conversationSeconds === null || e.conversationSeconds < e.minSeconds) reasons.push('too_short');
  const percentage = rewardPercentage(e.quality, e.threshold);
  if (percentage === 0) reasons.push('low_quality');
  const qualifies = reasons.length === 0;
  return { qualifies, percentage: qualifies ? percentage : 0, rejection_reason: reasons[0] ?? null, rejection_reasons: reasons };
}
