import type postgres from 'postgres';
import { phoneHash } from '../calls/phone';
import { MAX_ATTEMPTS } from '../calls/schedule';
import { callKey } from '../conversation/state';
import type { Sql } from '../db/client';
import type { Deps } from '../deps';
import { type JobName, jobId } from '../jobs/queues';

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

/** The pool, a reserved connection (the purge's) or a transaction (erasure's). */
type Q = Sql | postgres.TransactionSql;
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
