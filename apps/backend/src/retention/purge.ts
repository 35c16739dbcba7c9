import type { Deps } from '../deps';
import { deleteSessionKeys } from './erase';
import {
  CHILD_TABLES,
  clearExpiredVerificationPhones,
  deleteExpiredChildren,
  deleteExpiredSessions,
  PURGE_TABLES,
  type PurgeTable,
} from './purge.repo';

/**
 * The daily retention purge (DESIGN §4 Privacy): every personal row past its `expires_at` goes,
 * in short batches, children before their session so each table's count is its own:
 *
 *   conversation_transcripts → fraud_detection_results → call_quality_metrics →
 *   quality_assessments → call_attempts   (each by its own expires_at)
 *   feedback_call_sessions                (with analysis_runs and any child that outlives it)
 *   customer_verifications                (phone_number set to null; the row stays)
 *
 * plus the Redis keys of each purged session. The tables, the verification's columns and the keys
 * are erase.ts's (SESSION_PLACES, sessionKeys), the definitions erasure on request uses, so the two
 * never disagree about where personal data lives. Rewards survive with call_session_id and
 * quality_assessment_id set to null by their foreign keys; weekly reports hold no reference to a
 * session and are never touched. A Postgres advisory lock keeps two instances from running at
 * once; the loser returns `skipped`. Re-running is safe: a finished run leaves nothing past
 * `now`, and an interrupted one is finished by the next.
 *
 * It shares the machine with the API (ROLE=all shares its process too), so it is paced (a rows/s
 * ceiling, waits between batches) and hands Redis its keys in short commands.
 */

/** The Redis keys of a session, as erase.ts defines them (re-exported for callers of the purge). */
export { sessionKeys } from './erase';

/** Name of the advisory lock (hashed to a bigint in SQL). Tests take it to simulate another instance. */
export const PURGE_LOCK_NAME = 'samtal:retention:purge';

/**
 * Default ceiling on the purge's pace, rows a second (every table's rows and blanked numbers
 * counted, from the start of the run). Unpaced, the child tables go at ~285k rows/s on 2 cores and
 * the sessions (8 foreign-key cascades a row) at ~20k rows/s, 226k rows/s over a million rows, and
 * the API's p99 meanwhile went from 6 to 30 ms (bench/purge.ts, 2026-12-06). The ceiling spreads the
 * fast phases out and {@link PURGE_REST_PER_BUSY} the slow ones, giving the API some of the Postgres
 * core between batches; the pace is cumulative, so a busy machine, where the purge is slower
 * anyway, waits only for the rest. Measured with both: ~75–80k rows/s, API p99 0.85–1.89× idle. A
 * ceiling of 80k left 63k rows/s on a quiet machine and 39k on a busy one: too close to the 50k
 * floor we promise.
 */
export const PURGE_MAX_ROWS_PER_SECOND = 150_000;

/**
 * Sessions per Redis UNLINK: a batch's keys go in short commands one after another, not all at
 * once, so Redis (single-threaded) answers the API's commands between them and this process never
 * builds a 30,000-key pipeline in one tick.
 */
const SESSIONS_PER_UNLINK = 100;

export type PurgeOptions = {
  now?: Date;
  batchSize?: number;
  /** Pace ceiling in rows/s; 0 = unpaced. Default {@link PURGE_MAX_ROWS_PER_SECOND}. */
  maxRowsPerSecond?: number;
};

export type PurgeResult = {
  /** Another instance holds the lock; nothing was done. */
  skipped: boolean;
  /** Rows deleted per table; for customer_verifications, phone numbers removed. */
  counts: Record<string, number>;
  /** Redis keys deleted (call state and finalisation locks of purged sessions). */
  redisKeys: number;
  durationMs: number;
};

type Ctx = Pick<Deps, 'config' | 'sql' | 'redis' | 'key' | 'log' | 'clock'> & Partial<Pick<Deps, 'metrics'>>;

/** Runs the purge once. Throws on a database or Redis error; the lock is released either way. */
export async function runPurge(ctx: Ctx, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const started = performance.now();
  const now = opts.now ?? ctx.clock();
  const batchSize = opts.batchSize ?? ctx.config.PURGE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`purge batch size must be a positive integer, got ${batchSize}`);
  const maxRate = opts.maxRowsPerSecond ?? PURGE_MAX_ROWS_PER_SECOND;
  if (!(maxRate >= 0)) throw new Error(`purge rate must be 0 (unpaced) or positive, got ${maxRate}`);
  const counts = Object.fromEntries(PURGE_TABLES.map((t) => [t, 0])) as Record<PurgeTable, number>;
  /** Time of each table's phase; analysis_runs go within the sessions phase. */
  const phaseMs: Partial<Record<PurgeTable, number>> = {};
  const timed = async (table: PurgeTable, phase: () => Promise<unknown>) => {
    const t0 = performance.now();
    await phase();
    phaseMs[table] = Math.round(performance.now() - t0);
  };
  const log = ctx.log.child({ job: 'retention-purge' });

  // The lock is held by one connection for the whole run; every batch runs on that connection.
  const conn = await ctx.sql.reserve();
  try {
    const [lock] = await conn<{ locked: boolean }[]>`
      select pg_try_advisory_lock(hashtextextended(${PURGE_LOCK_NAME}, 0)) as locked`;
    if (!lock?.locked) {
      log.info('retention purge skipped: another instance is running it');
      return { skipped: true, counts, redisKeys: 0, durationMs: performance.now() - started };
    }
    let redisKeys = 0;
    const pace = pacer(maxRate);
    const drain = (batch: () => Promise<Batch>, size = batchSize) => drainBatches(size, pace, batch);
    // A session row takes ~8 cascaded deletes with it (~20 rows): a tenth of the batch keeps each
    // statement about as long as a child table's batch, so the API's queries wait behind none long.
    const sessionBatch = Math.max(1, Math.ceil(batchSize / 10));
    try {
      for (const table of CHILD_TABLES) {
        await timed(table, async () => {
          counts[table] += await drain(() => deleteExpiredChildren(conn, table, now, batchSize));
        });
      }
      await timed('feedback_call_sessions', () =>
        drain(async () => {
          const batch = await deleteExpiredSessions(conn, now, sessionBatch);
          for (const [table, n] of Object.entries(batch.counts)) counts[table as PurgeTable] += n;
          // After the rows' commit: a crash in between leaves keys that expire on their own TTL
          // (call state 6 h, finalisation locks 5 min), never rows whose keys are gone.
          for (let i = 0; i < batch.ids.length; i += SESSIONS_PER_UNLINK) {
            redisKeys += await deleteSessionKeys(ctx, batch.ids.slice(i, i + SESSIONS_PER_UNLINK));
          }
          // Paced by every row the batch took (the session and what went with it), not only sessions.
          return { n: batch.ids.length, rows: Object.values(batch.counts).reduce((a, b) => a + b, 0) };
        }, sessionBatch),
      );
      await timed('customer_verifications', async () => {
        counts.customer_verifications += await drain(() => clearExpiredVerificationPhones(conn, now, batchSize));
      });
    } finally {
      await conn`select pg_advisory_unlock(hashtextextended(${PURGE_LOCK_NAME}, 0))`.catch(() => undefined);
    }

    const durationMs = performance.now() - started;
    for (const table of PURGE_TABLES) {
      const action = table === 'customer_verifications' ? 'phone_number removed' : 'deleted';
      log.info('retention purge table', { table, action, count: counts[table], ms: phaseMs[table] ?? null });
      ctx.metrics?.purgedRows.inc({ table }, counts[table]);
    }
    const rows = PURGE_TABLES.reduce((sum, t) => sum + counts[t], 0);
    log.info('retention purge finished', {
      rows,
      redisKeys,
      durationMs: Math.round(durationMs),
      rowsPerSecond: durationMs > 0 ? Math.round((rows / durationMs) * 1000) : null,
      batchSize,
      maxRowsPerSecond: maxRate || null,
      expiredBefore: now.toISOString(),
    });
    return { skipped: false, counts, redisKeys, durationMs };
  } finally {
    // A failed unlock above means the connection is broken, which ends its session and the lock.
    conn.release();
  }
}

/**
 * Rest after a batch, as a share of the time the batch itself took: even when the run is behind
 * the rows/s pace (the session phase, 8 cascaded deletes a row, always is), the purge keeps
 * Postgres busy at most half the time, and the API's queries find a core between its statements.
 * Measured (bench/purge.ts, 1M rows, API at 100 requests/s): with a rest of 0.5 the API's p99 in
 * the session phase was 19 ms against 8 ms idle; with 1, 14 ms against 13 ms.
 */
export const PURGE_REST_PER_BUSY = 1;

/**
 * Waits, after a batch, until the rows done so far fit the pace (`rows` at `rate` rows/s since the
 * first batch), and at least {@link PURGE_REST_PER_BUSY} of the batch's own duration. 0 turns both off.
 */
function pacer(rate: number): (rows: number, busyMs: number, last: boolean) => Promise<void> {
  const started = performance.now();
  let done = 0;
  return async (rows, busyMs, last) => {
    done += rows;
    if (rate <= 0 || last) return;
    const wait = Math.max(started + (done / rate) * 1000 - performance.now(), busyMs * PURGE_REST_PER_BUSY);
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
  };
}

type Batch = number | { n: number; rows: number };

/** Repeats one batch until a batch comes back short (rows skipped as locked wait for the next run). */
async function drainBatches(
  batchSize: number,
  pace: (rows: number, busyMs: number, last: boolean) => Promise<void>,
  batch: () => Promise<Batch>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const t0 = performance.now();
    const b = await batch();
    const busyMs = performance.now() - t0;
    const { n, rows } = typeof b === 'number' ? { n: b, rows: b } : b;
    total += n;
    await pace(rows, busyMs, n < batchSize);
    if (n < batchSize) return total;
  }
}
