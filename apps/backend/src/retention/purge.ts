import { MAX_ATTEMPTS } from '../calls/schedule';
import { callKey } from '../conversation/state';
import type { Deps } from '../deps';
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
 * plus the Redis keys of each purged session. Rewards survive with call_session_id and
 * quality_assessment_id set to null by their foreign keys; weekly reports hold no reference to a
 * session and are never touched. A Postgres advisory lock keeps two instances from running at
 * once; the loser returns `skipped`. Re-running is safe: a finished run leaves nothing past
 * `now`, and an interrupted one is finished by the next.
 */

/** Name of the advisory lock (hashed to a bigint in SQL). Tests take it to simulate another instance. */
export const PURGE_LOCK_NAME = 'samtal:retention:purge';

/** Keys per UNLINK command. */
const REDIS_KEYS_PER_COMMAND = 1_000;

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

/** The live-call keys a session can have: call state and finalisation lock of each attempt. */
export function sessionKeys(ctx: Pick<Deps, 'key'>, sessionId: string): string[] {
  const keys: string[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    keys.push(callKey(ctx, sessionId, attempt), ctx.key('final', sessionId, String(attempt)));
  }
  return keys;
}

async function deleteSessionKeys(ctx: Pick<Deps, 'redis' | 'key'>, sessionIds: string[]): Promise<number> {
  const keys = sessionIds.flatMap((id) => sessionKeys(ctx, id));
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += REDIS_KEYS_PER_COMMAND) chunks.push(keys.slice(i, i + REDIS_KEYS_PER_COMMAND));
  // UNLINK frees the memory off Redis's main thread; the chunks go out in one pipeline.
  const deleted = await Promise.all(chunks.map((chunk) => ctx.redis.unlink(...chunk)));
  return deleted.reduce((a, b) => a + b, 0);
}
