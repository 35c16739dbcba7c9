/**
 * Analysis overhead per call: what grading a completed call costs us beyond the model itself.
 * The OpenAI simulator answers with latency 0, so the figures are our own work — loading the
 * call, the pattern queries, the deterministic checks, the SDK round trip to a local server and
 * the one-transaction save.
 *
 *   npx tsx bench/analysis.ts                # 200 calls
 *   npx tsx bench/analysis.ts --calls 500
 *   npx tsx bench/analysis.ts --inline-sim   # the simulator in this process (as before: it then
 *                                            # shares the worker's event loop and CPU)
 *   npx tsx bench/analysis.ts --in-process   # the worker in this process under tsx, instead of the
 *                                            # compiled backend as a ROLE=worker process of its own
 *
 * `runAnalysisBench` returns the figures (bench/run.ts, stage c).
 *
 * Needs the local Postgres and Redis (as `npm test`); uses a throwaway database and Redis prefix.
 */
import os from 'node:os';
import { startSimulators } from '@samtal/simulator';
import { analyzeSession } from '../apps/backend/src/analysis/analyze-session';
import { createDeps, type Deps } from '../apps/backend/src/deps';
import { startWorkers } from '../apps/backend/src/jobs/workers';
import { createLogger } from '../apps/backend/src/observability/logger';
import { ALL_DAY, ANSWERS, enqueueAnalysis, seedCompletedCall } from '../apps/backend/test/analysis/helpers';
import { testConfig } from '../apps/backend/test/helpers/env';
import { createTestDatabase, ensureTemplate } from '../apps/backend/test/helpers/pg';
import { dropPrefix, uniquePrefix } from '../apps/backend/test/helpers/redis';
import { GROCERY } from '../apps/backend/test/helpers/stack';
import {
  arg,
  backendEnv,
  buildBackend,
  cleanupAll,
  cleanupDone,
  cpuBetween,
  cpuSnapshot,
  freePort,
  installSignalCleanup,
  onCleanup,
  procStats,
  startCompiled,
  startProcess,
  stopProcess,
  waitForHttp,
} from './lib';

const SENTENCES = [...ANSWERS.engagedGrocery, ...ANSWERS.negativeGrocery, ...ANSWERS.otherGrocery];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const fmt = (n: number) => n.toFixed(1);

/** A call with three answers drawn from the persona-like sentences, plus a detail of its own. */
async function seedCall(deps: Deps, i: number): Promise<string> {
  const pick = (k: number) => SENTENCES[(i * 7 + k * 5) % SENTENCES.length]!;
  return seedCompletedCall(deps, { storeId: GROCERY, answers: [pick(0), pick(1), `${pick(2)} Det var runt ${(i % 50) + 2} minuter över ${(i % 9) + 9}.`] });
}

async function seedStore(deps: Deps): Promise<void> {
  const { sql } = deps;
  const [b] = await sql<{ id: string }[]>`insert into businesses (name) values ('Bench AB') returning id`;
  await sql`insert into stores (id, business_id, name) values (${GROCERY}, ${b!.id}, 'Lindqvists Livs')`;
  await sql`insert into business_context_profiles (store_id, departments, baseline_facts, operating_hours)
            values (${GROCERY}, ${sql.json(['Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa'])},
                    ${sql.json(['Butiken har ingen manuell fiskdisk'])}, ${sql.json(ALL_DAY as never)})`;
}

/** Finished analysis runs in the bench database (a seq scan of a few thousand rows: cheap enough to poll). */
async function finishedRuns(deps: Deps): Promise<number> {
  const [r] = await deps.sql<{ n: number }[]>`select count(*)::int as n from analysis_runs where status in ('completed', 'failed')`;
  return r?.n ?? 0;
}

/**
 * Waits until `count` more runs than `before` have finished. (Matching the ids with `= any(…)` cost
 * Postgres 100 ms a poll — half of its CPU in the measured window went to the bench's own polling.)
 */
async function waitAllGraded(deps: Deps, before: number, count: number): Promise<void> {
  while ((await finishedRuns(deps)) < before + count) await new Promise((res) => setTimeout(res, 20));
}

export type AnalysisBenchResult = {
  calls: number;
  /** One call at a time, in process: the overhead of one analysis. */
  sequential: { p50Ms: number; p95Ms: number; meanMs: number; callsPerSecond: number; llmP50Ms: number; llmP95Ms: number };
  /**
   * Through BullMQ: one worker at the given concurrency, from enqueue to the last grade. With
   * `process` (the default) the worker is the backend compiled by tsc, started as `npm start` starts
   * it (ROLE=worker) in a process of its own, and `cpuMsPerCall` / `elu` are that process's own.
   */
  workers: Array<{
    concurrency: number;
    seconds: number;
    callsPerSecond: number;
    cpuMsPerCall: number | null;
    elu: number | null;
    /** All cores' busy time over the window per graded call, and CPU-s per process (group) in it. */
    machineCpuMsPerCall: number;
    cpuSecondsBy: Record<string, number>;
  }>;
  /** Where the worker ran: 'process' (compiled, ROLE=worker) or 'in-process' (this bench's own event loop, under tsx). */
  workerMode: 'process' | 'in-process';
  notCompleted: number;
  lines: string[];
};

/**
 * The OpenAI simulator in a process of its own (default), so its grading heuristics (several ms of
 * CPU per request) don't run on the worker's event loop; `inline` runs it in this process instead.
 */
async function openAiSimulator(inline: boolean): Promise<{ openaiUrl: string; pid?: number; stop: () => Promise<void> }> {
  if (inline) return startSimulators({ seed: 1 });
  const [elks, openai] = [await freePort(), await freePort()];
  const child = startProcess('apps/simulator/src/cli.ts', { SIM_ELKS_PORT: String(elks), SIM_OPENAI_PORT: String(openai), SIM_LOG: 'false', SIM_SEED: '1' }, 'simulator');
  await waitForHttp(`http://127.0.0.1:${elks}/sim/stats`);
  return { openaiUrl: `http://127.0.0.1:${openai}/v1`, pid: child.pid, stop: () => stopProcess(child) };
}

let builtBackend: string | null = null;

/** The compiled backend as a ROLE=worker process of its own; ready once its stats socket answers. */
async function startWorkerProcess(env: Record<string, string>): Promise<{ pid: number; stop: () => Promise<void> }> {
  builtBackend ??= buildBackend();
  const child = startCompiled(builtBackend, backendEnv({ ...env, ROLE: 'worker', PORT: '0', PUBLIC_BASE_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'warn' }), 'backend worker');
  const deadline = Date.now() + 60_000;
  while (!(await procStats(child.pid!))) {
    if (child.exitCode !== null) throw new Error(`the worker process exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error('the worker process did not start within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, stop: () => stopProcess(child) };
}

export async function runAnalysisBench(opts: {
  calls: number;
  concurrencies?: number[];
  inlineSimulator?: boolean;
  /** Run the worker in this process (under tsx) instead of as a compiled ROLE=worker process. */
  inProcessWorker?: boolean;
}): Promise<AnalysisBenchResult> {
  const CALLS = opts.calls;
  await ensureTemplate();
  const db = await createTestDatabase();
  onCleanup(`db:${db.name}`, () => db.drop());
  const prefix = uniquePrefix('bench');
  onCleanup(`redis:${prefix}`, () => dropPrefix(prefix));
  const sims = await openAiSimulator(opts.inlineSimulator ?? false);
  const base = { DATABASE_URL: db.url, REDIS_PREFIX: prefix, OPENAI_BASE_URL: sims.openaiUrl, LOG_LEVEL: 'error', DATABASE_POOL_MAX: '20' };
  const { deps, close } = createDeps(testConfig(base), { log: createLogger({ level: 'error' }) });
  const out: string[] = [];
  const result: Omit<AnalysisBenchResult, 'lines'> = {
    calls: CALLS,
    sequential: { p50Ms: 0, p95Ms: 0, meanMs: 0, callsPerSecond: 0, llmP50Ms: 0, llmP95Ms: 0 },
    workers: [],
    workerMode: opts.inProcessWorker ? 'in-process' : 'process',
    notCompleted: 0,
  };
  try {
    await seedStore(deps);
    // Warm up (connections, prepared statements, JIT).
    for (let i = 0; i < 10; i++) await analyzeSession(deps, await seedCall(deps, 10_000 + i), { final: true, log: deps.log });

    // 1. One call at a time, in process: the overhead of one analysis.
    const total: number[] = [];
    const llm: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const id = await seedCall(deps, i);
      const t0 = performance.now();
      const { row } = await analyzeSession(deps, id, { final: true, log: deps.log });
      total.push(performance.now() - t0);
      llm.push(Number(row.analysis_metadata.llm_duration_ms));
    }
    const mean = total.reduce((a, b) => a + b, 0) / total.length;
    const r1 = (n: number) => Math.round(n * 10) / 10;
    result.sequential = {
      p50Ms: r1(pct(total, 50)),
      p95Ms: r1(pct(total, 95)),
      meanMs: r1(mean),
      callsPerSecond: r1(1000 / mean),
      llmP50Ms: r1(pct(llm, 50)),
      llmP95Ms: r1(pct(llm, 95)),
    };
    out.push(
      `analysis overhead per call (sequential, ${CALLS} calls, OpenAI simulator latency 0, ${opts.inlineSimulator ? 'in this process' : 'in its own process'}):`,
      `  total     p50 ${fmt(pct(total, 50))} ms  p95 ${fmt(pct(total, 95))} ms  mean ${fmt(mean)} ms  → ${fmt(1000 / mean)} calls/s`,
      `  of which the OpenAI round trip (SDK + local simulator)  p50 ${fmt(pct(llm, 50))} ms  p95 ${fmt(pct(llm, 95))} ms`,
    );

    // 2. Through BullMQ: one worker process at the given concurrency, from enqueue to the last grade.
    for (const concurrency of opts.concurrencies ?? [1, 4]) {
      const ids: string[] = [];
      for (let i = 0; i < CALLS; i++) ids.push(await seedCall(deps, 20_000 + concurrency * CALLS + i));
      const warm: string[] = [];
      for (let i = 0; i < 20; i++) warm.push(await seedCall(deps, 90_000 + concurrency * 100 + i));
      const env = { ...base, ANALYSIS_CONCURRENCY: String(concurrency) };
      let stop: () => Promise<void>;
      let pid: number | null = null;
      if (opts.inProcessWorker) {
        const workerDeps = createDeps(testConfig(env), { log: createLogger({ level: 'error' }) });
        const workers = await startWorkers(workerDeps.deps);
        stop = async () => {
          await workers.stop();
          await workerDeps.close();
        };
      } else {
        const w = await startWorkerProcess(env);
        pid = w.pid;
        stop = w.stop;
      }
      try {
        // Warm-up through the queue (connections, prepared statements, JIT), outside the window.
        const beforeWarm = await finishedRuns(deps);
        await Promise.all(warm.map((id) => enqueueAnalysis(deps, id)));
        await waitAllGraded(deps, beforeWarm, warm.length);
        const before = await finishedRuns(deps);
        if (pid) await procStats(pid, true);
        const cpu0 = cpuSnapshot();
        const t0 = performance.now();
        await Promise.all(ids.map((id) => enqueueAnalysis(deps, id)));
        await waitAllGraded(deps, before, ids.length);
        const secs = (performance.now() - t0) / 1000;
        const st = pid ? await procStats(pid) : null;
        const cpu = cpuBetween(cpu0, cpuSnapshot(), { worker: pid ?? undefined, 'OpenAI simulator': sims.pid });
        const perCall = (s: number) => `${((s * 1000) / CALLS).toFixed(1)}`;
        const where = Object.entries(cpu.by)
          .sort((a, b) => b[1] - a[1])
          .filter(([, s]) => (s * 1000) / CALLS >= 0.1)
          .map(([k, s]) => `${k} ${perCall(s)}`)
          .join(', ');
        const cpuMsPerCall = st ? Math.round((st.cpuS * 1000 * 100) / CALLS) / 100 : null;
        const elu = st ? Math.round(st.elu * 100) / 100 : null;
        out.push(
          `worker (BullMQ, ANALYSIS_CONCURRENCY=${concurrency}, ${opts.inProcessWorker ? 'in this process' : 'compiled, ROLE=worker, own process'}): ` +
            `${CALLS} calls in ${secs.toFixed(2)} s → ${fmt(CALLS / secs)} calls/s per worker` +
            (st ? `; worker CPU ${cpuMsPerCall} ms a call, ELU ${elu}` : ''),
          `  machine CPU per graded call ${perCall(cpu.busyS)} ms of 2 cores' ${perCall(cpu.seconds * os.cpus().length)} (${where})`,
        );
        result.workers.push({
          concurrency,
          seconds: Math.round(secs * 100) / 100,
          callsPerSecond: Math.round((CALLS / secs) * 10) / 10,
          cpuMsPerCall,
          elu,
          machineCpuMsPerCall: Math.round((cpu.busyS * 1e5) / CALLS) / 100,
          cpuSecondsBy: cpu.by,
        });
      } finally {
        await stop();
      }
    }
    const [failed] = await deps.sql<{ n: number }[]>`select count(*)::int as n from analysis_runs where status <> 'completed'`;
    out.push(`runs not completed: ${failed?.n ?? 0}`);
    result.notCompleted = failed?.n ?? 0;
  } finally {
    await close();
    await sims.stop();
    await dropPrefix(prefix);
    cleanupDone(`redis:${prefix}`);
    await db.drop();
    cleanupDone(`db:${db.name}`);
  }
  return { ...result, lines: out };
}

if (require.main === module) {
  installSignalCleanup();
  runAnalysisBench({
    calls: Number(arg('calls', '200')),
    concurrencies: arg('concurrency', '1,4').split(',').map(Number),
    inlineSimulator: process.argv.includes('--inline-sim'),
    inProcessWorker: process.argv.includes('--in-process'),
  })
    .then((r) => process.stdout.write(`${r.lines.join('\n')}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanupAll();
      process.exit();
    });
}
