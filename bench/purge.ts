/**
 * Retention purge rate: N expired rows spread over the personal tables the way real calls fill
 * them (per session: its verification's number, the session, 2 attempts, 10 transcript lines, a
 * grade, 4 fraud checks, metrics, an analysis run = 21 rows), plus live sessions, rewards, a report
 * and Redis call state, then one timed runPurge. Checks that exactly the expired rows went.
 *
 * With --hammer R, a backend API process (ROLE=api) serves `GET /api/ai/calls/<id>/status`
 * (X-API-Key; three Postgres reads) for 1,000 extra live sessions at R requests/s, open loop:
 * first for --idle seconds with nothing else running, then for as long as the purge runs; the
 * latency percentiles of both are compared. The requests go from this process; the purge runs in a
 * child process of its own (as in production, where the worker or `npm run purge` runs it, never
 * the API's client): run here, its event loop (Redis pipelines, result parsing) delayed the
 * hammer's own timing and was counted as API latency. `--in-process` runs it here as before.
 * `--rate R` caps the purge at R rows/s (0 = unpaced; default: the purge's own default).
 *
 * `--compiled` starts that API compiled by tsc, as `npm start` does (`npm run bench` does so).
 *
 * Usage: npx tsx bench/purge.ts --rows 1000000 [--batch 5000] [--rate 80000] [--live 0.1] [--hammer 100 --idle 10] [--in-process] [--compiled] [--keep]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import os from 'node:os';
import { Writable } from 'node:stream';
import { loadConfig } from '../apps/backend/src/config';
import type { Sql } from '../apps/backend/src/db/client';
import { createDeps, type Deps } from '../apps/backend/src/deps';
import { createLogger } from '../apps/backend/src/observability/logger';
import { type PurgeResult, runPurge } from '../apps/backend/src/retention/purge';
import {
  arg,
  backendEnv,
  buildBackend,
  cleanupAll,
  freePort,
  installSignalCleanup,
  machineLoad,
  type ProcStats,
  procStats,
  round2,
  type Summary,
  sleep,
  startHammer,
  startCompiled,
  startProcess,
  stopProcess,
  summarize,
  trackedDatabase,
  trackedRedisPrefix,
  waitForHttp,
  waitForOutput,
  waitForQuiet,
} from './lib';

const ROWS_PER_SESSION = 21;
const STORES = ['50000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002'];
const HAMMER_SESSIONS = 1_000;

export type PurgeOptions = {
  rows: number;
  batch?: number;
  /** Live sessions as a share of the expired ones. */
  live?: number;
  /** API requests/s during the idle window and the purge (0 = no API load). */
  hammer?: number;
  idleSeconds?: number;
  /** Pace ceiling of the purge, rows/s (0 = unpaced; undefined = the purge's default). */
  rate?: number;
  /** Run the purge in this process (as before 2026-12-06) instead of a child process. */
  inProcess?: boolean;
  /** The API as the backend compiled by tsc, started as `npm start` starts it (instead of through tsx). */
  compiled?: boolean;
  keep?: boolean;
  log?: (line: string) => void;
};

type ApiFigures = Summary & {
  errors: number;
  skipped: number;
  seconds: number;
  requests: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  samples: Array<[number, number]>;
};

export type PurgeBenchResult = {
  expiredSessions: number;
  liveSessions: number;
  batch: number;
  loadSeconds: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  tables: Array<{ table: string; count: number; ms: number | null }>;
  redisKeys: number;
  /** Live rows untouched, nothing expired left, exactly the expired rows deleted. */
  ok: boolean;
  secondRunRows: number;
  /** The purge's own process (child mode): CPU, event-loop delay over the run. */
  purgeProcess: ProcStats | null;
  api: null | { ratePerSecond: number; idle: ApiFigures; during: ApiFigures; p99Ratio: number | null };
  load: ReturnType<typeof machineLoad>;
};

const machine = () =>
  `${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ` +
  `${Math.round(os.freemem() / 2 ** 20)} MiB free`;

export async function runPurgeBench(opts: PurgeOptions): Promise<PurgeBenchResult> {
  const out = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const batch = opts.batch ?? 5_000;
  const expiredSessions = Math.ceil(opts.rows / ROWS_PER_SESSION);
  const liveSessions = Math.round(expiredSessions * (opts.live ?? 0.1));
  const total = expiredSessions + liveSessions;
  out(`purge bench: ${expiredSessions} expired sessions (${expiredSessions * ROWS_PER_SESSION} rows), ${liveSessions} live; batch ${batch}; ${machine()}`);
  const db = await trackedDatabase(`samtal_bench_purge_${process.pid}`);
  const redis = trackedRedisPrefix('purge');
  const env = backendEnv({
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    DATABASE_URL: db.url,
    REDIS_PREFIX: redis.prefix,
    PURGE_BATCH_SIZE: String(batch),
    LOG_LEVEL: 'info',
    // The hammer is one client at a steady rate; the limiter still runs (a Redis call per request).
    RATE_LIMIT_IP: '100000000',
    RATE_LIMIT_INTERNAL: '100000000',
  });
  const config = loadConfig(env);
  const { log, lines } = collectingLogger('info');
  const { deps, close } = createDeps(config, { log });
  const { sql } = deps;
  let api: ReturnType<typeof startProcess> | null = null;
  try {
    const t0 = Date.now();
    // One connection without the backend's 30 s statement timeout: a busy machine exceeds it.
    const loader = await sql.reserve();
    let hammerIds: string[] = [];
    try {
      await loader.unsafe('set statement_timeout = 0');
      await load(loader, expiredSessions, total);
      if (opts.hammer) hammerIds = await loadHammerSessions(loader);
      await loader.unsafe('vacuum analyze');
      await loader.unsafe('reset statement_timeout');
    } finally {
      loader.release();
    }
    const keys = await loadRedis(deps);
    const before = await liveCounts(deps.sql);
    const loadSeconds = round2((Date.now() - t0) / 1000);
    out(`purge bench: loaded in ${loadSeconds} s (+ ${keys} Redis keys), ${machine()}`);

    let hammer: null | { idle: ApiFigures; start: () => { stop: () => Promise<ApiFigures> } } = null;
    if (opts.hammer) {
      const port = await freePort();
      const apiEnv = { ...env, ROLE: 'api', PORT: String(port), LOG_LEVEL: 'warn' };
      api = opts.compiled ? startCompiled(buildBackend(), apiEnv, 'backend api') : startProcess('apps/backend/src/main.ts', apiEnv, 'backend api');
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000);
      // After a million rows loaded and vacuumed, Postgres writes for a while (checkpoint, WAL): the
      // idle figure is taken once the machine is quiet.
      const quiet = await waitForQuiet(90);
      out(`purge bench: machine ${quiet.quiet ? 'quiet' : 'still busy'} (${quiet.busyCores} cores busy, waited ${quiet.waitedS} s)`);
      let i = 0;
      const run = () => {
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        const h = startHammer({
          url: () => `http://127.0.0.1:${port}/api/ai/calls/${hammerIds[i++ % hammerIds.length]}/status`,
          headers: { 'x-api-key': env.ADMIN_API_KEY },
          ratePerSec: opts.hammer!,
        });
        return {
          stop: async (): Promise<ApiFigures> => {
            const r = await h.stop();
            loop.disable();
            return {
              ...summarize(r.latencies),
              errors: r.errors,
              skipped: r.skipped,
              seconds: round2(r.seconds),
              requests: r.latencies.length,
              loopDelayP99Ms: round2(loop.percentile(99) / 1e6),
              loopDelayMaxMs: round2(loop.max / 1e6),
              samples: r.samples,
            };
          },
        };
      };
      // Warm the API (connections, JIT) before anything is measured.
      const warm = run();
      await sleep(2_000);
      await warm.stop();
      const idleRun = run();
      await sleep((opts.idleSeconds ?? 10) * 1000);
      const idle = await idleRun.stop();
      out(`purge bench: API idle  p50 ${idle.p50} ms  p95 ${idle.p95} ms  p99 ${idle.p99} ms  (${idle.requests} requests, ${idle.errors} errors; this process's event-loop delay p99 ${idle.loopDelayP99Ms} max ${idle.loopDelayMaxMs} ms)`);
      hammer = { idle, start: run };
    }

    const machineAtPurge = machineLoad();
    const purgeEnv = { ...env, ...(opts.rate === undefined ? {} : { BENCH_PURGE_RATE: String(opts.rate) }) };
    let during: ReturnType<NonNullable<typeof hammer>['start']> | undefined;
    let purged: ChildOutcome;
    let purgeProcess: ProcStats | null = null;
    let purgeStartedAt = Date.now();
    if (opts.inProcess) {
      during = hammer?.start();
      const result = await runPurge(deps, { maxRowsPerSecond: opts.rate });
      purged = { result, tables: tableLines(lines) };
    } else {
      const child = startProcess('bench/purge.ts', { ...purgeEnv, BENCH_PURGE_CHILD: '1' }, 'purge');
      const done = waitForOutput(child, /PURGE_RESULT .*\n/, 900_000);
      await waitForOutput(child, /purge ready/, 60_000);
      purgeStartedAt = Date.now();
      during = hammer?.start();
      purged = JSON.parse((await done).slice('PURGE_RESULT '.length)) as ChildOutcome;
      purgeProcess = await procStats(child.pid!);
      await stopProcess(child);
    }
    const duringFigures = await during?.stop();
    const { result, tables } = purged;
    const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
    const seconds = result.durationMs / 1000;
    for (const t of tables) out(`  ${t.table.padEnd(26)} ${String(t.count).padStart(9)}  ${t.ms === null ? '' : `${t.ms} ms`}`);
    out(`  redis keys                 ${String(result.redisKeys).padStart(9)}`);
    out(`purge bench: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s (batch ${batch}, ${opts.inProcess ? 'in this process' : 'child process'}, rate cap ${opts.rate ?? 'default'}); ${machine()}`);
    if (purgeProcess) out(`purge bench: purge process ${purgeProcess.cpuS} CPU-s, event-loop delay p99 ${purgeProcess.eld?.p99 ?? '?'} ms`);
    if (duringFigures) {
      out(`purge bench: API during, by purge phase: ${byPhase(duringFigures.samples, purgeStartedAt, tables)}`);
      out(`purge bench: API during p50 ${duringFigures.p50} ms  p95 ${duringFigures.p95} ms  p99 ${duringFigures.p99} ms  (${duringFigures.requests} requests, ${duringFigures.errors} errors; this process's event-loop delay p99 ${duringFigures.loopDelayP99Ms} max ${duringFigures.loopDelayMaxMs} ms)`);
    }

    const after = await liveCounts(deps.sql);
    const left = await sql<{ n: number }[]>`
      select ((select count(*) from feedback_call_sessions where expires_at < now())
            + (select count(*) from conversation_transcripts where expires_at < now())
            + (select count(*) from customer_verifications where expires_at < now() and phone_number is not null))::int as n`;
    const ok = JSON.stringify(before) === JSON.stringify(after) && left[0]!.n === 0 && rows === expiredSessions * ROWS_PER_SESSION;
    if (JSON.stringify(before) !== JSON.stringify(after)) out(`purge bench: live rows before ${JSON.stringify(before)}`);
    out(`purge bench: live rows ${JSON.stringify(after)}; expired left ${left[0]!.n}; ${ok ? 'OK' : 'MISMATCH'}`);
    const again = await runPurge(deps, { maxRowsPerSecond: 0 });
    const secondRunRows = Object.values(again.counts).reduce((a, b) => a + b, 0);
    out(`purge bench: second run ${secondRunRows} rows`);
    return {
      expiredSessions,
      liveSessions,
      batch,
      loadSeconds,
      rows,
      seconds: round2(seconds),
      rowsPerSecond: Math.round(rows / seconds),
      tables,
      redisKeys: result.redisKeys,
      ok,
      secondRunRows,
      purgeProcess,
      api:
        hammer && duringFigures
          ? {
              ratePerSecond: opts.hammer!,
              idle: { ...hammer.idle, samples: [] },
              during: { ...duringFigures, samples: [] },
              p99Ratio: hammer.idle.p99 && duringFigures.p99 !== null ? round2(duringFigures.p99 / hammer.idle.p99) : null,
            }
          : null,
      load: machineAtPurge,
    };
  } finally {
    if (api) await stopProcess(api);
    await close();
    if (opts.keep) {
      db.keep();
      redis.keep();
      out(`purge bench: kept database ${db.url} and Redis prefix ${redis.prefix}`);
    } else {
      await db.drop();
      await redis.drop();
    }
  }
}

/**
 * The API's latency per purge phase (the phases run one after another in the order of the per-table
 * lines; analysis_runs go within the sessions phase), from when each request was sent.
 */
function byPhase(samples: Array<[number, number]>, startedAt: number, tables: PurgeBenchResult['tables']): string {
  let t = startedAt;
  const parts: string[] = [];
  for (const phase of tables) {
    if (phase.ms === null) continue;
    const [from, to] = [t, t + phase.ms];
    t = to;
    const lat = samples.filter(([at]) => at >= from && at < to).map(([, ms]) => ms);
    if (lat.length === 0) continue;
    const s = summarize(lat);
    parts.push(`${phase.table} ${(phase.ms / 1000).toFixed(1)} s n=${lat.length} p99 ${s.p99} ms max ${s.max} ms`);
  }
  return parts.join('; ');
}

type ChildOutcome = { result: PurgeResult; tables: PurgeBenchResult['tables'] };

const tableLines = (lines: Record<string, unknown>[]): PurgeBenchResult['tables'] =>
  lines
    .filter((x) => x.message === 'retention purge table')
    .map((l) => ({ table: String(l.table), count: Number(l.count), ms: l.ms === null ? null : Number(l.ms) }));

/** Collects the JSON log lines a logger writes (the purge's per-table lines are read from them). */
function collectingLogger(level: string): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    }),
  });
  return { log, lines };
}

/**
 * The child-process mode (BENCH_PURGE_CHILD=1): connects like the backend, says "purge ready",
 * runs the purge once and prints `PURGE_RESULT <json>`.
 */
async function purgeChild(): Promise<void> {
  const { log, lines } = collectingLogger('info');
  const { deps, close } = createDeps(loadConfig(), { log });
  try {
    await deps.sql`select 1`;
    await deps.redis.ping();
    process.stdout.write('purge ready\n');
    const rate = process.env.BENCH_PURGE_RATE;
    const result = await runPurge(deps, rate === undefined ? {} : { maxRowsPerSecond: Number(rate) });
    process.stdout.write(`PURGE_RESULT ${JSON.stringify({ result, tables: tableLines(lines) } satisfies ChildOutcome)}\n`);
  } finally {
    await close();
  }
}

/**
 * Live sessions with valid (version 4) ids for the API to read — the fixture's md5 ids are not
 * RFC 4122 UUIDs and the API refuses them — each with its verification, 2 attempts and metrics.
 */
async function loadHammerSessions(sql: Sql): Promise<string[]> {
  await sql.unsafe(`
    with v as (
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, expires_at)
      select '${STORES[0]}', '+4673' || lpad(n::text, 7, '0'), 250, now() - interval '1 day', now() - interval '1 day', now() + interval '30 days'
      from generate_series(1, ${HAMMER_SESSIONS}) n returning id, phone_number
    ), s as (
      insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, phone_hash, session_status, retry_count,
                                          duration_seconds, consent_given, expires_at)
      select id, '${STORES[0]}', phone_number, md5(phone_number), 'completed', 1, 95, true, now() + interval '30 days' from v returning id
    ), a as (
      insert into call_attempts (call_session_id, attempt_no, outcome, started_at, ended_at, duration_seconds, cost, expires_at)
      select s.id, k, case k when 1 then 'no_answer' else 'answered' end, now() - interval '1 day', now() - interval '1 day', 45, 0.35,
             now() + interval '30 days'
      from s, generate_series(1, 2) k
    )
    insert into call_quality_metrics (call_session_id, webhook_p50_ms, webhook_p99_ms, turns, talk_time_seconds, expires_at)
    select id, 4, 12, 4, 80, now() + interval '30 days' from s`);
  const rows = await sql<{ id: string }[]>`
    select s.id::text from feedback_call_sessions s join customer_verifications v on v.id = s.customer_verification_id
    where v.phone_number like '+4673%'`;
  return rows.map((r) => r.id);
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


if (require.main === module && process.env.BENCH_PURGE_CHILD === '1') {
  purgeChild().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`purge child: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
} else if (require.main === module) {
  installSignalCleanup();
  runPurgeBench({
    rows: Number(arg('rows', '1000000')),
    batch: Number(arg('batch', '5000')),
    live: Number(arg('live', '0.1')),
    hammer: Number(arg('hammer', '0')),
    idleSeconds: Number(arg('idle', '10')),
    rate: process.argv.includes('--rate') ? Number(arg('rate', '0')) : undefined,
    inProcess: process.argv.includes('--in-process'),
    compiled: process.argv.includes('--compiled'),
    keep: process.argv.includes('--keep'),
  })
    .then((r) => {
      if (!r.ok) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      process.stderr.write(`purge bench: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanupAll();
      process.exit();
    });
}
