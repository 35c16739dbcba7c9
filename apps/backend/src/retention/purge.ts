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
 */

/** The Redis keys of a session, as erase.ts defines them (re-exported for callers of the purge). */
export { sessionKeys } from './erase';

/** Name of the advisory lock (hashed to a bigint in SQL). Tests take it to simulate another instance. */
export const PURGE_LOCK_NAME = 'samtal:retention:purge';

export type PurgeOptions = { now?: Date; batchSize?: number };

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
    try {
      for (const table of CHILD_TABLES) {
        await timed(table, async () => {
          counts[table] += await drain(batchSize, () => deleteExpiredChildren(conn, table, now, batchSize));
        });
      }
      await timed('feedback_call_sessions', () =>
        drain(batchSize, async () => {
          const batch = await deleteExpiredSessions(conn, now, batchSize);
          for (const [table, n] of Object.entries(batch.counts)) counts[table as PurgeTable] += n;
          // After the rows' commit: a crash in between leaves keys that expire on their own TTL
          // (call state 6 h, finalisation locks 5 min), never rows whose keys are gone.
          redisKeys += await deleteSessionKeys(ctx, batch.ids);
          return batch.ids.length;
        }),
      );
      await timed('customer_verifications', async () => {
        counts.customer_verifications += await drain(batchSize, () => clearExpiredVerificationPhones(conn, now, batchSize));
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
      expiredBefore: now.toISOString(),
    });
    return { skipped: false, counts, redisKeys, durationMs };
  } finally {
    // A failed unlock above means the connection is broken, which ends its session and the lock.
    conn.release();
  }
}

/** Repeats one batch until a batch comes back short (rows skipped as locked wait for the next run). */
async function drain(batchSize: number, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    total += n;
    if (n < batchSize) return total;
  }
}
