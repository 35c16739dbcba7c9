import type postgres from 'postgres';
import type { Sql } from '../db/client';

/**
 * Where the personal data of a call session lives in Postgres: every column of every table a
 * session reaches, each either personal (deleted with its row, or blanked) or kept. The one list
 * erasure (erase.ts) and the retention purge (purge.repo.ts) both use; erase.test.ts checks it against
 * the live schema, so a migration that adds a column or a table fails the tests until it is placed.
 */

/** The pool, a reserved connection (the purge's) or a transaction (erasure's). */
export type Q = Sql | postgres.TransactionSql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;
/** What a personal column is set to when its row stays. */
type Blank = (sql: Q, column: string) => Fragment;

const NULL: Blank = (sql) => sql`null`;
const NO_ITEMS: Blank = (sql) => sql`'[]'::jsonb`;
const NO_FIELDS: Blank = (sql) => sql`'{}'::jsonb`;
/** Bookkeeping, not personal data: when the text went (kept if it went earlier). */
const FIRST_NOW: Blank = (sql, column) => sql`coalesce(${sql(column)}, now())`;
const NOW: Blank = (sql) => sql`now()`;

export type Place = {
  table: string;
  /** How a row belongs to a session: by `call_session_id`, the session row itself, or the session's verification. */
  link: 'call_session_id' | 'session' | 'verification';
  /** The row has its own `expires_at`: the purge removes it by that, before its session. */
  expires: boolean;
  /** Columns holding personal data, or text that can quote it (the model's output, an upstream error). */
  personal: readonly string[];
  /** Generated from personal columns; emptied with them. */
  derived?: readonly string[];
  /** Columns holding no personal data: ids, states, numbers, times, fixed codes. */
  kept: readonly string[];
  /**
   * Erasure: the row is deleted, or it stays with `blank` written over its personal columns (and
   * over bookkeeping columns such as `updated_at`); rows matching `deleteWhere` are deleted first.
   */
  erase: { delete: true; why: string } | { blank: Readonly<Record<string, Blank>>; deleteWhere?: (sql: Q) => Fragment; why: string };
};

/**
 * Every place, in the order both removals empty them: children first, then the session, then its
 * verification. Transcripts come first: a grade being saved holds them share-locked (analysis/save.ts),
 * so an erasure waits for that commit here and then blanks the grade it wrote.
 */
export const SESSION_PLACES = [
  {
    table: 'conversation_transcripts',
    link: 'call_session_id',
    expires: true,
    personal: ['content'],
    derived: ['search_vector'],
    kept: [
      'id', 'call_session_id', 'speaker', 'message_order', 'timestamp_ms', 'confidence_score', 'language_detected', 'message_type',
      'created_at', 'expires_at',
    ],
    erase: { delete: true, why: 'what the customer said' },
  },
  {
    table: 'transcript_signatures',
    link: 'call_session_id',
    expires: true,
    personal: ['minhash'],
    kept: ['id', 'call_session_id', 'words', 'created_at', 'expires_at'],
    erase: { delete: true, why: 'a MinHash of what the customer said (the near-duplicate check); it goes with the transcript' },
  },
  {
    table: 'fraud_detection_results',
    link: 'call_session_id',
    expires: true,
    personal: ['fraud_indicators', 'decision_reasoning'],
    kept: ['id', 'call_session_id', 'check_type', 'is_suspicious', 'confidence_level', 'risk_score', 'created_at', 'expires_at'],
    erase: { delete: true, why: 'evidence quotes the customer; the verdict stays in quality_assessments (is_fraudulent, fraud_score)' },
  },
  {
    table: 'call_quality_metrics',
    link: 'call_session_id',
    expires: true,
    personal: [],
    kept: [
      'id', 'call_session_id', 'webhook_latencies_ms', 'webhook_p50_ms', 'webhook_p99_ms', 'webhook_max_ms', 'answer_to_first_audio_ms',
      'stt_latencies_ms', 'tts_render_ms', 'turns', 'talk_time_seconds', 'connection_quality', 'created_at', 'expires_at',
      // 20261206000500: the transport, and the realtime leg's token usage and cost (no words, no number)
      'transport', 'realtime_usage', 'realtime_cost_sek',
    ],
    erase: { delete: true, why: 'timings of the conversation; they go with it' },
  },
  {
    table: 'quality_assessments',
    link: 'call_session_id',
    expires: true,
    personal: [
      'analysis_summary', 'themes', 'department_mentions', 'business_actionable_items', 'fraud_reasons', 'rejection_reason', 'analysis_metadata',
    ],
    derived: ['search_vector'],
    kept: [
      'id', 'call_session_id', 'legitimacy_score', 'depth_score', 'usefulness_score', 'overall_quality_score', 'reward_percentage',
      'qualifies_for_reward', 'is_fraudulent', 'fraud_score', 'sentiment', 'prompt_version', 'model', 'prompt_tokens', 'completion_tokens',
      'total_tokens', 'analysis_duration_ms', 'text_removed_at', 'created_at', 'updated_at', 'expires_at',
    ],
    erase: {
      blank: {
        analysis_summary: NULL,
        themes: NO_ITEMS,
        department_mentions: NO_ITEMS,
        business_actionable_items: NO_ITEMS,
        fraud_reasons: NO_ITEMS,
        rejection_reason: NULL,
        analysis_metadata: NO_FIELDS,
        // Marks the text gone: search, recommendations and the low-grade cleanup skip the row.
        text_removed_at: FIRST_NOW,
        updated_at: NOW,
      },
      why: 'the grade stays (scores, reward, fraud verdict, tokens) for metrics and reports; its text goes',
    },
  },
  {
    table: 'call_attempts',
    link: 'call_session_id',
    expires: true,
    personal: ['elks_call_id', 'failure_reason', 'create_error'],
    kept: [
      'id', 'call_session_id', 'attempt_no', 'outcome', 'elks_state', 'cost', 'scheduled_at', 'started_at', 'answered_at', 'ended_at',
      'duration_seconds', 'hangup_received_at', 'created_at', 'expires_at',
    ],
    erase: {
      blank: { elks_call_id: NULL, failure_reason: NULL, create_error: NULL },
      // An attempt 46elks has not reported ended may still be ringing or talking: a late create answer,
      // hang-up or history match would write its call id back into the row. Without the row, nothing can.
      deleteWhere: (sql) => sql`hangup_received_at is null`,
      why: 'outcome, cost and times stay for the answer rate and cost; the 46elks call id and error texts go',
    },
  },
  {
    table: 'analysis_runs',
    link: 'call_session_id',
    expires: false,
    personal: ['last_error'],
    kept: ['call_session_id', 'status', 'attempts', 'failure_kind', 'started_at', 'finished_at', 'created_at', 'updated_at'],
    erase: { blank: { last_error: NULL }, why: 'the error can quote the model’s output' },
  },
  {
    table: 'feedback_call_sessions',
    link: 'session',
    expires: true,
    personal: ['phone_number', 'phone_hash', 'failure_reason'],
    kept: [
      'id', 'customer_verification_id', 'store_id', 'session_status', 'priority', 'retry_count', 'max_attempts', 'next_attempt_at',
      'call_deadline_at', 'call_initiated_at', 'call_connected_at', 'call_ended_at', 'duration_seconds', 'consent_given',
      'language_detected', 'created_at', 'updated_at', 'expires_at',
    ],
    erase: {
      blank: { phone_number: NULL, phone_hash: NULL, failure_reason: NULL, updated_at: NOW },
      why: 'the session row stays, anonymous, for counts and the reward ledger’s link',
    },
  },
  {
    table: 'customer_verifications',
    link: 'verification',
    expires: true,
    personal: ['phone_number'],
    kept: ['id', 'store_id', 'transaction_amount', 'transaction_time', 'verification_status', 'verified_at', 'created_at', 'expires_at'],
    erase: {
      blank: { phone_number: NULL },
      why: 'the purchase stays (store, amount, time); a replayed verification event finds no number and is refused',
    },
  },
] as const satisfies readonly Place[];

export type SessionPlace = (typeof SESSION_PLACES)[number];
export type PlaceTable = SessionPlace['table'];
/** Children of a session, linked by `call_session_id`. */
export type ChildPlace = Extract<SessionPlace, { link: 'call_session_id' }>;

/**
 * Tables no session reaches, or that hold no personal data of one; erase.test.ts checks that every
 * table of the schema is here or in SESSION_PLACES.
 */
export const NOT_PERSONAL = {
  businesses: 'the store’s owner',
  business_users: 'the store’s users (Supabase Auth ids)',
  stores: 'the store',
  business_context_profiles: 'the store’s profile',
  weekly_analysis_reports: 'aggregates over many calls',
  rewards: 'the money ledger: amounts, states and operational reasons; the session link stays (the session is anonymous)',
  reward_ledger_events: 'the money ledger’s history',
  suppressed_phones: 'opt-outs as a keyed hash of the number: kept through any erasure, so an opt-out is never forgotten',
} as const;

/** `col = value, …` of a blanked row. */
export function blankSet(sql: Q, place: Place): Fragment {
  if (!('blank' in place.erase)) throw new Error(`${place.table} rows are deleted, not blanked`);
  const parts = Object.entries(place.erase.blank).map(([column, blank]) => sql`${sql(column)} = ${blank(sql, column)}`);
  return parts.slice(1).reduce((acc, part) => sql`${acc}, ${part}`, parts[0]!);
}

/** `(col is not null or …)`: the row still holds personal data. */
export function holdsPersonalData(sql: Q, place: Place): Fragment {
  const parts = place.personal.map((column) => sql`${sql(column)} is not null`);
  return sql`(${parts.slice(1).reduce((acc, part) => sql`${acc} or ${part}`, parts[0]!)})`;
}

// ── Redis ───────────────────────────────────────────────────────────────────────────────────────
