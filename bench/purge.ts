/**
 * Retention purge rate: N expired rows spread over the personal tables the way real calls fill
 * them (per session: its verification's number, the session, 2 attempts, 10 transcript lines, a
 * grade, 4 fraud checks, metrics, an analysis run = 21 rows), plus live sessions, rewards, a report
 * and Redis call state, then one timed runPurge. Checks that exactly the expired rows went.
 * Usage: npx tsx bench/purge.ts --rows 1000000 [--batch 5000] [--live 0.1] [--keep]
 */
import os from 'node:os';
import { Writable } from 'node:stream';
import { loadConfig } from '../apps/backend/src/config';
import type { Sql } from '../apps/backend/src/db/client';
import { createDeps, type Deps } from '../apps/backend/src/deps';
import { createLogger } from '../apps/backend/src/observability/logger';
import { runPurge } from '../apps/backend/src/retention/purge';
import { arg, backendEnv, dropDatabase, freshDatabase } from './lib';

const ROWS = Number(arg('rows', '1000000'));
const BATCH = arg('batch', '5000');
const LIVE_SHARE = Number(arg('live', '0.1'));
const DB = 'samtal_bench_purge';
const ROWS_PER_SESSION = 21;
const STORES = ['50000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002'];

const machine = () =>
  `${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ` +
  `${Math.round(os.freemem() / 2 ** 20)} MiB free`;

async function main() {
  const expiredSessions = Math.ceil(ROWS / ROWS_PER_SESSION);
  const liveSessions = Math.round(expiredSessions * LIVE_SHARE);
  const total = expiredSessions + liveSessions;
  process.stdout.write(`purge bench: ${expiredSessions} expired sessions (${expiredSessions * ROWS_PER_SESSION} rows), ` +
    `${liveSessions} live; batch ${BATCH}; ${machine()}\n`);
  const dbUrl = await freshDatabase(DB);
  const config = loadConfig(backendEnv({
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    DATABASE_URL: dbUrl,
    REDIS_PREFIX: `bench_purge_${Date.now()}`,
    PURGE_BATCH_SIZE: BATCH,
    LOG_LEVEL: 'info',
  }));
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'info',
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    }),
  });
  const { deps, close } = createDeps(config, { log });
  const { sql } = deps;
  try {
    const t0 = Date.now();
    await load(deps.sql, expiredSessions, total);
    const keys = await loadRedis(deps);
    await sql.unsafe('vacuum analyze');
    const before = await liveCounts(deps.sql);
    process.stdout.write(`purge bench: loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s (+ ${keys} Redis keys), ${machine()}\n`);

    const result = await runPurge(deps);
    const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
    const seconds = result.durationMs / 1000;
    for (const l of lines.filter((x) => x.message === 'retention purge table')) {
      process.stdout.write(`  ${String(l.table).padEnd(26)} ${String(l.count).padStart(9)}  ${l.ms === null ? '' : `${l.ms} ms`}\n`);
    }
    process.stdout.write(`  redis keys                 ${String(result.redisKeys).padStart(9)}\n`);
    process.stdout.write(`purge bench: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s ` +
      `(batch ${BATCH}); ${machine()}\n`);

    const after = await liveCounts(deps.sql);
    const left = await sql<{ n: number }[]>`
      select ((select count(*) from feedback_call_sessions where expires_at < now())
            + (select count(*) from conversation_transcripts where expires_at < now())
            + (select count(*) from customer_verifications where expires_at < now() and phone_number is not null))::int as n`;
    const ok = JSON.stringify(before) === JSON.stringify(after) && left[0]!.n === 0 && rows === expiredSessions * ROWS_PER_SESSION;
    if (JSON.stringify(before) !== JSON.stringify(after)) process.stdout.write(`purge bench: live rows before ${JSON.stringify(before)}\n`);
    process.stdout.write(`purge bench: live rows ${JSON.stringify(after)}; expired left ${left[0]!.n}; ${ok ? 'OK' : 'MISMATCH'}\n`);
    const again = await runPurge(deps);
    process.stdout.write(`purge bench: second run ${Object.values(again.counts).reduce((a, b) => a + b, 0)} rows\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await close();
    if (!process.argv.includes('--keep')) await dropDatabase(DB);
  }
}

/** Sessions 1..expired are past expires_at (spread over ten days), the rest expire in 30 days. */
async function load(sql: Sql, expired: number, total: number) {
  const exp = (n: string) => `case when ${n} <= ${expired} then now() - interval '10 days' + (${n} % 864000) * interval '1 second'
                               else now() + interval '30 days' end`;
  const store = (n: string) => `case when ${n} % 2 = 0 then '${STORES[0]}'::uuid else '${STORES[1]}'::uuid end`;
  const created = `now() - interval '100 days'`;
  await sql.unsafe(`
    insert into customer_verifications (id, store_id, phone_number, transaction_amount, transaction_time, verified_at, created_at, expires_at)
    select md5('v' || n)::uuid, ${store('n')}, '+4670' || lpad(n::text, 7, '0'), 100 + n % 900, ${created}, ${created}, ${created}, ${exp('n')}
    from generate_series(1, ${total}) n`);
  await sql.unsafe(`
    insert into feedback_call_sessions (id, customer_verification_id, store_id, phone_number, phone_hash, session_status, retry_count,
                                        duration_seconds, consent_given, created_at, expires_at)
    select md5('s' || n)::uuid, md5('v' || n)::uuid, ${store('n')}, '+4670' || lpad(n::text, 7, '0'), md5('p' || n), 'completed', 2,
           90, true, ${created}, ${exp('n')}
    from generate_series(1, ${total}) n`);
  await sql.unsafe(`
    insert into call_attempts (call_session_id, attempt_no, outcome, started_at, ended_at, duration_seconds, cost, expires_at)
    select md5('s' || n)::uuid, a, case a when 1 then 'no_answer' else 'answered' end, ${created}, ${created}, 45, 0.35, ${exp('n')}
    from generate_series(1, ${total}) n, generate_series(1, 2) a`);
  await sql.unsafe(`
    insert into conversation_transcripts (call_session_id, speaker, message_order, content, timestamp_ms, confidence_score, expires_at)
    select md5('s' || n)::uuid, case when m % 2 = 0 then 'ai' else 'customer' end, m,
           (array['Hej, det här är Samtal som ringer om ditt köp.', 'Frukten var fin men kön vid kassan var lång idag.',
                  'Personalen på mejeriet var väldigt hjälpsam.', 'Jag hittade inte glutenfritt bröd i bageriet.'])[1 + (n + m) % 4],
           m * 6000, 0.9, ${exp('n')}
    from generate_series(1, ${total}) n, generate_series(0, 9) m`);
  await sql.unsafe(`
    insert into quality_assessments (id, call_session_id, legitimacy_score, depth_score, usefulness_score, overall_quality_score,
                                     reward_percentage, qualifies_for_reward, analysis_summary, sentiment, themes, expires_at)
    select md5('q' || n)::uuid, md5('s' || n)::uuid, 0.9, 0.7, 0.8, 0.8, 10, true, 'Kunden berömde frukten men klagade på kön.',
           'mixed', '["kö", "frukt"]', ${exp('n')}
    from generate_series(1, ${total}) n`);
  await sql.unsafe(`
    insert into fraud_detection_results (call_session_id, check_type, is_suspicious, confidence_level, decision_reasoning, expires_at)
    select md5('s' || n)::uuid, c, false, 0.9, 'inga avvikelser', ${exp('n')}
    from generate_series(1, ${total}) n, unnest(array['timing', 'content', 'context', 'pattern']) c`);
  await sql.unsafe(`
    insert into call_quality_metrics (call_session_id, webhook_p50_ms, webhook_p99_ms, turns, talk_time_seconds, expires_at)
    select md5('s' || n)::uuid, 12, 40, 5, 80, ${exp('n')} from generate_series(1, ${total}) n`);
  await sql.unsafe(`
    insert into analysis_runs (call_session_id, status, attempts) select md5('s' || n)::uuid, 'completed', 1 from generate_series(1, ${total}) n`);
  // Every 10th session earned a reward, as money records they outlive the purge.
  await sql.unsafe(`
    insert into rewards (call_session_id, quality_assessment_id, store_id, amount_sek, reward_percentage, state)
    select md5('s' || n)::uuid, md5('q' || n)::uuid, ${store('n')}, 25, 10, 'paid' from generate_series(10, ${total}, 10) n`);
  await sql.unsafe(`
    insert into weekly_analysis_reports (store_id, analysis_week, total_feedback_count, average_quality_score)
    values ('${STORES[0]}', '2026-08-03', ${total}, 0.8)`);
}

/** Call state of attempt 1 for every session (production has far fewer: it expires after 6 h). */
async function loadRedis(deps: Deps): Promise<number> {
  const ids = await deps.sql<{ id: string }[]>`select id::text from feedback_call_sessions`;
  for (let i = 0; i < ids.length; i += 5_000) {
    const pipe = deps.redis.pipeline();
    for (const { id } of ids.slice(i, i + 5_000)) pipe.hset(deps.key('call', id, '1'), 'meta', '{}');
    await pipe.exec();
  }
  return ids.length;
}

/** What must survive: live rows, every verification row (numbers of live ones), rewards, reports. */
async function liveCounts(sql: Sql) {
  const [r] = await sql<Record<string, number>[]>`
    select (select count(*) from feedback_call_sessions where expires_at >= now())::int as sessions,
           (select count(*) from conversation_transcripts where expires_at >= now())::int as transcripts,
           (select count(*) from call_attempts where expires_at >= now())::int as attempts,
           (select count(*) from quality_assessments where expires_at >= now())::int as grades,
           (select count(*) from customer_verifications)::int as verifications,
           (select count(*) from customer_verifications where phone_number is not null and expires_at >= now())::int as phones,
           (select count(*) from rewards)::int as rewards,
           (select count(*) from weekly_analysis_reports)::int as reports`;
  return r!;
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`purge bench: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
