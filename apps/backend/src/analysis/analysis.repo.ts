import { OperatingHours } from '@samtal/types';
import type postgres from 'postgres';
import type { Sql } from '../db/client';
import type { AnalysisInput } from './assess';
import type { FailureKind } from './grading';
import type { Message } from './text';

/** SQL of the analysis feature. Every function takes the pool or a transaction. */

export type Q = Sql | postgres.TransactionSql;

export type SessionFacts = {
  id: string;
  storeId: string;
  verificationId: string;
  status: string;
  expiresAt: Date;
  /** The session has a grade already (quality_assessments), as read with the facts. */
  graded: boolean;
  input: AnalysisInput;
};

type SessionRow = {
  id: string;
  store_id: string;
  customer_verification_id: string;
  session_status: string;
  consent_given: boolean | null;
  language_detected: string | null;
  duration_seconds: number | null;
  call_connected_at: Date | null;
  expires_at: Date;
  transaction_amount: string;
  transaction_time: Date;
  verified_at: Date | null;
  verification_created_at: Date;
  store_name: string;
  timezone: string;
  departments: unknown;
  baseline_facts: unknown;
  operating_hours: unknown;
  current_campaigns: unknown;
  talk_time_seconds: string | null;
  graded: boolean;
  messages: Message[];
};

/** Strings of a jsonb list; objects give their text/fact/name/description. */
const texts = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap((x) => {
        if (typeof x === 'string') return [x];
        const o = (x ?? {}) as Record<string, unknown>;
        const s = o.text ?? o.fact ?? o.name ?? o.description;
        return typeof s === 'string' ? [s] : [];
      })
    : [];

/**
 * The session with its verification, store profile, talk time, transcript and whether it has a
 * grade, in one statement (the transcript as JSON: its columns are text and integers, which JSON
 * gives back unchanged); null if unknown.
 */
export async function loadSessionFacts(sql: Q, sessionId: string): Promise<SessionFacts | null> {
  const [r] = await sql<SessionRow[]>`
    select s.id, s.store_id, s.customer_verification_id, s.session_status, s.consent_given, s.language_detected,
           s.duration_seconds, s.call_connected_at, s.expires_at,
           v.transaction_amount, v.transaction_time, v.verified_at, v.created_at as verification_created_at,
           st.name as store_name, st.timezone,
           p.departments, p.baseline_facts, p.operating_hours, p.current_campaigns, m.talk_time_seconds,
           exists (select 1 from quality_assessments q where q.call_session_id = s.id) as graded,
           coalesce((select json_agg(json_build_object('speaker', t.speaker, 'content', t.content, 'message_order', t.message_order,
                                                       'timestamp_ms', t.timestamp_ms, 'message_type', t.message_type)
                                     order by t.message_order)
                     from conversation_transcripts t where t.call_session_id = s.id), '[]') as messages
    from feedback_call_sessions s
    join customer_verifications v on v.id = s.customer_verification_id
    join stores st on st.id = s.store_id
    left join business_context_profiles p on p.store_id = s.store_id
    left join call_quality_metrics m on m.call_session_id = s.id
    where s.id = ${sessionId}`;
  if (!r) return null;
  const hours = OperatingHours.safeParse(r.operating_hours ?? {});
  const talk = r.talk_time_seconds === null ? null : Number(r.talk_time_seconds);
  return {
    id: r.id,
    storeId: r.store_id,
    verificationId: r.customer_verification_id,
    status: r.session_status,
    expiresAt: r.expires_at,
    graded: r.graded,
    input: {
      messages: r.messages,
      store: {
        name: r.store_name,
        departments: texts(r.departments),
        baselineFacts: texts(r.baseline_facts),
        operatingHours: hours.success ? hours.data : null,
        campaigns: Array.isArray(r.current_campaigns) ? r.current_campaigns : [],
        timezone: r.timezone,
      },
      consentGiven: r.consent_given,
      sessionLanguage: r.language_detected,
      conversationSeconds: talk ?? r.duration_seconds,
      conversationSecondsSource: talk !== null ? 'call_quality_metrics.talk_time_seconds' : 'feedback_call_sessions.duration_seconds',
      purchase: {
        amountSek: Number(r.transaction_amount),
        transactionTime: r.transaction_time,
        verifiedAt: r.verified_at ?? r.verification_created_at,
      },
      callConnectedAt: r.call_connected_at,
    },
  };
}

export type AssessmentRow = {
  id: string;
  call_session_id: string;
  legitimacy_score: string | null;
  depth_score: string | null;
  usefulness_score: string | null;
  overall_quality_score: string | null;
  reward_percentage: string;
  qualifies_for_reward: boolean;
  rejection_reason: string | null;
  is_fraudulent: boolean;
  fraud_score: string | null;
  fraud_reasons: unknown;
  analysis_summary: string | null;
  sentiment: string | null;
  themes: unknown;
  department_mentions: unknown;
  business_actionable_items: unknown;
  analysis_metadata: Record<string, unknown>;
  text_removed_at: Date | null;
  created_at: Date;
  reward_amount_sek: string | null;
};

export async function findAssessment(sql: Q, sessionId: string): Promise<AssessmentRow | null> {
  const [row] = await sql<AssessmentRow[]>`
    select q.*, r.amount_sek as reward_amount_sek
    from quality_assessments q left join rewards r on r.call_session_id = q.call_session_id
    where q.call_session_id = ${sessionId}`;
  return row ?? null;
}

export type FraudRow = {
  check_type: string;
  is_suspicious: boolean;
  confidence_level: string;
  risk_score: string | null;
  fraud_indicators: unknown;
  decision_reasoning: string | null;
};

export async function listFraudResults(sql: Q, sessionId: string): Promise<FraudRow[]> {
  return sql<FraudRow[]>`
    select check_type, is_suspicious, confidence_level, risk_score, fraud_indicators, decision_reasoning
    from fraud_detection_results where call_session_id = ${sessionId}
    order by array_position(array['timing','content','context','pattern','model'], check_type)`;
}

export type RunStatus = 'running' | 'retrying' | 'completed' | 'failed';

export async function findRun(sql: Q, sessionId: string) {
  const [row] = await sql<{ status: RunStatus; attempts: number; failure_kind: FailureKind | null; last_error: string | null }[]>`
    select status, attempts, failure_kind, last_error from analysis_runs where call_session_id = ${sessionId}`;
  return row ?? null;
}

export async function markRunning(sql: Q, sessionId: string): Promise<void> {
  await sql`
    insert into analysis_runs (call_session_id, status, attempts, started_at)
    values (${sessionId}, 'running', 1, now())
    on conflict (call_session_id) do update set
      status = 'running', attempts = analysis_runs.attempts + 1, started_at = now(), finished_at = null, updated_at = now()`;
}

export async function markFailed(sql: Q, sessionId: string, status: 'retrying' | 'failed', kind: FailureKind, error: string) {
  await sql`
    update analysis_runs set status = ${status}, failure_kind = ${kind}, last_error = ${error.slice(0, 1000)},
      finished_at = case when ${status} = 'failed' then now() else null end, updated_at = now()
    where call_session_id = ${sessionId} and status <> 'completed'`;
}

export async function markCompleted(sql: Q, sessionId: string): Promise<void> {
  await sql`
    insert into analysis_runs (call_session_id, status, attempts, started_at, finished_at)
    values (${sessionId}, 'completed', 1, now(), now())
    on conflict (call_session_id) do update set status = 'completed', failure_kind = null, last_error = null,
      finished_at = now(), updated_at = now()
    where analysis_runs.status <> 'completed'`;
}
