/**
 * Webhook answer latency under N concurrent calls, as the 46elks simulator times it (wall time
 * from its POST until our answer's body is read), for the backend and — same run, same load — a
 * bare Express server returning static actions (bench/bare-server.ts). Simulators, backend and
 * bare server run as separate processes, one phase after the other (bare, then backend), each
 * with a simulator of its own, so neither's load or stats leak into the other's.
 *
 * What "N concurrent calls" means here: the load of N calls talking at once *in real time*.
 * A call's pace scales with the simulator's time scale s (each wait is × s), so N·s simulated
 * calls at time scale s send webhooks at the rate (and in the same bursts) as N real-time calls
 * would, in s of the wall time. N calls at s = 0.05 would instead be the load of 20·N calls.
 * Only the count of calls held at once (Redis keys, not backend memory) is N·s instead of N;
 * `--scale 1` gives exactly N real calls (a call lasts ~2 minutes then).
 *
 *   npx tsx bench/webhook-latency.ts --levels 100,500,1000 --scale 0.25
 *   npx tsx bench/webhook-latency.ts --calls 200 --scale 1            # 200 simulated calls, real time
 *   npx tsx bench/webhook-latency.ts --levels 200 --split             # api and workers in 2 processes
 *   npx tsx bench/webhook-latency.ts --levels 1000 --compiled         # the backend built by tsc, no tsx
 *
 * Each phase first runs a few warm-up calls (persona hangs_up: voice-start, recording, next,
 * hangup) and leaves them out of every figure, so the JIT and the TTS cache are warm, as in
 * production. Calls are placed evenly over `--ramp` simulated seconds (default 5).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import postgres from 'postgres';
import {
  type Summary,
  arg,
  fireVerification,
  json,
  jsonPost,
  backendEnv,
  buildBackend,
  cleanupAll,
  freePort,
  installSignalCleanup,
  machineLoad,
  procCpuSeconds,
  procMemory,
  type ProcStats,
  procStats,
  round2,
  sampleMemory,
  sleep,
  startCompiled,
  startProcess,
  type SpawnOptions,
  startStoreProbe,
  type StoreLatency,
  stopProcess,
  summarize,
  trackedDatabase,
  trackedRedisPrefix,
  waitForHttp,
  waitForOutput,
  waitForQuiet,
  ramp,
} from './lib';

const GROCERY = '50000000-0000-4000-8000-000000000001';
const KINDS = ['voice_start', 'next', 'recording', 'hangup'] as const;
type Kind = (typeof KINDS)[number];

export type WebhookOptions = {
  /** Real-time concurrency levels, e.g. [100, 500, 1000]. */
  levels: number[];
  /** Simulator time scale; each level runs round(level × scale) simulated calls. */
  scale: number;
  /** Calls are placed evenly over this many simulated seconds. */
  rampSimS?: number;
  seed?: number;
  /** ROLE=api and ROLE=worker in two processes instead of one ROLE=all. */
  split?: boolean;
  /** Overrides round(level × scale) (the old `--calls`). */
  simCalls?: number;
  /** Run the backend compiled by tsc (`node main.js`, as `npm start`) instead of through tsx. */
  compiled?: boolean;
  log?: (line: string) => void;
};

export type PhaseResult = {
  server: 'backend' | 'bare';
  simCalls: number;
  warmupCalls: number;
  seconds: number;
  /** Call end states in the simulator (state/endReason → count); all should be success. */
  callStates: Record<string, number>;
  incomplete: number;
  /** As timed by the 46elks simulator, measured calls only. */
  webhooks: { all: Summary; byKind: Record<Kind, Summary>; errors: number };
  /** Handling time inside the server, from the handler's start until the answer is sent. */
  inProcess: { voiceStart: Summary; recToNext: Summary; rec: Summary; next: Summary };
  /** Backend only: sessions by final status. */
  sessions?: Record<string, number>;
  /** The API process (ROLE=all: the only one); `worker` with --split. */
  memory: { idleRssMiB: number | null; maxRssMiB: number; hwmMiB: number; samples: number; worker?: { idleRssMiB: number | null; maxRssMiB: number; hwmMiB: number } };
  cpu: { serverSeconds: number | null; simulatorSeconds: number | null; workerSeconds?: number | null };
  load: ReturnType<typeof machineLoad>;
  /** Each process's own figures over the measured window (bench/proc-stats.cjs). */
  processes: Record<string, ProcStats | null>;
  /** Backend only: Redis and Postgres latency during the window. */
  stores?: StoreLatency;
  /** Backend only: server-side handling, phase by phase (TRACE_FILE), per webhook kind. */
  trace?: TraceBreakdown;
};

export type TraceBreakdown = Record<
  string,
  {
    /** Server-side, from the first middleware until the answer is flushed. */
    total: Summary;
    /** p99 of each phase on its own. */
    phaseP99: Record<string, number | null>;
    /** The mean of each phase over the slowest 1 % of this kind's webhooks (those at or above p99). */
    atP99: Record<string, number>;
  }
>;

/** Reads a backend's TRACE_FILE and breaks the webhooks of the window down by phase. */
function traceBreakdown(file: string, fromMs: number): TraceBreakdown | undefined {
  if (!existsSync(file)) return undefined;
  const records = (JSON.parse(readFileSync(file, 'utf8')) as Array<{ kind: string; at: number; totalMs: number; phases: Record<string, number> }>).filter(
    (r) => r.at >= fromMs && r.kind.startsWith('/webhooks/46elks/'),
  );
  rmSync(file, { force: true });
  const out: TraceBreakdown = {};
  const kinds = [...new Set(records.map((r) => r.kind))];
  for (const kind of kinds) {
    const rs = records.filter((r) => r.kind === kind);
    const total = summarize(rs.map((r) => r.totalMs));
    const phases = [...new Set(rs.flatMap((r) => Object.keys(r.phases)))];
    const slow = rs.filter((r) => total.p99 !== null && r.totalMs >= total.p99);
    out[kind.replace('/webhooks/46elks/', '')] = {
      total,
      phaseP99: Object.fromEntries(phases.map((p) => [p, summarize(rs.map((r) => r.phases[p] ?? 0)).p99])),
      atP99: Object.fromEntries(phases.map((p) => [p, round2(slow.reduce((a, r) => a + (r.phases[p] ?? 0), 0) / Math.max(1, slow.length))])),
    };
  }
  return out;
}

/** Starts a new stats window in each process; `read()` gets the window's figures. */
async function watchProcesses(pids: Record<string, number | undefined>) {
  await Promise.all(Object.values(pids).map((pid) => (pid ? procStats(pid, true) : null)));
  return {
    read: async (): Promise<Record<string, ProcStats | null>> =>
      Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, pid ? await procStats(pid) : null] as const))),
  };
}

export type LevelResult = {
  level: number;
  scale: number;
  simCalls: number;
  bare: PhaseResult;
  backend: PhaseResult;
  /** backend ÷ bare, simulator-timed, all webhooks. */
  ratio: { p50: number | null; p95: number | null; p99: number | null };
};

const div = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round2(a / b));
const phone = (block: number, i: number) => `+4670${block}${String(100000 + i).slice(-6)}`;

type SimCall = {
  to: string;
  state: string;
  endReason: string | null;
  settled: boolean;
  webhooks: Array<{ kind: Kind; latencyMs: number; status: number | null }>;
};


/**
 * One simulator process. The bench runs two: the 46elks load generator (it places the calls, plays the
 * personas and times our answers) and, for the backend phase, the OpenAI simulator (TTS, STT, grading)
 * — so the OpenAI work the bare phase never has does not delay the load generator's clock.
 */
async function startSimulator(scale: number, seed: number, label: string, opts: SpawnOptions = {}) {
  const [elks, openai] = [await freePort(), await freePort()];
  const child = startProcess(
    'apps/simulator/src/cli.ts',
    { SIM_ELKS_PORT: String(elks), SIM_OPENAI_PORT: String(openai), SIM_TIME_SCALE: String(scale), SIM_LOG: 'false', SIM_SEED: String(seed) },
    label,
    [],
    opts,
  );
  await waitForHttp(`http://127.0.0.1:${elks}/sim/stats`);
  return { child, elks: `http://127.0.0.1:${elks}`, openai: `http://127.0.0.1:${openai}/v1` };
}

/** Waits until every call the simulator placed has ended and delivered everything; returns the records. */
async function settledCalls(elks: string, expected: number, deadline: number): Promise<{ calls: SimCall[]; timedOut: boolean }> {
  for (;;) {
    const stats = await json<{ calls: { total: number; active: number } }>(`${elks}/sim/stats`);
    if (stats.calls.total >= expected && stats.calls.active === 0) {
      const { data } = await json<{ data: SimCall[] }>(`${elks}/sim/calls`);
      if (data.every((c) => c.settled) || Date.now() > deadline) return { calls: data, timedOut: !data.every((c) => c.settled) };
    } else if (Date.now() > deadline) {
      const { data } = await json<{ data: SimCall[] }>(`${elks}/sim/calls`);
      return { calls: data, timedOut: true };
    }
    await sleep(500);
  }
}

function simFigures(calls: SimCall[], measured: Set<string>) {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  const all: number[] = [];
  const states: Record<string, number> = {};
  let errors = 0;
  for (const c of calls) {
    if (!measured.has(c.to)) continue;
    const key = `${c.state}/${c.endReason ?? '-'}`;
    states[key] = (states[key] ?? 0) + 1;
    for (const w of c.webhooks) {
      if (w.status === null || w.status < 200 || w.status > 204) errors++;
      if (w.status === null) continue; // a network error or timeout has no answer time
      byKind[w.kind]?.push(w.latencyMs);
      all.push(w.latencyMs);
    }
  }
  return {
    webhooks: { all: summarize(all), byKind: Object.fromEntries(KINDS.map((k) => [k, summarize(byKind[k])])) as Record<Kind, Summary>, errors },
    callStates: states,
  };
}

const warmupCount = (simCalls: number) => Math.min(20, Math.max(3, Math.round(simCalls * 0.05)));
/** Generous: ring ≤ 9 s + a call ≤ 130 s simulated, plus the dial queue and slow machines. */
const phaseDeadline = (rampMs: number, scale: number) => Date.now() + rampMs + 200_000 * scale + 90_000;

// ---------------------------------------------------------------------------------------------

async function barePhase(simCalls: number, o: Required<Omit<WebhookOptions, 'simCalls'>>): Promise<PhaseResult> {
  const load = machineLoad();
  const sim = await startSimulator(o.scale, o.seed, '46elks simulator');
  const port = await freePort();
  const bare = startProcess('bench/bare-server.ts', { BENCH_BARE_PORT: String(port), NODE_ENV: 'production' }, 'bare server');
  try {
    await waitForOutput(bare, /bare server listening on \d+/);
    const base = `http://127.0.0.1:${port}`;
    const auth = `Basic ${Buffer.from('u_sim:p_sim').toString('base64')}`;
    const placeCall = async (to: string) => {
      const body = new URLSearchParams({ from: '+46766860000', to, voice_start: `${base}/webhooks/voice-start`, whenhangup: `${base}/webhooks/hangup`, timeout: '40' });
      await json(`${sim.elks}/a1/calls`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
    };
    const idle = procMemory(bare.pid!);
    const mem = sampleMemory(bare.pid!);

    const warm = warmupCount(simCalls);
    for (let i = 0; i < warm; i++) await json(`${sim.elks}/sim/personas`, jsonPost({ phone: phone(9, i), persona: 'hangs_up' }));
    await Promise.all(Array.from({ length: warm }, (_, i) => placeCall(phone(9, i))));
    await settledCalls(sim.elks, warm, Date.now() + 120_000);
    await fetch(`${base}/bare/reset`, { method: 'POST' });
    const quiet = await waitForQuiet(60);
    o.log(`    bare: machine ${quiet.quiet ? 'quiet' : 'still busy'} (${quiet.busyCores} cores busy, waited ${quiet.waitedS} s)`);

    const cpu0 = { server: procCpuSeconds(bare.pid!), sim: procCpuSeconds(sim.child.pid!) };
    const watch = await watchProcesses({ 'load generator (46elks simulator)': sim.child.pid, 'bare server': bare.pid });
    const measured = new Set(Array.from({ length: simCalls }, (_, i) => phone(2, i)));
    const rampMs = o.rampSimS * 1000 * o.scale;
    const deadline = phaseDeadline(rampMs, o.scale);
    const t0 = Date.now();
    await ramp(simCalls, rampMs, (i) => placeCall(phone(2, i)));
    const { calls, timedOut } = await settledCalls(sim.elks, warm + simCalls, deadline);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = { serverSeconds: cpuDelta(bare.pid!, cpu0.server), simulatorSeconds: cpuDelta(sim.child.pid!, cpu0.sim) };
    const processes = await watch.read();
    const memory = { idleRssMiB: idle ? round2(idle.rssMiB) : null, ...mem.stop() };
    const { samples } = await json<{ samples: Record<string, number[]> }>(`${base}/bare/stats`);
    const figures = simFigures(calls, measured);
    return {
      server: 'bare',
      simCalls,
      warmupCalls: warm,
      seconds: round2(seconds),
      ...figures,
      incomplete: timedOut ? simCalls - calls.filter((c) => measured.has(c.to) && c.settled).length : 0,
      inProcess: {
        voiceStart: summarize(samples['voice-start'] ?? []),
        recToNext: summarize([...(samples.rec ?? []), ...(samples.next ?? [])]),
        rec: summarize(samples.rec ?? []),
        next: summarize(samples.next ?? []),
      },
      memory,
      cpu,
      load,
      processes,
    };
  } finally {
    await Promise.all([stopProcess(bare), stopProcess(sim.child)]);
  }
}

const cpuDelta = (pid: number, before: number | null) => {
  const now = procCpuSeconds(pid);
  return now === null || before === null ? null : round2(now - before);
};

let builtBackend: string | undefined;

async function backendPhase(simCalls: number, o: Required<Omit<WebhookOptions, 'simCalls'>>): Promise<PhaseResult> {
  const load = machineLoad();
  let result: PhaseResult | undefined;
  let windowStart = Date.now();
  const sim = await startSimulator(o.scale, o.seed, '46elks simulator');
  // The OpenAI simulator stands in for an external service and the worker for processes that run on other
  // machines in production: both at nice 19 when --split (bench/lib.ts SpawnOptions), so on this 2-core
  // machine they use the CPU the API and the load generator leave idle.
  const background: SpawnOptions = o.split ? { nice: 19 } : {};
  const oai = await startSimulator(o.scale, o.seed, 'OpenAI simulator', background);
  const db = await trackedDatabase(`samtal_bench_webhooks_${process.pid}`);
  const redis = trackedRedisPrefix('webhooks');
  const port = await freePort();
  const traceFile = `/tmp/samtal-bench-trace-${process.pid}-${port}.json`;
  const env = backendEnv({
    TRACE_FILE: traceFile,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    REDIS_PREFIX: redis.prefix,
    ELKS_API_URL: `${sim.elks}/a1`,
    OPENAI_BASE_URL: oai.openai,
  });
  if (o.compiled && !builtBackend) builtBackend = buildBackend();
  const compiled = o.compiled ? builtBackend! : null;
  const start = (e: Record<string, string>, label: string, so: SpawnOptions = {}) =>
    compiled ? startCompiled(compiled, e, label, so) : startProcess('apps/backend/src/main.ts', e, label, [], so);
  const { TRACE_FILE: _trace, ...workerEnv } = env;
  const procs = o.split
    ? [start({ ...env, ROLE: 'api' }, 'backend api'), start({ ...workerEnv, ROLE: 'worker', PORT: '0' }, 'backend worker', background)]
    : [start(env, 'backend')];
  const api = procs[0]!;
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const verify = (to: string, i: number) => fireVerification(base, env.VERIFICATION_WEBHOOK_SECRET, GROCERY, to, 200 + i);
    const sessionsDone = async (ids: string[], deadline: number): Promise<Record<string, number>> => {
      for (;;) {
        const rows = await sql<{ status: string; n: number }[]>`
          select session_status as status, count(*)::int as n from feedback_call_sessions where id = any(${ids}::uuid[]) group by 1`;
        const out = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        if (rows.every((r) => !['pending', 'in_progress'].includes(r.status)) || Date.now() > deadline) return out;
        await sleep(500);
      }
    };
    const idle = procMemory(api.pid!);
    const mem = sampleMemory(api.pid!);
    const workerIdle = procs[1] ? procMemory(procs[1].pid!) : null;
    const workerMem = procs[1] ? sampleMemory(procs[1].pid!) : null;

    const warm = warmupCount(simCalls);
    for (let i = 0; i < warm; i++) await json(`${sim.elks}/sim/personas`, jsonPost({ phone: phone(9, i), persona: 'hangs_up' }));
    const warmIds = await Promise.all(Array.from({ length: warm }, (_, i) => verify(phone(9, i), i)));
    await sessionsDone(warmIds, Date.now() + 120_000);
    await settledCalls(sim.elks, warm, Date.now() + 60_000);
    const quiet = await waitForQuiet(60);
    o.log(`    backend: machine ${quiet.quiet ? 'quiet' : 'still busy'} (${quiet.busyCores} cores busy, waited ${quiet.waitedS} s)`);

    const cpu0 = { server: procCpuSeconds(api.pid!), sim: procCpuSeconds(sim.child.pid!), worker: procs[1] ? procCpuSeconds(procs[1].pid!) : null };
    const watch = await watchProcesses({
      'load generator (46elks simulator)': sim.child.pid,
      'OpenAI simulator': oai.child.pid,
      [o.split ? 'backend api' : 'backend (ROLE=all)']: api.pid,
      ...(procs[1] ? { 'backend worker': procs[1].pid } : {}),
    });
    const probe = await startStoreProbe(db.url);
    const measured = new Set(Array.from({ length: simCalls }, (_, i) => phone(1, i)));
    const ids: string[] = [];
    const rampMs = o.rampSimS * 1000 * o.scale;
    const deadline = phaseDeadline(rampMs, o.scale);
    const t0 = Date.now();
    windowStart = t0;
    await ramp(simCalls, rampMs, async (i) => {
      ids.push(await verify(phone(1, i), i));
    });
    let last = '';
    const progress = setInterval(async () => {
      const rows = await sql<{ status: string; n: number }[]>`
        select session_status as status, count(*)::int as n from feedback_call_sessions where id = any(${ids}::uuid[]) group by 1 order by 1`.catch(() => []);
      const line = rows.map((r) => `${r.status}=${r.n}`).join(' ');
      if (line !== last) o.log(`    backend sessions: ${line}`);
      last = line;
    }, 5_000);
    const sessions = await sessionsDone(ids, deadline).finally(() => clearInterval(progress));
    const { calls, timedOut } = await settledCalls(sim.elks, warm + simCalls, deadline);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = {
      serverSeconds: cpuDelta(api.pid!, cpu0.server),
      simulatorSeconds: cpuDelta(sim.child.pid!, cpu0.sim),
      ...(procs[1] ? { workerSeconds: cpuDelta(procs[1].pid!, cpu0.worker) } : {}),
    };
    const processes = await watch.read();
    const stores = await probe.stop();
    const w = workerMem?.stop();
    const memory = {
      idleRssMiB: idle ? round2(idle.rssMiB) : null,
      ...mem.stop(),
      ...(w ? { worker: { idleRssMiB: workerIdle ? round2(workerIdle.rssMiB) : null, maxRssMiB: w.maxRssMiB, hwmMiB: w.hwmMiB } } : {}),
    };
    const metrics = await sql<{ first: string | null; lat: Record<string, number> }[]>`
      select answer_to_first_audio_ms as first, webhook_latencies_ms as lat from call_quality_metrics where call_session_id = any(${ids}::uuid[])`;
    const pick = (prefix: string) => metrics.flatMap((m) => Object.entries(m.lat).filter(([k]) => k.startsWith(prefix)).map(([, v]) => Number(v)));
    const figures = simFigures(calls, measured);
    const unfinished = Object.entries(sessions).filter(([s]) => ['pending', 'in_progress'].includes(s)).reduce((a, [, n]) => a + n, 0);
    result = {
      server: 'backend',
      simCalls,
      warmupCalls: warm,
      seconds: round2(seconds),
      ...figures,
      incomplete: Math.max(unfinished, timedOut ? simCalls - calls.filter((c) => measured.has(c.to) && c.settled).length : 0),
      inProcess: {
        voiceStart: summarize(metrics.filter((m) => m.first !== null).map((m) => Number(m.first))),
        recToNext: summarize([...pick('rec:'), ...pick('next:')]),
        rec: summarize(pick('rec:')),
        next: summarize(pick('next:')),
      },
      sessions,
      memory,
      cpu,
      load,
      processes,
      stores,
    };
  } finally {
    await sql.end();
    await Promise.all(procs.map(stopProcess));
    await Promise.all([stopProcess(sim.child), stopProcess(oai.child)]);
    if (result) result.trace = traceBreakdown(traceFile, windowStart);
    await db.drop();
    await redis.drop();
  }
  return result;
}

export async function runWebhookLevel(level: number, opts: WebhookOptions): Promise<LevelResult> {
  const o = { rampSimS: 5, seed: 7, split: false, compiled: false, log: (l: string) => process.stdout.write(`${l}\n`), ...opts };
  const simCalls = opts.simCalls ?? Math.max(1, Math.round(level * o.scale));
  o.log(`  ${level} concurrent calls = ${simCalls} simulated calls at time scale ${o.scale}: bare server…`);
  const bare = await barePhase(simCalls, o);
  o.log(`    bare: p99 ${bare.webhooks.all.p99} ms over ${bare.webhooks.all.n} webhooks (${bare.seconds} s); backend…`);
  const backend = await backendPhase(simCalls, o);
  o.log(`    backend: p99 ${backend.webhooks.all.p99} ms over ${backend.webhooks.all.n} webhooks (${backend.seconds} s), peak RSS ${backend.memory.hwmMiB} MiB`);
  const a = backend.webhooks.all;
  const b = bare.webhooks.all;
  return { level, scale: o.scale, simCalls, bare, backend, ratio: { p50: div(a.p50, b.p50), p95: div(a.p95, b.p95), p99: div(a.p99, b.p99) } };
}

export async function runWebhookBench(opts: WebhookOptions): Promise<LevelResult[]> {
  const out: LevelResult[] = [];
  for (const level of opts.levels) out.push(await runWebhookLevel(level, opts));
  return out;
}

// ---------------------------------------------------------------------------------------------

function printLevel(r: LevelResult): void {
  const w = (s: Summary) => `n=${String(s.n).padStart(6)}  p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  max ${s.max} ms`;
  const lines = [
    `\n${r.level} concurrent calls (${r.simCalls} simulated calls at time scale ${r.scale}), as timed by the 46elks simulator:`,
    `  backend  all       ${w(r.backend.webhooks.all)}`,
    ...KINDS.map((k) => `           ${k.padEnd(10)}${w(r.backend.webhooks.byKind[k])}`),
    `  bare     all       ${w(r.bare.webhooks.all)}`,
    ...KINDS.map((k) => `           ${k.padEnd(10)}${w(r.bare.webhooks.byKind[k])}`),
    `  ratio backend/bare: p50 ${r.ratio.p50}×  p95 ${r.ratio.p95}×  p99 ${r.ratio.p99}×`,
    `  in-process handling, backend vs bare: answer→first audio p99 ${r.backend.inProcess.voiceStart.p99} vs ${r.bare.inProcess.voiceStart.p99} ms; ` +
      `recording/next p99 ${r.backend.inProcess.recToNext.p99} vs ${r.bare.inProcess.recToNext.p99} ms`,
    `  backend RSS: idle ${r.backend.memory.idleRssMiB} MiB, peak ${r.backend.memory.hwmMiB} MiB (VmHWM); CPU ${r.backend.cpu.serverSeconds} s backend, ` +
      `${r.backend.cpu.simulatorSeconds} s simulator over ${r.backend.seconds} s`,
    `  call states: backend ${JSON.stringify(r.backend.callStates)} sessions ${JSON.stringify(r.backend.sessions)}; bare ${JSON.stringify(r.bare.callStates)}`,
  ];
  for (const p of [r.bare, r.backend]) {
    for (const [name, st] of Object.entries(p.processes)) {
      if (st) lines.push(`  ${p.server} phase, ${name.padEnd(34)} CPU ${st.cpuS} s  ELU ${st.elu}  event-loop delay p50 ${st.eld?.p50} / p99 ${st.eld?.p99} / max ${st.eld?.max} ms  RSS ${st.rssMiB} MiB (heap ${st.heapMiB}/${st.heapTotalMiB}, external ${st.externalMiB} MiB)`);
    }
  }
  const st = r.backend.stores;
  if (st) {
    lines.push(`  Redis PING p50/p99 ${st.redisPing.p50}/${st.redisPing.p99} ms; Postgres select 1 p50/p99 ${st.postgresSelect1.p50}/${st.postgresSelect1.p99} ms; ${st.postgresCommits} commits`);
    lines.push(`  Redis memory ${st.redisMemory.beforeMiB} → peak ${st.redisMemory.peakMiB} MiB; ${st.redisCommandsTotal} commands (${Math.round(st.redisCommandsTotal / r.simCalls)} per call, ${round2(st.redisCommandMs / r.simCalls)} ms of Redis CPU per call); Postgres rows ${JSON.stringify(st.postgresRows)}`);
    lines.push(`  Redis commands: ${st.redisCommands.map((c) => `${c.cmd} ${c.calls}× ${c.usecPerCall} µs (p99 ${c.p99Us} µs)`).join(', ')}`);
  }
  for (const [kind, t] of Object.entries(r.backend.trace ?? {})) {
    lines.push(`  server-side ${kind.padEnd(12)} p50 ${t.total.p50} / p99 ${t.total.p99} ms; at p99: ${Object.entries(t.atP99).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  installSignalCleanup();
  const scale = Number(arg('scale', '0.25'));
  const calls = process.argv.includes('--calls') ? Number(arg('calls', '200')) : undefined;
  const levels = calls !== undefined ? [Math.round(calls / scale)] : arg('levels', '200').split(',').map(Number);
  runWebhookBench({
    levels,
    scale,
    simCalls: calls,
    split: process.argv.includes('--split'),
    compiled: process.argv.includes('--compiled'),
    rampSimS: Number(arg('ramp', '5')),
  })
    .then((results) => results.forEach(printLevel))
    .catch((err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
      process.exitCode = 1;
    })
    .finally(cleanupAll);
}
