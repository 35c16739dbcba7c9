import type { Sql } from '../db/client';

/**
 * The purge's SQL. Every statement handles one batch and commits on its own (autocommit), so no
 * lock is held longer than one batch takes. Rows are picked oldest first through each table's
 * `expires_at` index, and `for update skip locked` leaves a row someone else is touching (an
 * erasure, a late write) to the next run instead of waiting on it.
 *
 * Picked rows are addressed by `ctid` (a TID scan) rather than by id (a second index probe per
 * row): 4× faster on transcripts. The row lock taken by the subquery keeps the tuple where it is
 * until the statement ends; a row updated concurrently has a new ctid invisible to the statement's
 * snapshot, so it is left for the next run, never a wrong row deleted.
 */

/** Children of a session that carry their own `expires_at`, in the order the purge empties them. */
export const CHILD_TABLES = [
  'conversation_transcripts',
  'fraud_detection_results',
  'call_quality_metrics',
  'quality_assessments',
  'call_attempts',
] as const;
export type ChildTable = (typeof CHILD_TABLES)[number];

/**
 * Every table the purge reports a count for, in the order it logs them. `analysis_runs` has no
 * `expires_at` (it holds no personal data) and goes with its session; `customer_verifications`
 * rows stay, only their phone number is removed.
 */
export const PURGE_TABLES = [...CHILD_TABLES, 'analysis_runs', 'feedback_call_sessions', 'customer_verifications'] as const;
export type PurgeTable = (typeof PURGE_TABLES)[number];

/** Deletes up to `limit` expired rows of one child table; returns how many went. */
export async function deleteExpiredChildren(sql: Sql, table: ChildTable, now: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from ${sql(table)} where ctid = any(array(
      select ctid from ${sql(table)} where expires_at < ${now}
      order by expires_at limit ${limit} for update skip locked))`;
  return result.count;
}

export type SessionBatch = { ids: string[]; counts: Record<Exclude<PurgeTable, 'customer_verifications'>, number> };

/**
 * Deletes up to `limit` expired sessions with whatever still hangs off them, in one statement.
 * The child tables were emptied of their expired rows just before, so normally only
 * `analysis_runs` has anything left here; a child that expires later than its session (its FK
 * cannot outlive the parent) is deleted here explicitly rather than by the cascade, so it is
 * counted. Rewards stay: `on delete set null` unlinks them.
 */
export async function deleteExpiredSessions(sql: Sql, now: Date, limit: number): Promise<SessionBatch> {
  const [row] = await sql<
    { ids: string[]; ct: number; fr: number; qm: number; qa: number; at: number; ar: number; s: number }[]
  >`
    with batch as (
      select id from feedback_call_sessions where expires_at < ${now}
      order by expires_at limit ${limit} for update skip locked
    ),
    ct as (delete from conversation_transcripts where call_session_id = any(array(select id from batch)) returning 1),
    fr as (delete from fraud_detection_results where call_session_id = any(array(select id from batch)) returning 1),
    qm as (delete from call_quality_metrics where call_session_id = any(array(select id from batch)) returning 1),
    qa as (delete from quality_assessments where call_session_id = any(array(select id from batch)) returning 1),
    at as (delete from call_attempts where call_session_id = any(array(select id from batch)) returning 1),
    ar as (delete from analysis_runs where call_session_id = any(array(select id from batch)) returning 1),
    s as (delete from feedback_call_sessions where id = any(array(select id from batch)) returning id)
    select (select coalesce(array_agg(id::text), '{}') from s) as ids,
           (select count(*)::int from ct) as ct, (select count(*)::int from fr) as fr,
           (select count(*)::int from qm) as qm, (select count(*)::int from qa) as qa,
           (select count(*)::int from at) as at, (select count(*)::int from ar) as ar,
           (select count(*)::int from s) as s`;
  const r = row!;
  return {
    ids: r.ids,
    counts: {
      conversation_transcripts: r.ct,
      fraud_detection_results: r.fr,
      call_quality_metrics: r.qm,
      quality_assessments: r.qa,
      call_attempts: r.at,
      analysis_runs: r.ar,
      feedback_call_sessions: r.s,
    },
  };
}

/**
 * Removes the phone number of up to `limit` expired verifications; the row itself stays, with or
 * without a session. Without the number it holds only the purchase (store, amount, time, status),
 * which is not personal data. Deleting it would cascade to its session, and a session created
 * after its verification expires after it, so it could still be live. One rule for every
 * verification keeps this simple. Uses the partial index of migration 20261125000700, so rows
 * anonymised by earlier runs are never scanned again.
 */
export async function clearExpiredVerificationPhones(sql: Sql, now: Date, limit: number): Promise<number> {
  const result = await sql`
    update customer_verifications set phone_number = null where ctid = any(array(
      select ctid from customer_verifications where expires_at < ${now} and phone_number is not null
      order by expires_at limit ${limit} for update skip locked))`;
  return result.count;
}
