import { phoneHash } from '../calls/phone';
import { MAX_ATTEMPTS } from '../calls/schedule';
import { callKey } from '../conversation/state';
import type { Deps } from '../deps';
import { type JobName, jobId } from '../jobs/queues';
import { blankSet, holdsPersonalData, type Place, type Q, SESSION_PLACES } from './places';

export { blankSet, type ChildPlace, holdsPersonalData, NOT_PERSONAL, type Place, type PlaceTable, SESSION_PLACES } from './places';

/**
 * Where the personal data of a call session lives, and how it is removed — the one definition both
 * removals use (DESIGN §4 Privacy):
 *
 * - erasure on request (`DELETE /api/ai/calls/:id?erase=true`, `POST /api/ai/calls/erase` by phone
 *   number): now, for one session or every session of one customer, keeping what is not personal
 *   (statuses, scores, counts, money, times) so reports and metrics still add up;
 * - the retention purge (purge.ts / purge.repo.ts): every row past its `expires_at`, whole —
 *   except a verification's, which stays with the same columns blanked as erasure blanks.
 *
 * Postgres: `SESSION_PLACES` below, every column of every table a session reaches, each either
 * personal (deleted with its row, or blanked) or kept. erase.test.ts checks the list against the
 * live schema, so a migration that adds a column or a table fails the tests until it is placed here.
 * Redis: the live call state and finalisation lock of each attempt (`sessionKeys`), and the BullMQ
 * jobs of the session (`sessionJobs`: the recording URL and the 46elks call id travel in job data).
 *
 * What stays, on purpose:
 * - `suppressed_phones`: an opt-out is a keyed hash of the number (never the number) and must
 *   outlive any erasure, or an erased customer who said "ring inte mig igen" would be called again;
 * - `rewards` and `reward_ledger_events`: the money ledger — amounts, states and operational
 *   reasons, no personal data — still linked to the (now anonymous) session row;
 * - `weekly_analysis_reports`: aggregates over many calls, never one person's;
 * - the store's tables (businesses, stores, context profiles, business users).
 */

/** Keys per UNLINK command. */
const REDIS_KEYS_PER_COMMAND = 1_000;

/**
 * Turns of a call are 0…50 (the `n` of a 46elks webhook URL, telephony/webhooks.routes.ts);
 * erase.test.ts checks the two agree.
 */
export const MAX_TURN = 50;

/** The live-call keys a session can have: call state and finalisation lock of each attempt. */
export function sessionKeys(ctx: Pick<Deps, 'key'>, sessionId: string): string[] {
  const keys: string[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    keys.push(callKey(ctx, sessionId, attempt), ctx.key('final', sessionId, String(attempt)));
  }
  return keys;
}

/** Deletes the live-call keys of sessions; returns how many existed. */
export async function deleteSessionKeys(ctx: Pick<Deps, 'redis' | 'key'>, sessionIds: string[]): Promise<number> {
  const keys = sessionIds.flatMap((id) => sessionKeys(ctx, id));
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += REDIS_KEYS_PER_COMMAND) chunks.push(keys.slice(i, i + REDIS_KEYS_PER_COMMAND));
  // UNLINK frees the memory off Redis's main thread; the chunks go out in one pipeline.
  const deleted = await Promise.all(chunks.map((chunk) => ctx.redis.unlink(...chunk)));
  return deleted.reduce((a, b) => a + b, 0);
}

/**
 * The BullMQ jobs a session can have (their ids are deterministic, jobs/queues.ts). Job data holds
 * ids only, except the 46elks call id (stt, hangup) and the recording's URL (stt). The purge leaves
 * them to BullMQ's own retention (24 h completed, 7 days failed), long before RETENTION_DAYS.
 */
export function sessionJobs(sessionId: string): Array<{ queue: JobName; id: string }> {
  const jobs: Array<{ queue: JobName; id: string }> = [{ queue: 'analyze', id: jobId.analyze(sessionId) }];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    jobs.push({ queue: 'dial', id: jobId.dial(sessionId, attempt) }, { queue: 'hangup', id: jobId.hangup(sessionId, attempt) });
    for (let turn = 0; turn <= MAX_TURN; turn++) jobs.push({ queue: 'stt', id: jobId.stt(sessionId, attempt, turn) });
  }
  return jobs;
}

/** Removes the sessions' jobs that exist; a job running right now is locked and stays (`locked`). */
async function removeSessionJobs(ctx: Pick<Deps, 'redis' | 'queues'>, sessionIds: string[]): Promise<{ removed: number; locked: number }> {
  const jobs = sessionIds.flatMap(sessionJobs);
  // One pipelined EXISTS per possible job (auto-pipelining), then a removal only where there is one.
  const exists = await Promise.all(jobs.map((j) => ctx.redis.exists(ctx.queues[j.queue].toKey(j.id))));
  let removed = 0;
  let locked = 0;
  for (const [i, job] of jobs.entries()) {
    if (exists[i] === 0) continue;
    if ((await ctx.queues[job.queue].remove(job.id)) === 1) removed++;
    else locked++;
  }
  return { removed, locked };
}

// ── erasure ─────────────────────────────────────────────────────────────────────────────────────

export type EraseCtx = Pick<Deps, 'config' | 'sql' | 'redis' | 'key' | 'queues' | 'clock' | 'log'>;

export type Erasure = {
  /** Sessions erased (all found; erasing an erased session again is a no-op). */
  sessionIds: string[];
  /** Of those, sessions that were pending or in a call, now cancelled. */
  cancelledIds: string[];
  /** Verifications whose phone number was removed now. */
  verifications: number;
  /** Rows deleted and rows blanked, per table. */
  rows: Record<string, { deleted: number; blanked: number }>;
  redisKeys: number;
  jobs: { removed: number; locked: number };
};

type Locked = { id: string; customer_verification_id: string };

/**
 * Erases sessions already locked in `tx`: a pending or live one is cancelled first (as cancel does,
 * without the goodbye: its live state goes too, so the call is hung up at its next webhook), then
 * every place in SESSION_PLACES is deleted or blanked.
 */
async function eraseLocked(tx: Q, sessions: Locked[], now: Date): Promise<Omit<Erasure, 'redisKeys' | 'jobs'>> {
  const ids = sessions.map((s) => s.id);
  const verificationIds = [...new Set(sessions.map((s) => s.customer_verification_id))];
  const rows: Erasure['rows'] = {};
  if (ids.length === 0) return { sessionIds: [], cancelledIds: [], verifications: 0, rows };
  const cancelled = await tx<{ id: string }[]>`
    update feedback_call_sessions set session_status = 'cancelled', next_attempt_at = null, call_ended_at = ${now}, updated_at = now()
    where id = any(${ids}::uuid[]) and session_status in ('pending', 'in_progress')
    returning id`;
  let verifications = 0;
  for (const place of SESSION_PLACES as readonly Place[]) {
    const where =
      place.link === 'call_session_id'
        ? tx`call_session_id = any(${ids}::uuid[])`
        : place.link === 'session'
          ? tx`id = any(${ids}::uuid[])`
          : tx`id = any(${verificationIds}::uuid[])`;
    const count = { deleted: 0, blanked: 0 };
    if ('delete' in place.erase) {
      count.deleted = (await tx`delete from ${tx(place.table)} where ${where}`).count;
    } else {
      if (place.erase.deleteWhere) count.deleted = (await tx`delete from ${tx(place.table)} where ${where} and ${place.erase.deleteWhere(tx)}`).count;
      const changed = place.link === 'verification' ? tx`and ${holdsPersonalData(tx, place)}` : tx``;
      count.blanked = (await tx`update ${tx(place.table)} set ${blankSet(tx, place)} where ${where} ${changed}`).count;
      if (place.link === 'verification') verifications = count.blanked;
    }
    rows[place.table] = count;
  }
  return { sessionIds: ids, cancelledIds: cancelled.map((c) => c.id), verifications, rows };
}

/** After the commit: the sessions' Redis keys and jobs (a racing webhook cannot bring rows back; see call_attempts). */
async function eraseOutsidePostgres(ctx: EraseCtx, erased: Omit<Erasure, 'redisKeys' | 'jobs'>): Promise<Erasure> {
  try {
    const redisKeys = await deleteSessionKeys(ctx, erased.sessionIds);
    const jobs = await removeSessionJobs(ctx, erased.sessionIds);
    return { ...erased, redisKeys, jobs };
  } catch (err) {
    // The rows are gone; the keys expire on their own TTL (call state 6 h, locks 5 min, jobs ≤ 7 days).
    // DELETE /api/ai/calls/:id?erase=true for each id finishes the job.
    ctx.log.error('erasure: Redis cleanup failed after the rows were erased', { callIds: erased.sessionIds, err: (err as Error).message });
    throw err;
  }
}

function logErasure(ctx: EraseCtx, what: string, e: Erasure, extra: Record<string, unknown> = {}): void {
  ctx.log.info(what, {
    callIds: e.sessionIds,
    cancelled: e.cancelledIds.length,
    verifications: e.verifications,
    rows: e.rows,
    redisKeys: e.redisKeys,
    jobsRemoved: e.jobs.removed,
    jobsLocked: e.jobs.locked,
    ...extra,
  });
}

/** Erases sessions by id, in one transaction; idempotent. Unknown ids are ignored. */
export async function eraseSessions(ctx: EraseCtx, sessionIds: string[]): Promise<Erasure> {
  const now = ctx.clock();
  const erased = await ctx.sql.begin(async (tx) => {
    // `no key update`: a grade being saved (its rows reference the session) never waits on this lock.
    const sessions = await tx<Locked[]>`
      select id, customer_verification_id from feedback_call_sessions
      where id = any(${sessionIds}::uuid[]) order by id for no key update`;
    return eraseLocked(tx, sessions, now);
  });
  const result = await eraseOutsidePostgres(ctx, erased);
  logErasure(ctx, 'call sessions erased', result);
  return result;
}

export type CustomerErasure = Erasure & { suppressed: boolean };

/**
 * Erases every session of one customer at every store — found by the number on the session, its
 * keyed hash, or the number on its verification — and removes the number from every verification
 * holding it (with or without a session), in one transaction. The suppression list is left as it
 * is: `suppressed` says whether the number stays opted out.
 */
export async function eraseCustomer(ctx: EraseCtx, e164: string): Promise<CustomerErasure> {
  const now = ctx.clock();
  const hash = phoneHash(ctx.config.PHONE_HASH_KEY, e164);
  const verifications = SESSION_PLACES.find((p) => p.link === 'verification')!;
  const erased = await ctx.sql.begin(async (tx) => {
    const sessions = await tx<Locked[]>`
      select id, customer_verification_id from feedback_call_sessions
      where phone_hash = ${hash} or phone_number = ${e164}
         or customer_verification_id in (select id from customer_verifications where phone_number = ${e164})
      order by id for no key update`;
    const done = await eraseLocked(tx, sessions, now);
    const rest = await tx`update customer_verifications set ${blankSet(tx, verifications)} where phone_number = ${e164}`;
    return { ...done, verifications: done.verifications + rest.count };
  });
  const result = await eraseOutsidePostgres(ctx, erased);
  const [opted] = await ctx.sql<{ ok: number }[]>`select 1 as ok from suppressed_phones where phone_hash = ${hash}`;
  const suppressed = opted !== undefined;
  logErasure(ctx, 'customer erased', result, { suppressed });
  return { ...result, suppressed };
}
