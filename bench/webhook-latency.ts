/**
 * Webhook answer latency under N concurrent simulated calls, as the 46elks simulator times it
 * (wall time from its POST to our answer). The simulators and the backend run as separate
 * processes. Usage: npx tsx bench/webhook-latency.ts --calls 200 --scale 0.05
 */
import postgres from 'postgres';
import { arg, backendEnv, dropDatabase, freshDatabase, startProcess, stopAll, waitForHttp } from './lib';

const CALLS = Number(arg('calls', '200'));
const SCALE = arg('scale', '0.05');
const PORTS = { elks: 46_461, openai: 46_471, api: 30_301 };
const DB = 'samtal_bench_webhooks';
const STORES = ['50000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002'];

async function main() {
  const started = Date.now();
  const dbUrl = await freshDatabase(DB);
  startProcess('apps/simulator/src/cli.ts', {
    SIM_ELKS_PORT: String(PORTS.elks),
    SIM_OPENAI_PORT: String(PORTS.openai),
    SIM_TIME_SCALE: SCALE,
    SIM_LOG: 'false',
    SIM_SEED: '7',
  }, 'simulator');
  await waitForHttp(`http://127.0.0.1:${PORTS.elks}/sim/stats`);
  const env = backendEnv({
    PORT: String(PORTS.api),
    PUBLIC_BASE_URL: `http://127.0.0.1:${PORTS.api}`,
    DATABASE_URL: dbUrl,
    REDIS_PREFIX: `bench_${Date.now()}`,
    ELKS_API_URL: `http://127.0.0.1:${PORTS.elks}/a1`,
    OPENAI_BASE_URL: `http://127.0.0.1:${PORTS.openai}/v1`,
  });
  // --split: the HTTP role in one process and the workers in another, as a deployment scales them.
  if (process.argv.includes('--split')) {
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
    startProcess('apps/backend/src/main.ts', { ...env, ROLE: 'api' }, 'backend api', profile);
    startProcess('apps/backend/src/main.ts', { ...env, ROLE: 'worker', PORT: '0' }, 'backend worker');
  } else {
    startProcess('apps/backend/src/main.ts', env, 'backend');
  }
  await waitForHttp(`http://127.0.0.1:${PORTS.api}/ready`);

  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const phone = `+46701${String(100000 + i).slice(-6)}`;
      await fetch(`http://127.0.0.1:${PORTS.elks}/sim/personas`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone, persona: 'engaged' }),
      });
      const res = await fetch(`http://127.0.0.1:${PORTS.api}/webhooks/verification`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${env.VERIFICATION_WEBHOOK_SECRET}` },
        body: JSON.stringify({
          type: 'INSERT',
          table: 'customer_verifications',
          schema: 'public',
          old_record: null,
          record: {
            id: crypto.randomUUID(),
            store_id: STORES[i % 2],
            phone_number: phone,
            transaction_amount: 200 + i,
            transaction_time: new Date().toISOString(),
            verification_status: 'verified',
            verified_at: new Date().toISOString(),
          },
        }),
      });
      const body = (await res.json()) as { call_session_id: string };
      ids.push(body.call_session_id);
    }),
  );
  let last = '';
  for (;;) {
    const rows = await sql<{ status: string; n: number }[]>`
      select session_status as status, count(*)::int as n from feedback_call_sessions group by 1 order by 1`;
    const line = rows.map((r) => `${r.status}=${r.n}`).join(' ');
    if (line !== last) process.stdout.write(`bench: ${line}\n`);
    last = line;
    if (rows.every((r) => !['pending', 'in_progress'].includes(r.status))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const stats = (await (await fetch(`http://127.0.0.1:${PORTS.elks}/sim/stats`)).json()) as {
    webhooks: { count: number; p50_ms: number; p95_ms: number; p99_ms: number; by_kind: Record<string, { count: number; p50_ms: number; p95_ms: number; p99_ms: number }> };
  };
  const [m] = await sql<{ p99: string; first_audio_p99: string }[]>`
    select percentile_cont(0.99) within group (order by webhook_p99_ms) as p99,
           percentile_cont(0.99) within group (order by answer_to_first_audio_ms) as first_audio_p99
    from call_quality_metrics`;
  await sql.end();
  const w = stats.webhooks;
  const mode = process.argv.includes('--split') ? 'api and workers in separate processes' : 'one process, ROLE=all';
  process.stdout.write(`\nwebhook answer latency, ${CALLS} concurrent calls (time scale ${SCALE}, ${mode}), as timed by the 46elks simulator:\n`);
  process.stdout.write(`  all      n=${w.count}  p50=${w.p50_ms} ms  p95=${w.p95_ms} ms  p99=${w.p99_ms} ms\n`);
  for (const [kind, k] of Object.entries(w.by_kind)) {
    process.stdout.write(`  ${kind.padEnd(12)} n=${k.count}  p50=${k.p50_ms} ms  p95=${k.p95_ms} ms  p99=${k.p99_ms} ms\n`);
  }
  process.stdout.write(`  backend's own handling time: p99 of per-call p99 = ${Number(m?.p99).toFixed(2)} ms; answer→first audio p99 = ${Number(m?.first_audio_p99).toFixed(2)} ms\n`);
  process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s in all)\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    await dropDatabase(DB);
  });
