import { z } from 'zod';
import { TranscriptMessage } from './calls';
import { FraudCheckType, Timestamp } from './domain';

/**
 * The internal analysis API (DESIGN §3: /api/ai/analysis/*). Scores are 0.00–1.00, rewards 0 or
 * 2.00–15.00 (seed contract, Vocilia step 5.1).
 */

const score = z.number().min(0).max(1);
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export const Weekday = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
export type Weekday = z.infer<typeof Weekday>;

/** `business_context_profiles.operating_hours`: per weekday open/close ("HH:MM"), null = closed. */
export const OperatingHours = z.partialRecord(
  Weekday,
  z.object({ open: z.string().regex(HHMM, 'expected HH:MM'), close: z.string().regex(HHMM, 'expected HH:MM') }).nullable(),
);
export type OperatingHours = z.infer<typeof OperatingHours>;

/** Store context of a dry run (what a context profile holds), plus the purchase if known. */
export const BusinessContext = z.object({
  store_name: z.string().max(200).optional(),
  departments: z.array(z.string().max(100)).max(50).default([]),
  baseline_facts: z.array(z.string().max(500)).max(50).default([]),
  operating_hours: OperatingHours.optional(),
  timezone: z.string().max(64).optional(),
  transaction_time: z.iso.datetime({ offset: true }).optional(),
  transaction_amount: z.number().nonnegative().max(1_000_000).optional(),
});
export type BusinessContext = z.infer<typeof BusinessContext>;

export const CallSessionRequest = z.object({ call_session_id: z.uuid() });
export type CallSessionRequest = z.infer<typeof CallSessionRequest>;

/** Either `{call_session_id}` (runs or returns the stored grade) or a transcript for a dry run. */
export const QualityRequest = z
  .object({
    call_session_id: z.uuid().optional(),
    messages: z.array(TranscriptMessage).min(1).max(500).optional(),
    business_context: BusinessContext.optional(),
    total_duration_seconds: z.number().nonnegative().max(3600).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.call_session_id && b.messages) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'send either call_session_id or messages, not both' });
    } else if (!b.call_session_id && !b.messages) {
      ctx.addIssue({ code: 'custom', path: ['call_session_id'], message: 'send call_session_id, or messages and business_context for a dry run' });
    } else if (b.messages && !b.business_context) {
      ctx.addIssue({ code: 'custom', path: ['business_context'], message: 'a dry run needs the store context' });
    }
  });
export type QualityRequest = z.infer<typeof QualityRequest>;

export const RejectionReason = z.enum(['fraud_suspected', 'no_consent', 'non_swedish', 'too_short', 'low_quality']);
export type RejectionReason = z.infer<typeof RejectionReason>;

export const Sentiment = z.enum(['positive', 'neutral', 'negative', 'mixed']);
export type Sentiment = z.infer<typeof Sentiment>;

/** One piece of evidence: a rule code, its weight (0–1) toward fraud, and what it rests on. */
export const FraudIndicator = z.object({
  code: z.string(),
  description: z.string(),
  weight: score,
  evidence: z.record(z.string(), z.unknown()),
});
export type FraudIndicator = z.infer<typeof FraudIndicator>;

export const FraudReason = FraudIndicator.extend({ check_type: FraudCheckType });
export type FraudReason = z.infer<typeof FraudReason>;

export const FraudCheckResult = z.object({
  check_type: FraudCheckType,
  is_suspicious: z.boolean(),
  /** Confidence in this check's own verdict (suspicious or clean). */
  confidence_level: score,
  /** The check's combined fraud signal (noisy-OR of its indicators' weights). */
  risk_score: score,
  fraud_indicators: z.array(FraudIndicator),
  decision_reasoning: z.string(),
});
export type FraudCheckResult = z.infer<typeof FraudCheckResult>;

export const QualityScores = z.object({
  legitimacy_score: score,
  depth_score: score,
  usefulness_score: score,
  overall_quality_score: score,
});

export const Assessment = z.object({
  assessment_id: z.uuid().nullable(),
  call_session_id: z.uuid().nullable(),
  dry_run: z.boolean(),
  scores: QualityScores,
  reward_percentage: z.number().min(0).max(15),
  /** Purchase amount × percentage in SEK (öre precision); null when the amount is unknown. */
  reward_amount_sek: z.number().nonnegative().nullable(),
  qualifies_for_reward: z.boolean(),
  rejection_reason: RejectionReason.nullable(),
  is_fraudulent: z.boolean(),
  fraud_score: score,
  fraud_reasons: z.array(FraudReason),
  /** Null once cleanup-low-grade has removed the text. */
  analysis_summary: z.string().nullable(),
  sentiment: Sentiment.nullable(),
  themes: z.array(z.string()),
  department_mentions: z.array(z.string()),
  business_actionable_items: z.array(z.string()),
  analysis_metadata: z.record(z.string(), z.unknown()),
  created_at: z.iso.datetime().nullable(),
});
export type Assessment = z.infer<typeof Assessment>;

export const FraudDetectionRequest = z.object({
  call_session_id: z.uuid(),
  check_types: z.array(FraudCheckType).min(1).max(5).optional(),
});
export type FraudDetectionRequest = z.infer<typeof FraudDetectionRequest>;

export const FraudDetectionResponse = z.object({
  call_session_id: z.uuid(),
  checks: z.array(FraudCheckResult),
  is_fraudulent: z.boolean(),
  fraud_score: score,
  fraud_reasons: z.array(FraudReason),
});
export type FraudDetectionResponse = z.infer<typeof FraudDetectionResponse>;

export const SummarizeResponse = z.object({
  call_session_id: z.uuid(),
  summary: z.string().nullable(),
  themes: z.array(z.string()),
  sentiment: Sentiment.nullable(),
  department_mentions: z.array(z.string()),
  business_actionable_items: z.array(z.string()),
  text_removed: z.boolean(),
});
export type SummarizeResponse = z.infer<typeof SummarizeResponse>;

export const CleanupRequest = z.object({
  /** Usefulness below which the text goes (default USEFULNESS_CLEANUP_THRESHOLD). */
  quality_threshold: score.optional(),
  /** Only grades at least this old (default CLEANUP_GRACE_DAYS). */
  grace_days: z.number().nonnegative().max(3650).optional(),
  dry_run: z.boolean().optional(),
});
export type CleanupRequest = z.infer<typeof CleanupRequest>;

export const CleanupResponse = z.object({
  deleted_count: z.number().int(),
  preserved_count: z.number().int(),
  messages_deleted: z.number().int(),
  execution_time_ms: z.number(),
  dry_run: z.boolean(),
  quality_threshold: score,
  grace_days: z.number(),
});
export type CleanupResponse = z.infer<typeof CleanupResponse>;

export const MetricsQuery = z.object({
  store_id: z.uuid().optional(),
  since: Timestamp.optional(),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

const Bucket = z.object({ range: z.string(), count: z.number().int() });
const Percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });

export const MetricsResponse = z.object({
  calls: z.object({
    total: z.number().int(),
    by_status: z.record(z.string(), z.number().int()),
    answer_rate: z.number().nullable(),
    completion_rate: z.number().nullable(),
  }),
  quality: z.object({
    graded: z.number().int(),
    mean_overall: z.number().nullable(),
    distribution: z.array(Bucket),
  }),
  rewards: z.object({
    qualifying: z.number().int(),
    qualification_rate: z.number().nullable(),
    mean_percentage: z.number().nullable(),
    distribution: z.array(Bucket),
    rejection_reasons: z.record(z.string(), z.number().int()),
    ledger: z.record(z.string(), z.object({ count: z.number().int(), amount_sek: z.number() })),
  }),
  fraud: z.object({ flagged: z.number().int(), rate: z.number().nullable(), by_check: z.record(z.string(), z.number().int()) }),
  tokens: z.array(
    z.object({
      model: z.string(),
      analyses: z.number().int(),
      prompt_tokens: z.number().int(),
      completion_tokens: z.number().int(),
      total_tokens: z.number().int(),
      estimated_cost_usd: z.number().nullable(),
    }),
  ),
  latency_ms: z.object({ analysis: Percentiles, call_end_to_grade: Percentiles }),
  analysis_runs: z.record(z.string(), z.number().int()),
  queue: z.object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int() }),
  generated_at: z.iso.datetime(),
});
export type MetricsResponse = z.infer<typeof MetricsResponse>;
