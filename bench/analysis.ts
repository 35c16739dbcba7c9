/**
 * Analysis overhead per call: what grading a completed call costs us beyond the model itself.
 * The OpenAI simulator answers with latency 0, so the figures are our own work — loading the
 * call, the pattern queries, the deterministic checks, the SDK round trip to a local server and
 * the one-transaction save.
 *
 *   npx tsx bench/analysis.ts                # 200 calls
 *   npx tsx bench/analysis.ts --calls 500
 *
 * Needs the local Postgres and Redis (as `npm test`); uses a throwaway database and Redis prefix.
 */
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

const callsArg = process.argv.indexOf('--calls');
const CALLS = Number(callsArg >= 0 ? process.argv[callsArg + 1] : 200);
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

async function waitAllGraded(deps: Deps, ids: string[]): Promise<void> {
  for (;;) {
    const [r] = await deps.sql<{ n: number }[]>`
      select count(*)::int as n from analysis_runs where call_session_id = any(${deps.sql.array(ids)}::uuid[]) and status in ('completed', 'failed')`;
    if ((r?.n ?? 0) >= ids.length) return;
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function main(): Promise<void> {
  await ensureTemplate();
  const db = await createTestDatabase();
  const prefix = uniquePrefix('bench');
  const sims = await startSimulators({ seed: 1 });
  const base = { DATABASE_URL: db.url, REDIS_PREFIX: prefix, OPENAI_BASE_URL: sims.openaiUrl, LOG_LEVEL: 'error', DATABASE_POOL_MAX: '20' };
  const { deps, close } = createDeps(testConfig(base), { log: createLogger({ level: 'error' }) });
  const out: string[] = [];
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
    out.push(
      `analysis overhead per call (sequential, ${CALLS} calls, OpenAI simulator latency 0):`,
      `  total     p50 ${fmt(pct(total, 50))} ms  p95 ${fmt(pct(total, 95))} ms  mean ${fmt(mean)} ms  → ${fmt(1000 / mean)} calls/s`,
      `  of which the OpenAI round trip (SDK + local simulator)  p50 ${fmt(pct(llm, 50))} ms  p95 ${fmt(pct(llm, 95))} ms`,
    );

    // 2. Through BullMQ: one worker process at the given concurrency, from enqueue to the last grade.
    for (const concurrency of [1, 4]) {
      const ids: string[] = [];
      for (let i = 0; i < CALLS; i++) ids.push(await seedCall(deps, 20_000 + concurrency * CALLS + i));
      const workerDeps = createDeps(testConfig({ ...base, ANALYSIS_CONCURRENCY: String(concurrency) }), { log: createLogger({ level: 'error' }) });
      const workers = await startWorkers(workerDeps.deps);
      const t0 = performance.now();
      await Promise.all(ids.map((id) => enqueueAnalysis(deps, id)));
      await waitAllGraded(deps, ids);
      const secs = (performance.now() - t0) / 1000;
      await workers.stop();
      await workerDeps.close();
      out.push(`worker (BullMQ, ANALYSIS_CONCURRENCY=${concurrency}): ${CALLS} calls in ${secs.toFixed(2)} s → ${fmt(CALLS / secs)} calls/s per worker`);
    }
    const [failed] = await deps.sql<{ n: number }[]>`select count(*)::int as n from analysis_runs where status <> 'completed'`;
    out.push(`runs not completed: ${failed?.n ?? 0}`);
  } finally {
    await close();
    await sims.stop();
    await dropPrefix(prefix);
    await db.drop();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
