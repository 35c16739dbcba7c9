import type { FraudCheckResult, FraudCheckType, FraudIndicator, FraudReason } from '@samtal/types';
import { clamp01, round2 } from '../text';

/**
 * How fraud signals combine. Every rule that fires yields an indicator with a weight in 0–1 (its
 * own odds of meaning fraud) and the evidence it rests on. A check's risk is the noisy-OR of its
 * indicators' weights, 1 − Π(1 − wᵢ): independent signals add up, none alone exceeds its weight.
 *
 * - A check is suspicious at risk ≥ {@link SUSPICIOUS_AT}.
 * - The call is fraudulent when any check (the model's verdict is one) is suspicious, or when the
 *   noisy-OR of all checks' risks reaches {@link COMBINED_FRAUD_AT} — several weak signals together.
 */
export const SUSPICIOUS_AT = 0.5;
export const COMBINED_FRAUD_AT = 0.7;

export const noisyOr = (weights: readonly number[]): number => 1 - weights.reduce((p, w) => p * (1 - clamp01(w)), 1);

export const indicator = (code: string, weight: number, description: string, evidence: Record<string, unknown>): FraudIndicator => ({
  code,
  description,
  weight: round2(clamp01(weight)),
  evidence,
});

/**
 * A check's row. `covered` says whether the check had the data to judge at all (e.g. opening
 * hours for that weekday); a clean verdict without data has confidence 0.5, not 1.
 */
export function checkResult(
  checkType: FraudCheckType,
  indicators: FraudIndicator[],
  opts: { covered: boolean; clean: string; risk?: number },
): FraudCheckResult {
  const sorted = [...indicators].sort((a, b) => b.weight - a.weight);
  const risk = round2(clamp01(opts.risk ?? noisyOr(sorted.map((i) => i.weight))));
  const suspicious = risk >= SUSPICIOUS_AT;
  const confidence = suspicious ? risk : opts.covered ? round2(1 - risk) : 0.5;
  const reasoning =
    sorted.length === 0
      ? opts.clean
      : `${suspicious ? 'Misstänkt' : 'Inte misstänkt'} (risk ${risk.toFixed(2)}): ${sorted.map((i) => i.description).join('; ')}.`;
  return {
    check_type: checkType,
    is_suspicious: suspicious,
    confidence_level: confidence,
    risk_score: risk,
    fraud_indicators: sorted,
    decision_reasoning: reasoning,
  };
}

export type Verdict = { is_fraudulent: boolean; fraud_score: number; fraud_reasons: FraudReason[] };

/** The call's verdict from every check; the reasons are listed only when it is fraudulent. */
export function combineChecks(checks: readonly FraudCheckResult[]): Verdict {
  const score = round2(noisyOr(checks.map((c) => c.risk_score)));
  const fraudulent = checks.some((c) => c.is_suspicious) || score >= COMBINED_FRAUD_AT;
  const reasons = fraudulent
    ? checks
        .flatMap((c) => c.fraud_indicators.map((i): FraudReason => ({ ...i, check_type: c.check_type })))
        .sort((a, b) => b.weight - a.weight)
    : [];
  return { is_fraudulent: fraudulent, fraud_score: score, fraud_reasons: reasons };
}
