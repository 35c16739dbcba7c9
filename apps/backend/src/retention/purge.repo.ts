import type { Sql } from '../db/client';
import { blankSet, type ChildPlace, holdsPersonalData, type PlaceTable, SESSION_PLACES } from './erase';

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
export const CHILD_TABLES = SESSION_PLACES.filter((p) => p.link === 'call_session_id' && p.expires).map((p) => p.table) as ChildTable[];
export type ChildTable = Extract<ChildPlace, { expires: true }>['table'];

/** Children without an `expires_at` of their own (`analysis_runs`): they go with their session. */
const SESSION_CHILD_TABLES = SESSION_PLACES.filter((p) => p.link === 'call_session_id').map((p) => p.table) as ChildPlace['table'][];
const SESSIONS = SESSION_PLACES.find((p) => p.link === 'session')!;
const VERIFICATIONS = SESSION_PLACES.find((p) => p.link === 'verification')!;

/**
 * Every table the purge reports a count for, in the order it logs them: the places of erase.ts.
 * `analysis_runs` has no `expires_at` (it goes with its session); `customer_verifications` rows
 * stay, only their personal columns (the phone number) are blanked.
 */
export const PURGE_TABLES: readonly PurgeTable[] = [
  ...CHILD_TABLES,
  ...SESSION_CHILD_TABLES.filter((t) => !(CHILD_TABLES as string[]).includes(t)),
  SESSIONS.table,
  VERIFICATIONS.table,
];
export type PurgeTable = PlaceTable;

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
 * counted. Rewards stay: `on delete set null` unlinks them. The children are every place of
 * erase.ts linked by `call_session_id`, one CTE each.
 */
export async function deleteExpiredSessions(sql: Sql, now: Date, limit: number): Promise<SessionBatch> {
  const cte = (i: number) => sql(`c${i}`);
  const [row] = await sql<Record<string, number | string[]>[]>`
    with batch as (
      select id from ${sql(SESSIONS.table)} where expires_at < ${now}
      order by expires_at limit ${limit} for update skip locked
    )
    ${SESSION_CHILD_TABLES.map((t, i) => sql`, ${cte(i)} as (delete from ${sql(t)} where call_session_id = any(array(select id from batch)) returning 1)`)}
    , s as (delete from ${sql(SESSIONS.table)} where id = any(array(select id from batch)) returning id)
    select (select coalesce(array_agg(id::text), '{}') from s) as ids
           ${SESSION_CHILD_TABLES.map((_, i) => sql`, (select count(*)::int from ${cte(i)}) as ${cte(i)}`)},
           (select count(*)::int from s) as s`;
  const r = row!;
  const counts = Object.fromEntries(SESSION_CHILD_TABLES.map((t, i) => [t, r[`c${i}`] as number])) as SessionBatch['counts'];
  counts.feedback_call_sessions = r.s as number;
  return { ids: r.ids as string[], counts };
}

/**
 * Removes the phone number (the personal columns erase.ts names) of up to `limit` expired
 * verifications; the row itself stays, with or without a session. Without the number it holds only
 * the purchase (store, amount, time, status), which is not personal data. Deleting it would cascade
 * to its session, and a session created after its verification expires after it, so it could still
 * be live. One rule for every verification keeps this simple. Uses the partial index of migration
 * 20261125000700 (`where phone_number is not null`), so rows anonymised by earlier runs are never
 * scanned again.
 */
export async function clearExpiredVerificationPhones(sql: Sql, now: Date, limit: number): Promise<number> {
  const table = sql(VERIFICATIONS.table);
  const result = await sql`
    update ${table} set ${blankSet(sql, VERIFICATIONS)} where ctid = any(array(
      select ctid from ${table} where expires_at < ${now} and ${holdsPersonalData(sql, VERIFICATIONS)}
      order by expires_at limit ${limit} for update skip locked))`;
  return result.count;
}
