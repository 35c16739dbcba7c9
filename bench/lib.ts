/**
 * Shared plumbing for the benchmarks: a fresh database, the simulators and the backend as real
 * child processes (so their event loops don't compete with the load generator's), and cleanup.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { runMigrations } from '../apps/backend/src/db/migrate';

export const ROOT = path.resolve(__dirname, '..');

export const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

export async function freshDatabase(name: string): Promise<string> {
  const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = `${PG}/${name}`;
  const result = await runMigrations({ databaseUrl: url, seed: true });
  if (!result.ok) throw new Error(result.error);
  return url;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

const children: ChildProcess[] = [];
/** Runs a TS entry as a child `node --import tsx <script>` (its pid is the node process itself). */
export function startProcess(script: string, env: Record<string, string>, label: string, nodeArgs: string[] = [], opts: SpawnOptions = {}): ChildProcess {
  return spawnNode([...nodeArgs, '--import', 'tsx', path.join(ROOT, script)], env, label, opts);
}

/**
 * `nice`: run the child at a lower CPU priority (`nice -n <n> node …`; the pid is still node's). The
 * webhook bench runs the backend's worker and the OpenAI simulator (a stand-in for an external service)
 * at nice 19: on a 2-core machine that stands in for the production topology, where the API processes
 * have CPU of their own and the workers and OpenAI run elsewhere — they get the CPU the API and the load
 * generator leave idle.
 */
export type SpawnOptions = { nice?: number };

/** The node flags `npm start` passes to the backend (apps/backend/package.json's start script). */
export function backendStartFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'apps/backend/package.json'), 'utf8')) as { scripts: { start: string } };
  const m = /^node((?:\s+--\S+)*)\s+dist\/main\.js$/.exec(pkg.scripts.start.trim());
  if (!m) throw new Error(`apps/backend start script is not "node [--flags] dist/main.js": ${pkg.scripts.start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Runs a compiled JS entry as a child `node <flags of npm start> <script>`, without tsx (as `npm start` does). */
export function startCompiled(script: string, env: Record<string, string>, label: string, opts: SpawnOptions = {}): ChildProcess {
  return spawnNode([...backendStartFlags(), path.join(ROOT, script)], env, label, opts);
}

function spawnNode(args: string[], env: Record<string, string>, label: string, opts: SpawnOptions = {}): ChildProcess {
  // BENCH_CPU_PROF=<dir>: the backend processes (or those whose label matches BENCH_CPU_PROF_LABELS,
  // a regular expression, e.g. "simulator") write a V8 CPU profile there when they exit.
  const profiled = new RegExp(process.env.BENCH_CPU_PROF_LABELS ?? '^backend').test(label);
  const prof = process.env.BENCH_CPU_PROF && profiled ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_FLAGS='--max-old-space-size=…': extra node flags for the backend processes (e.g. heap limits).
  const flags = process.env.BENCH_NODE_FLAGS && label.startsWith('backend') ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
  // Every child reports its event-loop delay, utilisation and CPU (bench/proc-stats.cjs; procStats()).
  const stats = ['--require', path.join(ROOT, 'bench/proc-stats.cjs')];
  const nodeArgs = [...flags, ...prof, ...stats, ...args];
  const [command, argv] = opts.nice ? ['nice', ['-n', String(opts.nice), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command as string, argv as string[], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (c: Buffer) => {
    tail = (tail + c.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', (code, signal) => {
    if (code && code !== 0) process.stderr.write(`bench: ${label} exited ${code ?? signal}\n${tail}\n`);
  });
  children.push(child);
  return child;
}

/**
 * Compiles the backend with tsc into bench/.build/backend (bench/tsconfig.backend-build.json:
 * the backend's build config without its co-located *.test.ts files) and returns main.js.
 */
export function buildBackend(): string {
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'bench/tsconfig.backend-build.json')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return 'bench/.build/backend/main.js';
}

/** SIGTERM one child (SIGKILL after 8 s) and wait for it to exit. */
export function stopProcess(c: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 8_000).unref();
  });
}

export type ProcStats = {
  pid: number;
  seconds: number;
  /** Event-loop delay over the window, ms (monitorEventLoopDelay, 1 ms resolution). */
  eld: { p50: number; p99: number; max: number; mean: number } | null;
  /** Event-loop utilisation over the window, 0–1. */
  elu: number;
  cpuS: number;
  rssMiB: number;
  heapMiB: number;
  heapTotalMiB?: number;
  externalMiB?: number;
  arrayBuffersMiB?: number;
};

/** A child's own figures since its last reset (bench/proc-stats.cjs); `reset` starts a new window. */
export function procStats(pid: number, reset = false): Promise<ProcStats | null> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: `/tmp/samtal-bench-stats-${pid}.sock`, path: reset ? '/?reset=1' : '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as ProcStats);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all(children.map(stopProcess));
}

/** Resolves on the first line of the child's stdout that matches (e.g. a "ready" line). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no output matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (c: Buffer) => {
      seen = (seen + c.toString()).slice(-8000);
      const m = pattern.exec(seen);
      if (m) done(null, m[0]);
    };
    const onExit = (code: number | null) => done(new Error(`process exited (${code}) before printing ${pattern}:\n${seen}`));
    const done = (err: Error | null, line = '') => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

// ---------------------------------------------------------------------------------------------
// Cleanup of everything a run made (children, databases, Redis prefixes), also on Ctrl-C.

const cleanups = new Map<string, () => Promise<unknown>>();

/** Registers a cleanup step under a key (a later registration with the same key replaces it). */
export function onCleanup(key: string, fn: () => Promise<unknown>): void {
  cleanups.set(key, fn);
}
export function cleanupDone(key: string): void {
  cleanups.delete(key);
}

/** Stops every child, then runs every registered step (databases, Redis prefixes); never throws. */
export async function cleanupAll(): Promise<void> {
  await stopAll().catch(() => undefined);
  const steps = [...cleanups.entries()];
  cleanups.clear();
  for (const [key, fn] of steps) {
    await fn().catch((err: unknown) => process.stderr.write(`bench: cleanup ${key} failed: ${(err as Error).message}\n`));
  }
}

/** On SIGINT/SIGTERM: clean up, then exit 130/143. A second signal exits at once. */
export function installSignalCleanup(): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\nbench: ${signal}: stopping children, dropping bench databases and Redis keys…\n`);
    const timer = setTimeout(() => process.exit(1), 30_000);
    timer.unref();
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** A fresh database that is dropped by cleanupAll (and on Ctrl-C) unless dropped earlier. */
export async function trackedDatabase(name: string): Promise<{ url: string; drop: () => Promise<void>; keep: () => void }> {
  onCleanup(`db:${name}`, () => dropDatabase(name));
  const url = await freshDatabase(name);
  return {
    url,
    keep: () => cleanupDone(`db:${name}`),
    drop: async () => {
      cleanupDone(`db:${name}`);
      await dropDatabase(name);
    },
  };
}

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix:` (SCAN + UNLINK). */
export async function dropRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A Redis prefix of its own, whose keys cleanupAll deletes. */
export function trackedRedisPrefix(label: string): { prefix: string; drop: () => Promise<number>; keep: () => void } {
  const prefix = `bench_${label}_${process.pid}_${Date.now().toString(36)}`;
  onCleanup(`redis:${prefix}`, () => dropRedisPrefix(prefix));
  return {
    prefix,
    keep: () => cleanupDone(`redis:${prefix}`),
    drop: () => {
      cleanupDone(`redis:${prefix}`);
      return dropRedisPrefix(prefix);
    },
  };
}

/** A TCP port the OS reports free right now (tests use port 0 too; fixed ports could collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** VmRSS / VmHWM of a process in MiB (null once it is gone). */
export function procMemory(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far (null once it is gone). */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** A snapshot of where the machine's CPU has gone so far: every core's busy time and each process's own, by pid. */
export type CpuSnapshot = { at: number; busyS: number; byPid: Map<number, { comm: string; cpuS: number }> };

export function cpuSnapshot(): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const busy = line.slice(0, 8).reduce((a, b, i) => (i === 3 || i === 4 ? a : a + b), 0);
  const byPid = new Map<number, { comm: string; cpuS: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(Number(d), { comm, cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK });
    } catch {
      // gone between readdir and read
    }
  }
  return { at: performance.now(), busyS: busy / CLK_TCK, byPid };
}

/**
 * CPU seconds between two snapshots: the machine's busy core-seconds, and per group of processes
 * (`groups` names pids, e.g. the worker; everything else is grouped by command name: postgres,
 * redis-server, node…). A process that exited in between is not counted.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, groups: Record<string, number | undefined> = {}): { seconds: number; busyS: number; by: Record<string, number> } {
  const named = new Map<number, string>();
  for (const [name, pid] of Object.entries(groups)) if (pid) named.set(pid, name);
  const by: Record<string, number> = {};
  for (const [pid, now] of b.byPid) {
    const before = a.byPid.get(pid)?.cpuS ?? 0;
    const d = now.cpuS - before;
    if (d <= 0) continue;
    const key = named.get(pid) ?? (pid === process.pid ? 'bench (this process)' : now.comm);
    by[key] = round2((by[key] ?? 0) + d);
  }
  return { seconds: round2((b.at - a.at) / 1000), busyS: round2(b.busyS - a.busyS), by };
}

export type Settled = { waitedS: number; busyCores: number; quiet: boolean };

/**
 * Waits until the machine is quiet before a stage: what the previous stage left running (Postgres
 * dropping a database, autovacuum after a million deletes, a child still exiting) would otherwise be
 * measured as the next stage's latency. Quiet = under 0.3 of a core busy over 2 s; gives up after
 * `maxS` and says so (the stage then runs on a busy machine, recorded in results.json).
 */
export async function waitForQuiet(maxS = 90): Promise<Settled> {
  const t0 = Date.now();
  for (;;) {
    const a = cpuSnapshot();
    await sleep(2_000);
    const b = cpuSnapshot();
    const busyCores = round2((b.busyS - a.busyS) / ((b.at - a.at) / 1000));
    const waitedS = round2((Date.now() - t0) / 1000);
    if (busyCores < 0.3) return { waitedS, busyCores, quiet: true };
    if (waitedS >= maxS) return { waitedS, busyCores, quiet: false };
  }
}

/** Samples a process's VmRSS every `everyMs`; stop() gives the max sampled and the kernel's VmHWM. */
export function sampleMemory(pid: number, everyMs = 200): { stop: () => { maxRssMiB: number; hwmMiB: number; samples: number } } {
  let max = 0;
  let hwm = 0;
  let samples = 0;
  const take = () => {
    const m = procMemory(pid);
    if (!m) return;
    samples++;
    max = Math.max(max, m.rssMiB);
    hwm = Math.max(hwm, m.hwmMiB);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      take();
      clearInterval(timer);
      return { maxRssMiB: round2(max), hwmMiB: round2(hwm), samples };
    },
  };
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

export type Summary = { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null; mean: number | null };

/** Nearest-rank percentiles (as the simulator computes them), in the samples' unit. */
export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : round2(v));
  return {
    n: s.length,
    p50: r(pct(s, 50)),
    p95: r(pct(s, 95)),
    p99: r(pct(s, 99)),
    max: r(s.at(-1) ?? null),
    mean: s.length ? round2(s.reduce((a, b) => a + b, 0) / s.length) : null,
  };
}

/** What the machine is doing: cores, load averages and `uptime`'s own line. */
export function machineLoad(): { nproc: number; loadavg: number[]; uptime: string; freeMiB: number } {
  let uptime = '';
  try {
    uptime = execFileSync('uptime').toString().trim();
  } catch {
    uptime = `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
  return {
    nproc: os.availableParallelism(),
    loadavg: os.loadavg().map((l) => round2(l)),
    uptime,
    freeMiB: Math.round(os.freemem() / 2 ** 20),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Places `n` calls evenly over `rampMs`; `place(i)` starts call i. */
export async function ramp(n: number, rampMs: number, place: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = (i / n) * rampMs - (performance.now() - started);
    if (due > 1) await sleep(due);
    pending.push(place(i));
  }
  await Promise.all(pending);
}

/**
 * Open-loop load: `ratePerSec` GETs spread evenly (not waiting on answers, so a slow server sees
 * the same arrival rate), at most `maxInFlight` at once (sends beyond that are counted as skipped).
 * Latency is from the send to the last byte of the body, measured in this process.
 */
export function startHammer(opts: { url: () => string; headers: Record<string, string>; ratePerSec: number; maxInFlight?: number }): {
  stop: () => Promise<{
    latencies: number[];
    /** Per answered request: when it was sent (Date.now()) and its latency, ms. */
    samples: Array<[number, number]>;
    errors: number;
    skipped: number;
    statuses: Record<string, number>;
    seconds: number;
  }>;
} {
  const latencies: number[] = [];
  const samples: Array<[number, number]> = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let skipped = 0;
  let sent = 0;
  let inFlight = 0;
  let stopped = false;
  const maxInFlight = opts.maxInFlight ?? 64;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const one = async () => {
    const t0 = performance.now();
    const sentAt = Date.now();
    try {
      const res = await fetch(opts.url(), { headers: opts.headers });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      latencies.push(ms);
      samples.push([sentAt, ms]);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 400) errors++;
    } catch {
      errors++;
    }
  };
  const tick = () => {
    if (stopped) return;
    const due = Math.floor(((performance.now() - started) / 1000) * opts.ratePerSec);
    while (sent < due) {
      sent++;
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      inFlight++;
      const p = one().finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    setTimeout(tick, 2);
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      const seconds = (performance.now() - started) / 1000;
      await Promise.allSettled([...pending]);
      return { latencies, samples, errors, skipped, statuses, seconds };
    },
  };
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BACKEND_ENV = {
  NODE_ENV: 'production',
  ROLE: 'all',
  LOG_LEVEL: 'warn',
  WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
  PHONE_HASH_KEY: 'bench-phone-hash-key-0123456789',
  ELKS_USERNAME: 'u_sim',
  ELKS_PASSWORD: 'p_sim',
  ELKS_FROM_NUMBER: '+46766860000',
  OPENAI_API_KEY: 'sk-bench',
  ADMIN_API_KEY: 'bench-admin-key-0123456789',
  VERIFICATION_WEBHOOK_SECRET: 'bench-verification-secret-0123',
  SUPABASE_JWT_SECRET: 'bench-supabase-jwt-secret-0123456789abcdef',
  CALL_WINDOW: 'always',
  RETRY_BACKOFF: 'no_answer=1s,1s;busy=1s,1s;failed=1s,1s;voicemail=1s,1s',
  DATABASE_POOL_MAX: '20',
};

/** A complete backend environment for a local run against the simulators. */
export function backendEnv(over: Record<string, string>): typeof BACKEND_ENV & Record<string, string> {
  return { ...BACKEND_ENV, ...over };
}

export const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export type StoreLatency = {
  /** Client-side round trip of a PING / `select 1` from the bench every 25 ms during the window, ms. */
  redisPing: Summary;
  postgresSelect1: Summary;
  /** Redis server-side: commands run in the window, top by calls, with µs per call and p50/p99 µs (INFO latencystats). */
  redisCommands: Array<{ cmd: string; calls: number; usecPerCall: number; p50Us: number | null; p99Us: number | null }>;
  /** Postgres transactions committed in the window (pg_stat_database of the bench database). */
  postgresCommits: number | null;
  /** Redis used_memory before the window and its peak during it (sampled every 500 ms), MiB. */
  redisMemory: { beforeMiB: number; peakMiB: number };
  /** Commands Redis ran in the window (all of them, from commandstats), and the CPU time they took, ms. */
  redisCommandsTotal: number;
  redisCommandMs: number;
  /** Rows in the bench database's tables after the window, by table. */
  postgresRows: Record<string, number>;
};

const parseInfo = (text: string, section: RegExp) => {
  const out = new Map<string, Record<string, number>>();
  for (const line of text.split('\n')) {
    const m = section.exec(line.trim());
    if (!m) continue;
    const fields: Record<string, number> = {};
    for (const kv of m[2]!.split(',')) {
      const [k, v] = kv.split('=');
      if (k && v !== undefined) fields[k] = Number(v);
    }
    out.set(m[1]!, fields);
  }
  return out;
};

/**
 * Samples Redis and Postgres latency while a benchmark runs: a PING and a `select 1` every 25 ms
 * from this process (client-side round trip), and Redis' own per-command statistics over the window
 * (CONFIG RESETSTAT at the start, INFO commandstats + latencystats at the end).
 */
export async function startStoreProbe(databaseUrl: string): Promise<{ stop: () => Promise<StoreLatency> }> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const dbName = new URL(databaseUrl).pathname.slice(1);
  const commits0 = await sql<{ n: string }[]>`select xact_commit::text as n from pg_stat_database where datname = ${dbName}`;
  await redis.config('RESETSTAT');
  const usedMiB = async () => Number(/used_memory:(\d+)/.exec(String(await redis.info('memory')))?.[1] ?? 0) / 2 ** 20;
  const memBefore = await usedMiB();
  let memPeak = memBefore;
  const memTimer = setInterval(() => {
    usedMiB().then((m) => {
      memPeak = Math.max(memPeak, m);
    }, () => {});
  }, 500);
  const ping: number[] = [];
  const sel: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      await redis.ping();
      const t2 = performance.now();
      await sql`select 1`;
      ping.push(t2 - t);
      sel.push(performance.now() - t2);
      await sleep(25);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(memTimer);
      await loop.catch(() => {});
      const cmd = parseInfo(String(await redis.info('commandstats')), /^cmdstat_([^:]+):(.*)$/);
      const lat = parseInfo(String(await redis.info('latencystats')), /^latency_percentiles_usec_([^:]+):(.*)$/);
      const commits1 = await sql<{ n: string }[]>`select xact_commit::text as n from pg_stat_database where datname = ${dbName}`;
      const tables = await sql<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
      const postgresRows: Record<string, number> = {};
      for (const t of tables) {
        const [r] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${t.table_name}"`);
        if (r && r.n > 0) postgresRows[t.table_name] = r.n;
      }
      await Promise.allSettled([redis.quit(), sql.end()]);
      const redisCommands = [...cmd.entries()]
        .filter(([name]) => name !== 'ping' && name !== 'config' && name !== 'info')
        .map(([name, f]) => ({
          cmd: name,
          calls: f.calls ?? 0,
          usecPerCall: round2(f.usec_per_call ?? 0),
          p50Us: lat.get(name)?.p50 ?? null,
          p99Us: lat.get(name)?.p99 ?? null,
        }))
        .sort((a, b) => b.calls - a.calls)
        .slice(0, 12);
      const c0 = commits0[0] ? Number(commits0[0].n) : null;
      const c1 = commits1[0] ? Number(commits1[0].n) : null;
      return {
        redisPing: summarize(ping),
        postgresSelect1: summarize(sel),
        redisCommands,
        postgresCommits: c0 === null || c1 === null ? null : c1 - c0,
        redisMemory: { beforeMiB: round2(memBefore), peakMiB: round2(memPeak) },
        redisCommandsTotal: [...cmd.values()].reduce((a, f) => a + (f.calls ?? 0), 0),
        redisCommandMs: round2([...cmd.values()].reduce((a, f) => a + (f.usec ?? 0), 0) / 1000),
        postgresRows,
      };
    },
  };
}

/** A verified purchase, as the Supabase database webhook sends it: POST /webhooks/verification → the call session id. */
export async function fireVerification(base: string, secret: string, storeId: string, phone: string, amount: number): Promise<string> {
  const now = new Date().toISOString();
  const res = await fetch(`${base}/webhooks/verification`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      type: 'INSERT',
      table: 'customer_verifications',
      schema: 'public',
      old_record: null,
      record: {
        id: crypto.randomUUID(),
        store_id: storeId,
        phone_number: phone,
        transaction_amount: amount,
        transaction_time: now,
        verification_status: 'verified',
        verified_at: now,
      },
    }),
  });
  if (!res.ok) throw new Error(`POST /webhooks/verification answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return ((await res.json()) as { call_session_id: string }).call_session_id;
}

/** GET/POST a JSON endpoint; a non-2xx answer throws with its status and body. */
export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

export const jsonPost = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
