/**
 * Issue target g): the realtime transport under N concurrent calls (CALL_TRANSPORT=realtime).
 *
 *   npx tsx bench/realtime.ts --calls 300 --scale 1              # 300 live calls, real time
 *   npx tsx bench/realtime.ts --calls 20 --scale 1 --compiled    # the backend built by tsc (as `npm start`)
 *   npx tsx bench/realtime.ts --calls 20 --all                   # one ROLE=all process instead of api + worker
 *
 * Processes: the 46elks simulator (the load generator: it dials our WebSocket number's URL, streams each
 * persona's speech as 20 ms pcm_24000 frames at the scaled real-time pace, plays our audio back and
 * measures voice-to-voice at the customer's ear), the OpenAI simulator (its `/v1/realtime` endpoint, plus
 * the chat/grading endpoints for the worker), the backend as ROLE=api (HTTP + the realtime bridge: every
 * audio frame goes through this process) and ROLE=worker (dialling, finalize jobs, analysis) — each its
 * own process, with bench/proc-stats.cjs preloaded.
 *
 * Calls are placed through the verification webhook, evenly over `rampS` simulated seconds, so that all N
 * are live at once (an `engaged` call lasts ≈ 60–80 s of audio; every 10th call is an `interrupter`).
 * The measured window runs from the moment (almost) all N calls are bridged until the first of them end;
 * at its end the bench reads the frame histogram on GET /metrics and every process's own figures.
 *
 * 1. Bridge overhead per audio frame: `samtal_realtime_frame_seconds{dir}` (handler time: parse + forward,
 *    per frame; a prom-client Histogram read at the window's start and end, the window's quantiles from
 *    the buckets' differences, interpolated within a bucket). A frame
 *    also waits in the API process's event loop before its handler runs: that wait is not in the histogram,
 *    it is the event-loop delay reported next to it (monitorEventLoopDelay, 1 ms resolution).
 * 2. Voice-to-voice added by us: see VOICE_TO_VOICE_FORMULA below (measured at the customer's ear by the
 *    46elks simulator, minus the simulated model's own latency for that kind of turn).
 * 3. Memory per live call: API-process RSS at the peak of live calls minus its idle RSS (after the warm-up
 *    calls), divided by the live calls at that peak.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { BRIDGE_DEFAULTS } from '../apps/backend/src/realtime/bridge-options';
import { SESSION_DEFAULTS } from '../apps/backend/src/realtime/session';
import { keyer } from '../apps/backend/src/db/redis';
import { realtimeKeys } from '../apps/backend/src/telephony/transport';
import type { RealtimeRecord } from '../apps/simulator/src/elks/realtime/types';
import { speechSamples } from '../apps/simulator/src/openai/realtime/response';
import { FRAME_MS, SAMPLE_RATE } from '../apps/simulator/src/openai/realtime/vad';
import { SimulatorOptionsSchema } from '../apps/simulator/src/options';
import {
  arg,
  json,
  jsonPost,
  fireVerification,
  backendEnv,
  buildBackend,
  cleanupAll,
  freePort,
  installSignalCleanup,
  machineLoad,
  procMemory,
  type ProcStats,
  procStats,
  REDIS_URL,
  round2,
  sleep,
  startCompiled,
  startProcess,
  stopProcess,
  type Summary,
  summarize,
  trackedDatabase,
  trackedRedisPrefix,
  waitForHttp,
  ramp,
} from './lib';

const GROCERY = '50000000-0000-4000-8000-000000000001';
const WEBSOCKET_NUMBER = '+46766869999';
const PATH_SECRET = 'bench-realtime-path-secret-0123456789abcdef';

export type RealtimeBenchOptions = {
  /** N: calls placed (and live at once once the ramp is over). */
  calls: number;
  /** Simulator time scale (1 = real time; the headline voice-to-voice figure needs 1, see the formula). */
  scale: number;
  /** Calls are placed evenly over this many simulated seconds (default 30; keep it well under a call's ≈ 60 s). */
  rampS?: number;
  /** Run the backend compiled by tsc (`node main.js`, as `npm start`) instead of through tsx. */
  compiled?: boolean;
  /** One ROLE=all process instead of ROLE=api + ROLE=worker (default false: api + worker). */
  all?: boolean;
  /** Every k-th call is an `interrupter` (default 10); the others are `engaged`. 0 = none. */
  interrupterEvery?: number;
  /** Short warm-up calls (persona hangs_up) before the measured ones (default 3). */
  warmupCalls?: number;
  seed?: number;
  log?: (line: string) => void;
};

/** One direction of the frame histogram, ms (quantiles of the frames in the window, interpolated within buckets). */
export type FrameFigures = { p50: number | null; p99: number | null; p999: number | null; count: number; meanInWindowMs: number | null; framesInWindow: number };

export type VoiceToVoice = {
  /** Audio ms at the customer's ear, end of the persona's speech → first sound of our answer. */
  measured: Summary;
  /** The simulated model's own share for those turns (VAD silence + frame alignment + 2 × first audio + lead-in silence). */
  model: Summary;
  /** measured − model, per turn (20 ms steps; reads our true wall-clock share low by up to one frame). */
  added: Summary;
};

export type RealtimeBenchResult = {
  calls: number;
  scale: number;
  rampS: number;
  topology: 'api+worker' | 'all';
  compiled: boolean;
  personas: Record<string, number>;
  loadAtStart: ReturnType<typeof machineLoad>;
  loadAtWindowEnd: ReturnType<typeof machineLoad>;
  /** Bridged calls (Redis rt:active) at the window's start and end, and the most at once. */
  live: { atWindowStart: number; atWindowEnd: number; peak: number };
  window: { seconds: number; endedBy: string };
  /** 1. Bridge handling per frame (samtal_realtime_frame_seconds), ms. */
  frames: { toModel: FrameFigures | null; toCaller: FrameFigures | null };
  /** The API process over the window (ROLE=all: the only backend process): event-loop delay, ELU, CPU, RSS. */
  api: ProcStats | null;
  /** Every process over the window. */
  processes: Record<string, ProcStats | null>;
  /** 2. Voice-to-voice. */
  voiceToVoice: {
    /** Turns answered while we were silent (the persona finished, then we answered). */
    plain: VoiceToVoice;
    /** The interrupter's turns that started over our audio (we cut it, then answered). */
    overlapped: VoiceToVoice;
    /** hello → first sound of our greeting; the model's share includes our deliberate greeting delay. */
    greeting: VoiceToVoice;
    /** The simulated model's parameters the formula uses. */
    params: { vadSilenceMs: number; firstAudioMs: number; leadInMs: number; vadFrameMs: number; greetingDelayMs: number };
    formula: string;
    /** Simulator health: how far its playout clock ran behind (audio ms) and was set back, worst call. */
    simMaxLagMs: number;
    simSlipMs: number;
  };
  /** 3. Memory of the API process. */
  memory: { idleRssMiB: number | null; rssAtPeakMiB: number | null; liveAtPeak: number; perCallMiB: number | null; maxRssMiB: number; worker?: { idleRssMiB: number | null; maxRssMiB: number } };
  /** Outcomes of the measured calls. */
  outcome: {
    sessions: Record<string, number>;
    /** call_quality_metrics.transport of the measured sessions (missing = no metrics row). */
    transports: Record<string, number>;
    /** The 46elks simulator's view: legs by outcome/reason; `none` = the call never reached our socket. */
    legs: Record<string, number>;
    /** Completed over the realtime transport only (session completed, transport realtime, sim leg seen). */
    completedRealtime: number;
    failed: number;
    notRealtime: number;
    unfinished: number;
  };
  /** Signs that the machine (or the load generator) did not keep up: take the figures with care. */
  warnings: string[];
  seconds: number;
};

export const VOICE_TO_VOICE_FORMULA = [
  'Voice-to-voice is measured by the 46elks simulator in audio ms at the customer\'s ear: the persona\'s last voiced sample → the first',
  'non-silent sample of our answer as played (apps/simulator/src/elks/realtime/callee.ts). The simulated model\'s own share of one answered',
  'turn (apps/simulator/src/openai/realtime/{vad,brain,response}.ts) is',
  '  model = align + silence + firstAudio (the tool call) + firstAudio (the spoken answer) + leadIn',
  'where align = ceil(end/20)·20 − end (the VAD counts the 20 ms frame holding the last voiced sample as speech), silence = our',
  'session.update\'s silence_duration_ms (the VAD\'s speech_stopped), the first firstAudio is the response our response.create starts',
  'after speech_stopped — the brain answers a customer turn with exactly one tool call, after realtime.firstAudioMs —, the second the',
  'response our function_call_output + response.create start — the brain speaks the output\'s `say` after another firstAudioMs —, and',
  'leadIn = the 0.1 s of silence every simulated utterance starts with. The greeting: model = greetingDelayMs (our own deliberate',
  'wait for the callee\'s "Hallå?", in audio time) + firstAudio + leadIn, from hello. added = measured − model. Everything else — our',
  'bridge both ways and each socket hop, the tool\'s Redis round trip, our event-loop waits, and the simulators\' own timer lateness —',
  'is in `added`. The simulator plays in 20 ms frames stamped at their start: `added` moves in 20 ms steps and reads the true wall',
  'time low by up to one frame (true ∈ (added, added + 20]). Wall-clock delays count × 1/scale in audio time: use --scale 1.',
].join('\n');

type SimCall = {
  to: string;
  persona: string;
  state: string;
  endReason: string | null;
  settled: boolean;
  warnings: string[];
  realtime: RealtimeRecord | null;
};

const phone = (block: number, i: number) => `+4670${block}${String(100000 + i).slice(-6)}`;

/** One simulator process (the CLI serves both the 46elks and the OpenAI side; the bench uses one side of each). */
async function startSimulator(scale: number, seed: number, label: string) {
  const [elks, openai] = [await freePort(), await freePort()];
  const child = startProcess(
    'apps/simulator/src/cli.ts',
    { SIM_ELKS_PORT: String(elks), SIM_OPENAI_PORT: String(openai), SIM_TIME_SCALE: String(scale), SIM_LOG: 'false', SIM_SEED: String(seed) },
    label,
  );
  await waitForHttp(`http://127.0.0.1:${elks}/sim/stats`);
  return { child, elks: `http://127.0.0.1:${elks}`, openai: `http://127.0.0.1:${openai}/v1` };
}

type FrameHistogram = { buckets: Array<[number, number]>; sum: number; count: number };

/** `samtal_realtime_frame_seconds` from a Prometheus text exposition: per dir, cumulative buckets (le s → count), sum (s), count. */
function parseFrameHistogram(text: string): Record<string, FrameHistogram> {
  const out: Record<string, FrameHistogram> = {};
  const re = /^samtal_realtime_frame_seconds_(bucket|sum|count)\{([^}]*)\}\s+(\S+)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const dir = labels.dir;
    if (!dir) continue;
    const entry = out[dir] ?? { buckets: [], sum: 0, count: 0 };
    out[dir] = entry;
    const value = Number(m[3]);
    if (m[1] === 'sum') entry.sum = value;
    else if (m[1] === 'count') entry.count = value;
    else if (labels.le !== undefined) entry.buckets.push([labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le), value]);
  }
  for (const e of Object.values(out)) e.buckets.sort((x, y) => x[0] - y[0]);
  return out;
}

/**
 * A quantile of the frames observed between two readings, from the cumulative buckets' differences,
 * interpolated linearly within the bucket that holds it (as Prometheus' histogram_quantile does).
 */
function windowQuantile(end: FrameHistogram, start: FrameHistogram | undefined, q: number): number | undefined {
  const before = new Map(start?.buckets ?? []);
  const cum = end.buckets.map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
  const total = cum.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let [prevLe, prevN] = [0, 0];
  for (const [le, n] of cum) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return prevLe; // beyond the last bucket: its lower bound
      return prevLe + ((le - prevLe) * (rank - prevN)) / Math.max(1, n - prevN);
    }
    [prevLe, prevN] = [le, n];
  }
  return undefined;
}

const ms = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? null : Math.round(s * 1e6) / 1e3);

function frameFigures(end: FrameHistogram | undefined, start: FrameHistogram | undefined): FrameFigures | null {
  if (!end) return null;
  const frames = end.count - (start?.count ?? 0);
  return {
    p50: ms(windowQuantile(end, start, 0.5)),
    p99: ms(windowQuantile(end, start, 0.99)),
    p999: ms(windowQuantile(end, start, 0.999)),
    count: end.count,
    framesInWindow: frames,
    meanInWindowMs: frames > 0 ? ms((end.sum - (start?.sum ?? 0)) / frames) : null,
  };
}

/** The simulated model's latency parameters, read from the code that implements them. */
function modelParams() {
  const lead = speechSamples('hej').findIndex((v) => v !== 0);
  return {
    vadSilenceMs: SESSION_DEFAULTS.silenceDurationMs,
    firstAudioMs: SimulatorOptionsSchema.parse({}).realtime.firstAudioMs,
    leadInMs: round2((lead * 1000) / SAMPLE_RATE),
    vadFrameMs: FRAME_MS,
    greetingDelayMs: BRIDGE_DEFAULTS.greetingDelayMs,
  };
}

function voiceToVoice(calls: SimCall[], p: ReturnType<typeof modelParams>) {
  const acc = { plain: [[], [], []], overlapped: [[], [], []], greeting: [[], [], []] } as Record<'plain' | 'overlapped' | 'greeting', [number[], number[], number[]]>;
  const push = (kind: keyof typeof acc, measured: number, model: number) => {
    // the simulator rounds its figures to 0.1 ms: so does the model's share
    const m = Math.round(model * 10) / 10;
    acc[kind][0].push(measured);
    acc[kind][1].push(m);
    acc[kind][2].push(Math.round((measured - m) * 10) / 10);
  };
  let lag = 0;
  let slip = 0;
  for (const c of calls) {
    const rt = c.realtime;
    if (!rt) continue;
    lag = Math.max(lag, rt.maxLagMs);
    slip = Math.max(slip, rt.slipMs);
    if (rt.helloToFirstAudioMs !== null) push('greeting', rt.helloToFirstAudioMs, p.greetingDelayMs + p.firstAudioMs + p.leadInMs);
    for (const t of rt.turns) {
      if (t.voiceToVoiceMs === null) continue;
      const align = Math.ceil(t.endMs / p.vadFrameMs - 1e-6) * p.vadFrameMs - t.endMs;
      push(t.overlapped ? 'overlapped' : 'plain', t.voiceToVoiceMs, align + p.vadSilenceMs + 2 * p.firstAudioMs + p.leadInMs);
    }
  }
  const fig = (k: keyof typeof acc): VoiceToVoice => ({ measured: summarize(acc[k][0]), model: summarize(acc[k][1]), added: summarize(acc[k][2]) });
  return { plain: fig('plain'), overlapped: fig('overlapped'), greeting: fig('greeting'), simMaxLagMs: lag, simSlipMs: slip };
}

let builtBackend: string | undefined;

export async function runRealtimeBench(opts: RealtimeBenchOptions): Promise<RealtimeBenchResult> {
  const o = { rampS: 30, compiled: false, all: false, interrupterEvery: 10, warmupCalls: 3, seed: 7, log: (l: string) => process.stdout.write(`${l}\n`), ...opts };
  const started = Date.now();
  const loadAtStart = machineLoad();
  const params = modelParams();
  o.log(`realtime bench: ${o.calls} calls at time scale ${o.scale}, ramp ${o.rampS} s, ${o.all ? 'ROLE=all' : 'ROLE=api + ROLE=worker'}${o.compiled ? ', compiled' : ''}; load ${loadAtStart.loadavg.join(' ')}`);

  const sim = await startSimulator(o.scale, o.seed, '46elks simulator');
  const oai = await startSimulator(o.scale, o.seed, 'OpenAI simulator');
  const db = await trackedDatabase(`samtal_bench_realtime_${process.pid}`);
  const redisPrefix = trackedRedisPrefix('realtime');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = backendEnv({
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    DATABASE_URL: db.url,
    REDIS_PREFIX: redisPrefix.prefix,
    ELKS_API_URL: `${sim.elks}/a1`,
    OPENAI_BASE_URL: oai.openai,
    CALL_TRANSPORT: 'realtime',
    ELKS_WEBSOCKET_NUMBER: WEBSOCKET_NUMBER,
    REALTIME_PATH_SECRET: PATH_SECRET,
  });
  if (o.compiled && !builtBackend) {
    o.log('  compiling the backend (tsc)…');
    builtBackend = buildBackend();
  }
  const compiled = o.compiled ? builtBackend! : null;
  const start = (e: Record<string, string>, label: string): ChildProcess =>
    compiled ? startCompiled(compiled, e, label) : startProcess('apps/backend/src/main.ts', e, label);
  const procs = o.all ? [start(env, 'backend')] : [start({ ...env, ROLE: 'api' }, 'backend api'), start({ ...env, ROLE: 'worker', PORT: '0' }, 'backend worker')];
  const api = procs[0]!;
  const worker = procs[1];
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const activeKey = realtimeKeys({ key: keyer(redisPrefix.prefix) }).active;
  const liveNow = () => redis.zcount(activeKey, Date.now(), '+inf').catch(() => -1);
  const metrics = async () => {
    const res = await fetch(`${base}/metrics`, { headers: { 'x-api-key': env.ADMIN_API_KEY } });
    if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
    return parseFrameHistogram(await res.text());
  };

  try {
    await waitForHttp(`${base}/ready`, 90_000);
    await json(`${sim.elks}/sim/websocket-numbers`, jsonPost({ number: WEBSOCKET_NUMBER, websocket_url: `${base.replace(/^http/, 'ws')}/realtime/46elks/${PATH_SECRET}` }));

    const verify = (to: string, i: number) => fireVerification(base, env.VERIFICATION_WEBHOOK_SECRET, GROCERY, to, 200 + i);
    const statuses = async (ids: string[]) =>
      Object.fromEntries(
        (
          await sql<{ status: string; n: number }[]>`
            select session_status as status, count(*)::int as n from feedback_call_sessions where id = any(${ids}::uuid[]) group by 1 order by 1`
        ).map((r) => [r.status, r.n]),
      ) as Record<string, number>;
    const unfinishedOf = (s: Record<string, number>) => (s.pending ?? 0) + (s.in_progress ?? 0);
    const waitSessions = async (ids: string[], deadline: number, label: string) => {
      let last = '';
      for (;;) {
        const s = await statuses(ids);
        const line = Object.entries(s).map(([k, n]) => `${k}=${n}`).join(' ');
        if (line !== last) o.log(`    ${label} sessions: ${line}`);
        last = line;
        if (Object.values(s).reduce((a, n) => a + n, 0) >= ids.length && unfinishedOf(s) === 0) return s;
        if (Date.now() > deadline) return s;
        await sleep(1000);
      }
    };

    // Warm-up: short realtime calls (the customer hangs up after the greeting) so the JIT, the socket
    // paths and finalize are warm. Their frames are outside the window (buckets read at its start and end).
    if (o.warmupCalls > 0) {
      o.log(`  warm-up: ${o.warmupCalls} short realtime calls…`);
      for (let i = 0; i < o.warmupCalls; i++) await json(`${sim.elks}/sim/personas`, jsonPost({ phone: phone(9, i), persona: 'hangs_up' }));
      const warmIds = await Promise.all(Array.from({ length: o.warmupCalls }, (_, i) => verify(phone(9, i), i)));
      await waitSessions(warmIds, Date.now() + 60_000 + 60_000 * o.scale, 'warm-up');
      for (let until = Date.now() + 10_000; (await liveNow()) > 0 && Date.now() < until; ) await sleep(200);
    }
    await sleep(2000);
    const idle = procMemory(api.pid!);
    const workerIdle = worker ? procMemory(worker.pid!) : null;

    const personas: Record<string, number> = {};
    const personaOf = (i: number) => (o.interrupterEvery > 0 && i % o.interrupterEvery === o.interrupterEvery - 1 ? 'interrupter' : 'engaged');
    for (let i = 0; i < o.calls; i++) {
      const persona = personaOf(i);
      personas[persona] = (personas[persona] ?? 0) + 1;
      await json(`${sim.elks}/sim/personas`, jsonPost({ phone: phone(1, i), persona }));
    }

    // Sampling every second: live calls, API RSS (and the worker's), for the peak and the window.
    const samples: Array<{ at: number; live: number; rss: number }> = [];
    let maxRss = 0;
    let workerMaxRss = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [live, mem, wmem] = [await liveNow(), procMemory(api.pid!), worker ? procMemory(worker.pid!) : null];
        if (mem) {
          samples.push({ at: Date.now(), live, rss: mem.rssMiB });
          maxRss = Math.max(maxRss, mem.rssMiB);
        }
        if (wmem) workerMaxRss = Math.max(workerMaxRss, wmem.rssMiB);
        await sleep(1000);
      }
    })();

    const ids: string[] = [];
    const rampMs = o.rampS * 1000 * o.scale;
    const t0 = Date.now();
    o.log(`  placing ${o.calls} calls over ${round2(rampMs / 1000)} s…`);
    await ramp(o.calls, rampMs, async (i) => {
      ids.push(await verify(phone(1, i), i));
    });

    // The window: from (almost) all N bridged — or 20 simulated s after the ramp — until calls start to end.
    const pids: Record<string, number | undefined> = {
      'load generator (46elks simulator)': sim.child.pid,
      'OpenAI simulator': oai.child.pid,
      [o.all ? 'backend (ROLE=all)' : 'backend api']: api.pid,
      ...(worker ? { 'backend worker': worker.pid } : {}),
    };
    const target = Math.max(1, Math.floor(o.calls * 0.95));
    let live = await liveNow();
    for (const until = Date.now() + 20_000 * o.scale + 10_000; live < target && Date.now() < until; live = await liveNow()) await sleep(250);
    const liveAtStart = live;
    await Promise.all(Object.values(pids).map((pid) => (pid ? procStats(pid, true) : null)));
    const frames0 = await metrics();
    const w0 = Date.now();
    o.log(`  window open: ${liveAtStart} calls live (${round2((w0 - t0) / 1000)} s after the first call)`);
    let peak = liveAtStart;
    let endedBy = 'calls ending';
    for (;;) {
      await sleep(250);
      live = await liveNow();
      peak = Math.max(peak, live);
      if (live < Math.floor(peak * 0.95) || live <= 0) break;
      if (Date.now() - w0 > 120_000 * o.scale + 30_000) {
        endedBy = 'time limit';
        break;
      }
    }
    const frames1 = await metrics();
    const processes = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, pid ? await procStats(pid) : null] as const)));
    const loadAtWindowEnd = machineLoad();
    const windowS = (Date.now() - w0) / 1000;
    o.log(`  window closed after ${round2(windowS)} s (${endedBy}): ${live} live, peak ${peak}`);

    const deadline = Date.now() + 200_000 * o.scale + 120_000;
    const sessions = await waitSessions(ids, deadline, 'measured');
    sampling = false;
    await sampler;
    // Sim records settle (hangup delivered) shortly after the sessions.
    let calls: SimCall[] = [];
    for (const until = Date.now() + 30_000; ; await sleep(500)) {
      calls = (await json<{ data: SimCall[] }>(`${sim.elks}/sim/calls`)).data.filter((c) => c.to.startsWith('+46701'));
      if ((calls.length >= o.calls && calls.every((c) => c.settled)) || Date.now() > until) break;
    }
    await sleep(1000);
    const rows = await sql<{ id: string; status: string; transport: string | null }[]>`
      select s.id, s.session_status as status, m.transport
        from feedback_call_sessions s left join call_quality_metrics m on m.call_session_id = s.id
       where s.id = any(${ids}::uuid[])`;
    const transports: Record<string, number> = {};
    for (const r of rows) transports[r.transport ?? 'missing'] = (transports[r.transport ?? 'missing'] ?? 0) + 1;
    const legs: Record<string, number> = {};
    const simRealtime = new Set<string>();
    for (const c of calls) {
      const k = c.realtime ? `${c.realtime.outcome ?? c.realtime.state}: ${c.realtime.reason ?? '-'}` : `none (${c.state}/${c.endReason ?? '-'})`;
      legs[k] = (legs[k] ?? 0) + 1;
      if (c.realtime?.hello) simRealtime.add(c.to);
    }
    const completedRealtime = rows.filter((r) => r.status === 'completed' && r.transport === 'realtime').length;
    const notRealtime = rows.filter((r) => r.transport !== null && r.transport !== 'realtime').length + calls.filter((c) => !c.realtime?.hello).length;

    const atPeak = samples.filter((s) => s.live === Math.max(...samples.map((x) => x.live)));
    const peakSample = atPeak.sort((a, b) => b.rss - a.rss)[0];
    const idleRss = idle ? round2(idle.rssMiB) : null;
    const apiName = o.all ? 'backend (ROLE=all)' : 'backend api';
    const v2v = voiceToVoice(calls, params);
    const warnings: string[] = [];
    if (v2v.simSlipMs > 0 || v2v.simMaxLagMs > 100)
      warnings.push(`the 46elks simulator fell behind its clock (lag up to ${v2v.simMaxLagMs} ms, set back ${v2v.simSlipMs} ms on the worst call): the load generator did not keep up`);
    for (const [name, st] of Object.entries(processes)) {
      if (st?.eld && st.eld.max >= 100) warnings.push(`${name}: event loop stalled up to ${st.eld.max} ms (p99 ${st.eld.p99} ms)`);
    }
    if (liveAtStart < target) warnings.push(`only ${liveAtStart} of ${o.calls} calls were live when the window opened`);
    if (completedRealtime < o.calls) warnings.push(`${o.calls - completedRealtime} of ${o.calls} calls did not complete over realtime`);
    if (loadAtWindowEnd.loadavg[0]! > loadAtWindowEnd.nproc) warnings.push(`load average ${loadAtWindowEnd.loadavg[0]} on ${loadAtWindowEnd.nproc} cores at the window's end`);

    return {
      calls: o.calls,
      scale: o.scale,
      rampS: o.rampS,
      topology: o.all ? 'all' : 'api+worker',
      compiled: o.compiled,
      personas,
      loadAtStart,
      loadAtWindowEnd,
      live: { atWindowStart: liveAtStart, atWindowEnd: live, peak: Math.max(peak, peakSample?.live ?? 0) },
      window: { seconds: round2(windowS), endedBy },
      frames: { toModel: frameFigures(frames1.to_model, frames0.to_model), toCaller: frameFigures(frames1.to_caller, frames0.to_caller) },
      api: processes[apiName] ?? null,
      processes,
      voiceToVoice: { ...v2v, params, formula: VOICE_TO_VOICE_FORMULA },
      memory: {
        idleRssMiB: idleRss,
        rssAtPeakMiB: peakSample ? round2(peakSample.rss) : null,
        liveAtPeak: peakSample?.live ?? 0,
        perCallMiB: peakSample && idleRss !== null && peakSample.live > 0 ? round2((peakSample.rss - idleRss) / peakSample.live) : null,
        maxRssMiB: round2(maxRss),
        ...(worker ? { worker: { idleRssMiB: workerIdle ? round2(workerIdle.rssMiB) : null, maxRssMiB: round2(workerMaxRss) } } : {}),
      },
      outcome: {
        sessions,
        transports,
        legs,
        completedRealtime,
        failed: sessions.failed ?? 0,
        notRealtime,
        unfinished: unfinishedOf(sessions) + Math.max(0, o.calls - rows.length),
      },
      warnings,
      seconds: round2((Date.now() - started) / 1000),
    };
  } finally {
    redis.disconnect();
    await sql.end();
    await Promise.all(procs.map(stopProcess));
    await Promise.all([stopProcess(sim.child), stopProcess(oai.child)]);
    await db.drop();
    await redisPrefix.drop();
  }
}

// ---------------------------------------------------------------------------------------------

export function formatRealtimeResult(r: RealtimeBenchResult): string {
  const f = (x: FrameFigures | null) =>
    x ? `p50 ${x.p50} ms  p99 ${x.p99} ms  p99.9 ${x.p999} ms  (${x.framesInWindow} frames in the window, ${x.count} since the start; mean ${x.meanInWindowMs} ms; quantiles interpolated within buckets)` : 'no frames';
  const s = (x: Summary) => `n=${x.n} p50 ${x.p50} p95 ${x.p95} p99 ${x.p99} max ${x.max} mean ${x.mean}`;
  const v = (name: string, x: VoiceToVoice) => [
    `  ${name}: measured ${s(x.measured)} ms`,
    `  ${' '.repeat(name.length)}  model    ${s(x.model)} ms`,
    `  ${' '.repeat(name.length)}  ADDED    ${s(x.added)} ms`,
  ];
  const a = r.api;
  const vv = r.voiceToVoice;
  const lines = [
    `\nRealtime transport, ${r.calls} calls at time scale ${r.scale} (ramp ${r.rampS} s; ${r.topology === 'all' ? 'ROLE=all' : 'ROLE=api + ROLE=worker'}${r.compiled ? ', compiled' : ', tsx'}; personas ${JSON.stringify(r.personas)})`,
    `  machine: ${r.loadAtStart.nproc} cores, load ${r.loadAtStart.loadavg.join(' ')} at start, ${r.loadAtWindowEnd.loadavg.join(' ')} at the window's end`,
    `  window: ${r.window.seconds} s (${r.window.endedBy}); live bridged calls ${r.live.atWindowStart} at its start, ${r.live.atWindowEnd} at its end, peak ${r.live.peak}`,
    '1. bridge handling per audio frame (samtal_realtime_frame_seconds, read at the window\'s end; target p99 ≤ 1 ms):',
    `  to_model  ${f(r.frames.toModel)}`,
    `  to_caller ${f(r.frames.toCaller)}`,
    a
      ? `  API process over the window: event-loop delay p50 ${a.eld?.p50} / p99 ${a.eld?.p99} / max ${a.eld?.max} ms (1 ms resolution), ELU ${a.elu}, CPU ${a.cpuS} s in ${a.seconds} s (${round2(a.cpuS / Math.max(0.001, a.seconds))} cores)`
      : '  API process: no figures',
    '  (a frame also waits in that event loop before its handler runs: the loop delay is not in the histogram, add it)',
    '2. voice-to-voice (audio ms at the customer\'s ear; target: added ≤ 50 ms):',
    ...v('plain turns     ', vv.plain),
    ...v('overlapped turns', vv.overlapped),
    ...v('greeting        ', vv.greeting),
    `  model parameters: ${JSON.stringify(vv.params)}; simulator playout lag max ${vv.simMaxLagMs} ms, clock set back ${vv.simSlipMs} ms (worst call)`,
    ...vv.formula.split('\n').map((l) => `  | ${l}`),
    '3. memory of the API process:',
    `  idle ${r.memory.idleRssMiB} MiB, ${r.memory.rssAtPeakMiB} MiB at the peak of ${r.memory.liveAtPeak} live calls → ${r.memory.perCallMiB} MiB per live call; max ${r.memory.maxRssMiB} MiB` +
      (r.memory.worker ? `; worker idle ${r.memory.worker.idleRssMiB} MiB, max ${r.memory.worker.maxRssMiB} MiB` : ''),
    'outcomes of the measured calls:',
    `  sessions ${JSON.stringify(r.outcome.sessions)}; transport ${JSON.stringify(r.outcome.transports)}`,
    `  completed over realtime ${r.outcome.completedRealtime}, failed ${r.outcome.failed}, not realtime ${r.outcome.notRealtime}, unfinished ${r.outcome.unfinished}`,
    `  46elks legs: ${JSON.stringify(r.outcome.legs)}`,
  ];
  for (const [name, st] of Object.entries(r.processes)) {
    if (st) lines.push(`  ${name.padEnd(34)} CPU ${st.cpuS} s  ELU ${st.elu}  event-loop delay p50 ${st.eld?.p50} / p99 ${st.eld?.p99} / max ${st.eld?.max} ms  RSS ${st.rssMiB} MiB`);
  }
  for (const w of r.warnings) lines.push(`  WARNING: ${w}`);
  lines.push(`  total ${r.seconds} s`);
  return lines.join('\n');
}

if (require.main === module) {
  installSignalCleanup();
  runRealtimeBench({
    calls: Number(arg('calls', '20')),
    scale: Number(arg('scale', '1')),
    rampS: Number(arg('ramp', '30')),
    compiled: process.argv.includes('--compiled'),
    all: process.argv.includes('--all'),
    interrupterEvery: Number(arg('interrupter-every', '10')),
    warmupCalls: Number(arg('warmup', '3')),
  })
    .then((r) => {
      process.stdout.write(`${formatRealtimeResult(r)}\n`);
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    })
    .catch((err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
      process.exitCode = 1;
    })
    .finally(cleanupAll);
}
