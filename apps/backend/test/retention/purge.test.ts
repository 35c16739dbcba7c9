import postgres from 'postgres';
import type { Sql } from '../../src/db/client';
import { CHILD_TABLES, PURGE_TABLES } from '../../src/retention/purge.repo';
import { PURGE_LOCK_NAME, runPurge, sessionKeys } from '../../src/retention/purge';
import { createTestContext, type TestContext } from '../helpers/context';

/**
 * The 90-day purge against a real database and Redis: exactly the expired rows and keys go, live
 * ones and aggregates stay, a second run finds nothing, and a held lock makes it skip.
 */

const BUSINESS = 'b0000000-0000-4000-8000-0000000000e1';
const STORE = '50000000-0000-4000-8000-0000000000e1';
const NOW = new Date();
const EXPIRED = new Date(NOW.getTime() - 3_600_000);
const LIVE = new Date(NOW.getTime() + 86_400_000);

/** Tables whose rows the test tracks by id (the purge's tables plus what must survive it). */
const TRACKED = [...PURGE_TABLES.filter((t) => t !== 'analysis_runs'), 'rewards', 'reward_ledger_events', 'weekly_analysis_reports'] as const;
type Tracked = (typeof TRACKED)[number];
type Ids = Record<Tracked | 'analysis_runs', Set<string>>;
const emptyIds = (): Ids =>
  Object.fromEntries([...TRACKED, 'analysis_runs'].map((t) => [t, new Set<string>()])) as unknown as Ids;

let phoneSeq = 0;
const phone = () => `+4670123${String(phoneSeq++).padStart(4, '0')}`;

async function insertVerification(sql: Sql, expiresAt: Date, withPhone = true): Promise<string> {
  const [v] = await sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, expires_at)
    values (${STORE}, ${withPhone ? phone() : null}, 199, ${NOW}, ${NOW}, ${expiresAt}) returning id`;
  return v!.id;
}

/**
 * A session with every kind of child: 2 attempts, 3 transcript lines, a grade, 2 fraud checks,
 * metrics and an analysis run, all expiring with the session (as the app writes them).
 */
async function insertSession(sql: Sql, ids: Ids, opts: { expiresAt: Date; verificationExpiresAt?: Date }): Promise<string> {
  const { expiresAt } = opts;
  const verification = await insertVerification(sql, opts.verificationExpiresAt ?? expiresAt);
  ids.customer_verifications.add(verification);
  const [s] = await sql<{ id: string }[]>`
    insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, phone_hash, session_status, expires_at)
    values (${verification}, ${STORE}, ${phone()}, ${`h${phoneSeq}`}, 'completed', ${expiresAt}) returning id`;
  const id = s!.id;
  ids.feedback_call_sessions.add(id);
  const add = (table: Tracked, rows: { id: string }[]) => {
    for (const r of rows) ids[table].add(r.id);
  };
  add('call_attempts', await sql`insert into call_attempts (call_session_id, attempt_no, outcome, expires_at)
    values (${id}, 1, 'no_answer', ${expiresAt}), (${id}, 2, 'answered', ${expiresAt}) returning id`);
  add('conversation_transcripts', await sql`
    insert into conversation_transcripts (call_session_id, speaker, message_order, content, timestamp_ms, expires_at)
    select ${id}, case when n % 2 = 0 then 'ai' else 'customer' end, n, 'Frukten var fin men kön var lång', n * 1000, ${expiresAt}
    from generate_series(0, 2) n returning id`);
  add('quality_assessments', await sql`
    insert into quality_assessments (call_session_id, overall_quality_score, reward_percentage, qualifies_for_reward, analysis_summary, expires_at)
    values (${id}, 0.8, 10, true, 'Kunden gillade frukten', ${expiresAt}) returning id`);
  add('fraud_detection_results', await sql`
    insert into fraud_detection_results (call_session_id, check_type, is_suspicious, confidence_level, expires_at)
    values (${id}, 'timing', false, 0.9, ${expiresAt}), (${id}, 'content', false, 0.8, ${expiresAt}) returning id`);
  add('call_quality_metrics', await sql`
    insert into call_quality_metrics (call_session_id, turns, expires_at) values (${id}, 4, ${expiresAt}) returning id`);
  await sql`insert into analysis_runs (call_session_id, status) values (${id}, 'completed')`;
  ids.analysis_runs.add(id);
  return id;
}

async function insertReward(sql: Sql, ids: Ids, sessionId: string): Promise<string> {
  const [r] = await sql<{ id: string }[]>`
    insert into rewards (call_session_id, quality_assessment_id, store_id, amount_sek, reward_percentage, purchase_amount_sek)
    select ${sessionId}, qa.id, ${STORE}, 19.9, 10, 199 from quality_assessments qa where qa.call_session_id = ${sessionId}
    returning id`;
  const [e] = await sql<{ id: string }[]>`
    insert into reward_ledger_events (reward_id, from_state, to_state) values (${r!.id}, null, 'graded') returning id`;
  ids.rewards.add(r!.id);
  ids.reward_ledger_events.add(e!.id);
  return r!.id;
}

async function currentIds(sql: Sql): Promise<Ids> {
  const out = emptyIds();
  for (const table of TRACKED) {
    for (const r of await sql<{ id: string }[]>`select id::text from ${sql(table)}`) out[table].add(r.id);
  }
  for (const r of await sql<{ id: string }[]>`select call_session_id::text as id from analysis_runs`) out.analysis_runs.add(r.id);
  return out;
}

const sorted = (s: Set<string>) => [...s].sort();

describe('retention purge', () => {
  let ctx: TestContext;
  let sql: Sql;
  const expired = emptyIds();
  const live = emptyIds();
  const expiredSessions: string[] = [];
  const liveSessions: string[] = [];
  let expiredReward = '';
  let liveReward = '';
  let liveSessionWithExpiredVerification = '';
  let liveVerificationExpired = '';
  let anonymisedBefore = '';
  let straggler = '';
  let earlyTranscript = '';
  const otherKeys: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    sql = ctx.deps.sql;
    await sql`insert into businesses (id, name) values (${BUSINESS}, 'Retention AB')`;
    await sql`insert into stores (id, business_id, name) values (${STORE}, ${BUSINESS}, 'Retention Livs')`;

    // 7 expired sessions: with a batch size of 3 that is three batches, the last one short.
    for (let i = 0; i < 7; i++) expiredSessions.push(await insertSession(sql, expired, { expiresAt: EXPIRED }));
    for (let i = 0; i < 2; i++) liveSessions.push(await insertSession(sql, live, { expiresAt: LIVE }));
    // A live session whose verification expired first (it was verified before the session began).
    liveSessionWithExpiredVerification = await insertSession(sql, live, { expiresAt: LIVE, verificationExpiresAt: EXPIRED });
    liveSessions.push(liveSessionWithExpiredVerification);
    const [lv] = await sql<{ id: string }[]>`select customer_verification_id::text as id from feedback_call_sessions
                                             where id = ${liveSessionWithExpiredVerification}`;
    liveVerificationExpired = lv!.id;
    // An expired session with a transcript line that expires later: it cannot outlive its session.
    const [late] = await sql<{ id: string }[]>`
      insert into conversation_transcripts (call_session_id, speaker, message_order, content, timestamp_ms, expires_at)
      values (${expiredSessions[0]!}, 'customer', 9, 'Sent tillägg', 9000, ${LIVE}) returning id`;
    straggler = late!.id;
    expired.conversation_transcripts.add(straggler);
    // A live session with one transcript line that expired on its own.
    const [early] = await sql<{ id: string }[]>`
      insert into conversation_transcripts (call_session_id, speaker, message_order, content, timestamp_ms, expires_at)
      values (${liveSessions[0]!}, 'customer', 9, 'Tidigt utgånget', 9000, ${EXPIRED}) returning id`;
    earlyTranscript = early!.id;
    expired.conversation_transcripts.add(earlyTranscript);

    // Verifications without a session: expired (its number goes, the row stays), live, and one an
    // earlier run already anonymised (not counted again).
    expired.customer_verifications.add(await insertVerification(sql, EXPIRED));
    live.customer_verifications.add(await insertVerification(sql, LIVE));
    anonymisedBefore = await insertVerification(sql, EXPIRED, false);

    expiredReward = await insertReward(sql, live, expiredSessions[1]!);
    liveReward = await insertReward(sql, live, liveSessions[1]!);
    const [report] = await sql<{ id: string }[]>`
      insert into weekly_analysis_reports (store_id, analysis_week, total_feedback_count, average_quality_score, positive_trends)
      values (${STORE}, '2026-11-23', 9, 0.75, ${sql.json(['Fräsch frukt'])}) returning id`;
    live.weekly_analysis_reports.add(report!.id);
    await sql`insert into suppressed_phones (phone_hash) values ('h-opt-out')`;

    const { redis } = ctx.deps;
    for (const id of [...expiredSessions, ...liveSessions]) {
      await redis.hset(ctx.deps.key('call', id, '1'), 'meta', '{}');
      await redis.hset(ctx.deps.key('call', id, '3'), 'meta', '{}');
      await redis.set(ctx.deps.key('final', id, '1'), '1');
    }
    otherKeys.push(ctx.deps.key('audio', 'abc123'));
    await redis.set(otherKeys[0]!, 'x');
  });

  afterAll(async () => {
    await ctx?.close();
  });

  const lockFromAnotherConnection = async () => {
    const other = postgres(ctx.db.url, { max: 1, onnotice: () => {} });
    await other`select pg_advisory_lock(hashtextextended(${PURGE_LOCK_NAME}, 0))`;
    return other;
  };

  it('skips, touching nothing, while another instance holds the lock', async () => {
    const before = await currentIds(sql);
    const other = await lockFromAnotherConnection();
    try {
      const result = await runPurge(ctx.deps, { now: NOW, batchSize: 3 });
      expect(result.skipped).toBe(true);
      expect(Object.values(result.counts).every((n) => n === 0)).toBe(true);
      expect(result.redisKeys).toBe(0);
    } finally {
      await other.end();
    }
    expect(await currentIds(sql)).toEqual(before);
    expect(await ctx.deps.redis.exists(sessionKeys(ctx.deps, expiredSessions[0]!))).toBe(3);
  });

  it('removes exactly the expired rows and Redis keys, children first, and nothing else', async () => {
    const before = await currentIds(sql);
    const result = await runPurge(ctx.deps, { now: NOW, batchSize: 3 });
    expect(result.skipped).toBe(false);
    expect(result.counts).toEqual({
      conversation_transcripts: 7 * 3 + 2, // + the late line of an expired session + the early line of a live one
      fraud_detection_results: 7 * 2,
      call_quality_metrics: 7,
      quality_assessments: 7,
      call_attempts: 7 * 2,
      analysis_runs: 7,
      feedback_call_sessions: 7,
      customer_verifications: 7 + 1 + 1, // the expired sessions', one without a session, a live session's
      transcript_signatures: 0, // (20261206000300) none in this fixture
    });
    expect(result.redisKeys).toBe(7 * 3);

    const after = await currentIds(sql);
    for (const table of [...TRACKED, 'analysis_runs'] as const) {
      const deleted = table === 'customer_verifications' ? new Set<string>() : expired[table];
      const expected = new Set([...before[table]].filter((id) => !deleted.has(id)));
      expect({ table, ids: sorted(after[table]) }).toEqual({ table, ids: sorted(expected) });
    }
    // Verification rows stay; exactly the expired ones lost their number.
    const cleared = await sql<{ id: string }[]>`select id::text from customer_verifications where phone_number is null`;
    expect(sorted(new Set(cleared.map((r) => r.id)))).toEqual(
      sorted(new Set([...expired.customer_verifications, liveVerificationExpired, anonymisedBefore])),
    );
    // The live session whose verification expired keeps its own number and everything else.
    const [liveSession] = await sql<{ phone_number: string }[]>`
      select phone_number from feedback_call_sessions where id = ${liveSessionWithExpiredVerification}`;
    expect(liveSession?.phone_number).toMatch(/^\+467/);

    // Money and aggregates survive; the reward of a purged session is unlinked, not deleted.
    const rewards = await sql<{ id: string; call_session_id: string | null; quality_assessment_id: string | null; amount_sek: string }[]>`
      select id::text, call_session_id::text, quality_assessment_id::text, amount_sek from rewards`;
    expect(rewards.find((r) => r.id === expiredReward)).toMatchObject({ call_session_id: null, quality_assessment_id: null, amount_sek: '19.90' });
    expect(rewards.find((r) => r.id === liveReward)).toMatchObject({ call_session_id: liveSessions[1] });
    expect(rewards.find((r) => r.id === liveReward)?.quality_assessment_id).not.toBeNull();
    const [report] = await sql<{ total_feedback_count: number }[]>`select total_feedback_count from weekly_analysis_reports`;
    expect(report?.total_feedback_count).toBe(9);
    expect(await sql`select 1 from suppressed_phones where phone_hash = 'h-opt-out'`).toHaveLength(1);

    const { redis } = ctx.deps;
    for (const id of expiredSessions) expect(await redis.exists(sessionKeys(ctx.deps, id))).toBe(0);
    for (const id of liveSessions) expect(await redis.exists(sessionKeys(ctx.deps, id))).toBe(3);
    expect(await redis.exists(otherKeys)).toBe(1);

    // One log line per table, then the summary; the lock is free again.
    const tableLines = ctx.logs.filter((l) => l.message === 'retention purge table');
    expect(tableLines.map((l) => l.table)).toEqual([...PURGE_TABLES]);
    expect(tableLines.find((l) => l.table === 'call_attempts')).toMatchObject({ count: 14, action: 'deleted' });
    expect(ctx.logs.find((l) => l.message === 'retention purge finished')).toMatchObject({ rows: 23 + 14 + 7 + 7 + 14 + 7 + 7 + 9, redisKeys: 21 });
    const other = postgres(ctx.db.url, { max: 1, onnotice: () => {} });
    try {
      const [got] = await other<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${PURGE_LOCK_NAME}, 0)) as locked`;
      expect(got?.locked).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('is idempotent: a second run finds nothing and changes nothing', async () => {
    const before = await currentIds(sql);
    const result = await runPurge(ctx.deps, { now: NOW, batchSize: 3 });
    expect(result).toMatchObject({ skipped: false, redisKeys: 0 });
    expect(Object.values(result.counts).every((n) => n === 0)).toBe(true);
    expect(await currentIds(sql)).toEqual(before);
  });

  it('purges with the configured batch size and the clock when given no options', async () => {
    const ids = emptyIds();
    const session = await insertSession(sql, ids, { expiresAt: new Date(Date.now() - 1000) });
    const result = await runPurge(ctx.deps);
    expect(result.counts).toMatchObject({ feedback_call_sessions: 1, conversation_transcripts: 3, customer_verifications: 1 });
    expect(await sql`select 1 from feedback_call_sessions where id = ${session}`).toHaveLength(0);
    // The live rows of the earlier tests are still there (they expire an hour after NOW, in 2027).
    expect(await sql`select 1 from feedback_call_sessions where id = ${liveSessions[0]!}`).toHaveLength(1);
  });

  it('releases the lock when a batch fails, and a re-run finishes the job', async () => {
    const ids = emptyIds();
    const session = await insertSession(sql, ids, { expiresAt: EXPIRED });
    // A real failure mid-run: the table of the sessions phase is briefly missing.
    await sql`alter table analysis_runs rename to analysis_runs_away`;
    try {
      await expect(runPurge(ctx.deps, { now: NOW, batchSize: 3 })).rejects.toThrow(/analysis_runs/);
    } finally {
      await sql`alter table analysis_runs_away rename to analysis_runs`;
    }
    // The child tables were already emptied before the failure; the session is still there.
    expect(await sql`select 1 from conversation_transcripts where call_session_id = ${session}`).toHaveLength(0);
    expect(await sql`select 1 from feedback_call_sessions where id = ${session}`).toHaveLength(1);
    const result = await runPurge(ctx.deps, { now: NOW, batchSize: 3 });
    expect(result.counts).toMatchObject({ feedback_call_sessions: 1, analysis_runs: 1, conversation_transcripts: 0 });
  });

  it('covers every table that has an expires_at column', async () => {
    const rows = await sql<{ table_name: string }[]>`
      select table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'expires_at' order by table_name`;
    const covered: string[] = [...CHILD_TABLES, 'feedback_call_sessions', 'customer_verifications'];
    expect(rows.map((r) => r.table_name).sort()).toEqual(covered.sort());
  });
});
