import { z } from 'zod';
import { AttemptOutcome, beforeYear9999, hasNoNul, NO_NUL, PG_INT_MAX, SessionStatus, Speaker, Timestamp } from './domain';

/** Field names follow the seed system's contracts (Vocilia step 5.1). */

export const CallPriority = z.enum(['low', 'normal', 'high']);
export type CallPriority = z.infer<typeof CallPriority>;

export const InitiateCallRequest = z.object({
  customer_verification_id: z.uuid(),
  phone_number: z.string().min(1).max(32),
  store_id: z.uuid(),
  priority: CallPriority.optional(),
});
export type InitiateCallRequest = z.infer<typeof InitiateCallRequest>;

export const InitiateCallResponse = z.object({
  call_session_id: z.uuid(),
  status: SessionStatus,
  estimated_call_time: z.iso.datetime().nullable(),
  retry_count: z.number().int(),
});
export type InitiateCallResponse = z.infer<typeof InitiateCallResponse>;

/** A `customer_verifications` row as the Supabase database webhook sends it. */
export const VerificationRecord = z.object({
  id: z.uuid(),
  store_id: z.uuid(),
  phone_number: z.string().min(1).max(32),
  /** SEK; `customer_verifications.transaction_amount` is numeric(12, 2). */
  transaction_amount: z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(Number).pipe(z.number().nonnegative().max(9_999_999_999.99)),
  transaction_time: Timestamp,
  verification_status: z.string().default('verified'),
  /** The call deadline is 48 h after it. */
  verified_at: Timestamp.refine(beforeYear9999, 'expected a time before the year 9999').nullish(),
});
export type VerificationRecord = z.infer<typeof VerificationRecord>;

export const VerificationWebhook = z.object({
  type: z.literal('INSERT'),
  table: z.literal('customer_verifications'),
  schema: z.string(),
  record: VerificationRecord,
  old_record: z.unknown().nullish(),
});
export type VerificationWebhook = z.infer<typeof VerificationWebhook>;

export const CallSessionParams = z.object({ call_session_id: z.uuid() });

export const CallAttempt = z.object({
  attempt_no: z.number().int(),
  outcome: AttemptOutcome.nullable(),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
  duration_seconds: z.number().int().nullable(),
  cost_sek: z.number().nullable(),
  failure_reason: z.string().nullable(),
});

export const CallQualityMetrics = z.object({
  webhook_p50_ms: z.number().nullable(),
  webhook_p99_ms: z.number().nullable(),
  webhook_max_ms: z.number().nullable(),
  answer_to_first_audio_ms: z.number().nullable(),
  stt_latencies_ms: z.array(z.number()),
  turns: z.number().int().nullable(),
  talk_time_seconds: z.number().nullable(),
});

export const CallStatusResponse = z.object({
  call_session_id: z.uuid(),
  status: SessionStatus,
  current_retry: z.number().int(),
  next_attempt_at: z.iso.datetime().nullable(),
  call_initiated_at: z.iso.datetime().nullable(),
  call_connected_at: z.iso.datetime().nullable(),
  call_ended_at: z.iso.datetime().nullable(),
  duration_seconds: z.number().int().nullable(),
  failure_reason: z.string().nullable(),
  attempts: z.array(CallAttempt),
  quality_metrics: CallQualityMetrics.nullable(),
});
export type CallStatusResponse = z.infer<typeof CallStatusResponse>;

export const TranscriptMessage = z.object({
  speaker: Speaker,
  content: z.string().max(10_000).refine(hasNoNul, NO_NUL),
  timestamp_ms: z.number().int().nonnegative().max(PG_INT_MAX),
  message_order: z.number().int().nonnegative().max(PG_INT_MAX),
  confidence_score: z.number().min(0).max(1).optional(),
  message_type: z.string().max(40).refine(hasNoNul, NO_NUL).optional(),
  language_detected: z.string().max(10).refine(hasNoNul, NO_NUL).optional(),
});
export type TranscriptMessage = z.infer<typeof TranscriptMessage>;

export const SubmitTranscriptRequest = z.object({
  messages: z.array(TranscriptMessage).min(1).max(500),
  total_duration_seconds: z.number().int().nonnegative().max(3600),
  openai_session_id: z.string().max(200).optional(),
});
export type SubmitTranscriptRequest = z.infer<typeof SubmitTranscriptRequest>;

export const SubmitTranscriptResponse = z.object({
  transcript_id: z.uuid(),
  analysis_queued: z.boolean(),
  estimated_analysis_completion: z.iso.datetime(),
});

export const TranscriptResponse = z.object({
  call_session_id: z.uuid(),
  messages: z.array(TranscriptMessage),
  total_duration_seconds: z.number().int().nullable(),
});

export const RetryResponse = z.object({
  call_session_id: z.uuid(),
  retry_number: z.number().int(),
  estimated_call_time: z.iso.datetime().nullable(),
});

export const CancelQuery = z.object({ erase: z.enum(['true', 'false']).optional() });
export const CancelResponse = z.object({
  call_session_id: z.uuid(),
  status: SessionStatus,
  erased: z.boolean(),
});

/** POST /api/ai/calls/erase: every call session of one customer, at every store. */
export const EraseCustomerRequest = z.object({
  phone_number: z.string().min(1).max(32).describe('The customer’s number: E.164 (+46701234567) or Swedish national form'),
});
export type EraseCustomerRequest = z.infer<typeof EraseCustomerRequest>;

export const EraseCustomerResponse = z.object({
  erased_sessions: z.number().int().describe('Call sessions of the number whose personal data was erased (0 when none is left)'),
  call_session_ids: z.array(z.uuid()),
  cancelled_calls: z.number().int().describe('Of those, sessions that were pending or in a call, now cancelled'),
  cleared_verifications: z.number().int().describe('Purchase verifications whose phone number was removed'),
  suppressed: z.boolean().describe('The number stays on the opt-out list (a keyed hash, never the number), so it is never called again'),
});
export type EraseCustomerResponse = z.infer<typeof EraseCustomerResponse>;
