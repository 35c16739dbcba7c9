import type { Assessment, FraudCheckResult, FraudCheckType, FraudIndicator, FraudReason, RejectionReason, Sentiment } from '@samtal/types';
import type { AssessmentRow, FraudRow } from './analysis.repo';
import type { Assessed } from './assess';

/** Stored rows and fresh assessments → the API's shapes (packages/types/src/analysis.ts). */

const num = (v: string | number | null): number => (v === null ? 0 : Number(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function presentRow(row: AssessmentRow): Assessment {
  return {
    assessment_id: row.id,
    call_session_id: row.call_session_id,
    dry_run: false,
    scores: {
      legitimacy_score: num(row.legitimacy_score),
      depth_score: num(row.depth_score),
      usefulness_score: num(row.usefulness_score),
      overall_quality_score: num(row.overall_quality_score),
    },
    reward_percentage: num(row.reward_percentage),
    reward_amount_sek: row.reward_amount_sek === null ? (row.qualifies_for_reward ? null : 0) : Number(row.reward_amount_sek),
    qualifies_for_reward: row.qualifies_for_reward,
    rejection_reason: row.rejection_reason as RejectionReason | null,
    is_fraudulent: row.is_fraudulent,
    fraud_score: num(row.fraud_score),
    fraud_reasons: (Array.isArray(row.fraud_reasons) ? row.fraud_reasons : []) as FraudReason[],
    analysis_summary: row.analysis_summary,
    sentiment: row.sentiment as Sentiment | null,
    themes: strings(row.themes),
    department_mentions: strings(row.department_mentions),
    business_actionable_items: strings(row.business_actionable_items),
    analysis_metadata: { ...row.analysis_metadata, text_removed_at: row.text_removed_at?.toISOString() ?? null },
    created_at: row.created_at.toISOString(),
  };
}

/** A dry run's assessment: nothing stored, so no ids. */
export function presentDryRun(a: Assessed): Assessment {
  return {
    assessment_id: null,
    call_session_id: null,
    dry_run: true,
    scores: a.scores,
    reward_percentage: a.reward.percentage,
    reward_amount_sek: a.amountSek,
    qualifies_for_reward: a.reward.qualifies,
    rejection_reason: a.reward.rejection_reason,
    is_fraudulent: a.verdict.is_fraudulent,
    fraud_score: a.verdict.fraud_score,
    fraud_reasons: a.verdict.fraud_reasons,
    analysis_summary: a.grade.summary,
    sentiment: a.grade.sentiment,
    themes: a.grade.themes,
    department_mentions: a.grade.department_mentions,
    business_actionable_items: a.grade.actionable_items,
    analysis_metadata: { ...a.metadata, checks: a.checks },
    created_at: null,
  };
}

export const presentFraudRow = (r: FraudRow): FraudCheckResult => ({
  check_type: r.check_type as FraudCheckType,
  is_suspicious: r.is_suspicious,
  confidence_level: num(r.confidence_level),
  risk_score: num(r.risk_score),
  fraud_indicators: (Array.isArray(r.fraud_indicators) ? r.fraud_indicators : []) as FraudIndicator[],
  decision_reasoning: r.decision_reasoning ?? '',
});
