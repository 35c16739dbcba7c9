import type { Sql } from '../../src/db/client';
import { runPurge, sessionKeys } from '../../src/retention/purge';
import { createTestContext, type TestContext } from '../helpers/context';

/**
 * The purge's pace and its Redis clean-up in short commands: a rate ceiling slows it to that rate
 * (and never changes what goes), and the keys of more sessions than one UNLINK takes all go.
 */

const BUSINESS = 'b0000000-0000-4000-8000-0000000000e2';
const STORE = '50000000-0000-4000-8000-0000000000e2';
const NOW = new Date();
const EXPIRED = new Date(NOW.getTime() - 3_600_000);
const LIVE = new Date(NOW.getTime() + 86_400_000);

/** `n` sessions (each with its verification) expiring at `expiresAt`; their ids. */
async function insertSessions(sql: Sql, n: number, expiresAt: Date, tag: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    with v as (
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, expires_at)
      select ${STORE}, '+46701' || lpad(i::text, 6, '0'), 199, ${NOW}, ${NOW}, ${expiresAt} from generate_series(1, ${n}) i
      returning id, phone_number
    )
    insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, phone_hash, session_status, expires_at)
    select id, ${STORE}, phone_number, ${tag} || phone_number, 'completed', ${expiresAt} from v returning id::text`;
  return rows.map((r) => r.id);
}

describe('retention purge pace', () => {
  let ctx: TestContext;
  let sql: Sql;

  beforeAll(async () => {
    ctx = await createTestContext();
    sql = ctx.deps.sql;
    await sql`insert into businesses (id, name) values (${BUSINESS}, 'Takt AB')`;
    await sql`insert into stores (id, business_id, name) values (${STORE}, ${BUSINESS}, 'Takt Livs')`;
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('deletes every key of more sessions than one UNLINK takes, and no live session key', async () => {
    const expired = await insertSessions(sql, 230, EXPIRED, 'k');
    const live = await insertSessions(sql, 3, LIVE, 'l');
    const { redis } = ctx.deps;
    const pipe = redis.pipeline();
    for (const id of [...expired, ...live]) {
      pipe.hset(ctx.deps.key('call', id, '1'), 'meta', '{}');
      pipe.set(ctx.deps.key('final', id, '2'), '1');
    }
    await pipe.exec();
    const result = await runPurge(ctx.deps, { now: NOW, batchSize: 1_000, maxRowsPerSecond: 0 });
    expect(result.counts).toMatchObject({ feedback_call_sessions: 230, customer_verifications: 230 });
    expect(result.redisKeys).toBe(460);
    const left = async (ids: string[]) => (await redis.exists(...ids.flatMap((id) => sessionKeys(ctx.deps, id)))) as number;
    expect(await left(expired)).toBe(0);
    expect(await left(live)).toBe(6);
  });

  it('keeps to the rate ceiling, counting every row of a batch, and purges the same rows', async () => {
    await insertSessions(sql, 30, EXPIRED, 'p');
    // 30 sessions + 30 blanked numbers = 60 rows at 100 rows/s: at least ~0.5 s (the last batch of
    // each phase does not wait), where unpaced it takes milliseconds.
    const result = await runPurge(ctx.deps, { now: NOW, batchSize: 10, maxRowsPerSecond: 100 });
    expect(result.counts).toMatchObject({ feedback_call_sessions: 30, customer_verifications: 30 });
    expect(result.durationMs).toBeGreaterThanOrEqual(450);
    const again = await runPurge(ctx.deps, { now: NOW, batchSize: 10 });
    expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
  });

  it('refuses a negative rate before taking the lock', async () => {
    await expect(runPurge(ctx.deps, { now: NOW, maxRowsPerSecond: -1 })).rejects.toThrow(/rate/);
  });
});
