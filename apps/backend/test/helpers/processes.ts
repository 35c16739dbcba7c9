import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { REPO_ROOT } from '../../src/db/migrate';
import { testEnv } from './env';
import { sinkLog } from './log-sink';

/**
 * Real processes for the failure drills: the backend as a child (`node --import tsx …/main.ts`, so
 * `kill -9` is a real kill) and a private `redis-server` a test may crash and restart. Every child
 * is killed when the test process exits, even if a test forgot to (or failed before) its cleanup.
 */

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function track(child: ChildProcess): Promise<Exit> {
  live.add(child);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
}

/** Splits a stream into lines, however the chunks fall. */
function onLines(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) fn(line);
  });
  stream.on('end', () => {
    if (rest.trim()) fn(rest);
  });
}

/** A TCP port nothing listens on right now (the OS picks it; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Only what node and tsx need from our environment; the backend's own variables come from testEnv.
 * SAMTAL_ENV_FILE=/dev/null: a developer's `.env` never leaks into a test's process.
 */
export const baseEnv = (): Record<string, string> => ({
  ...Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
  SAMTAL_ENV_FILE: '/dev/null',
});

export type BackendProcess = {
  pid: number;
  port: number;
  url: string;
  /** Every stdout and stderr line, raw, in arrival order (stdout JSON logs and anything else). */
  lines: string[];
  /** The stdout lines that are JSON log records, parsed. */
  logs: Record<string, unknown>[];
  exited: Promise<Exit>;
  /** Resolves with the first log record (already written or still to come) that matches. */
  waitForLog: (match: (log: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** Sends the signal (default SIGKILL) and resolves once the process is gone. */
  kill: (signal?: NodeJS.Signals) => Promise<Exit>;
};

/**
 * Starts `apps/backend/src/main.ts` as a child with `testEnv(overrides)` and resolves once it has
 * logged that every role it runs is up (api listening, workers started, scheduler started).
 * PORT must be set by the caller (PUBLIC_BASE_URL has to name it before the process starts).
 */
export async function spawnBackend(
  overrides: Record<string, string | undefined>,
  opts: { readyTimeoutMs?: number; /** Only `overrides` (and the env file they name): no test defaults. */ raw?: boolean } = {},
): Promise<BackendProcess> {
  const env = opts.raw ? overrides : testEnv(overrides);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/backend/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = track(child);
  const lines: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<(log: Record<string, unknown>) => void>();
  const take = (line: string) => {
    lines.push(line);
    sinkLog(line);
    if (!line.startsWith('{')) return;
    try {
      const log = JSON.parse(line) as Record<string, unknown>;
      logs.push(log);
      for (const w of waiters) w(log);
    } catch {
      // a non-JSON line stays in `lines`
    }
  };
  onLines(child.stdout!, take);
  onLines(child.stderr!, take);

  const waitForLog: BackendProcess['waitForLog'] = (match, timeoutMs = 60_000) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        fn();
      };
      const waiter = (log: Record<string, unknown>) => {
        if (match(log)) done(() => resolve(log));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`backend ${child.pid}: no matching log line within ${timeoutMs} ms\n${lines.slice(-20).join('\n')}`))), timeoutMs);
      waiters.add(waiter);
      void exited.then((e) => done(() => reject(new Error(`backend ${child.pid} exited (${e.code ?? e.signal}) before the expected log line\n${lines.slice(-20).join('\n')}`))));
    });
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  const role = env.ROLE ?? 'all';
  const expected = [
    (role === 'all' || role === 'api') && 'api listening',
    (role === 'all' || role === 'worker') && 'workers started',
    (role === 'all' || role === 'scheduler') && 'scheduler started',
  ].filter((m): m is string => Boolean(m));
  try {
    for (const message of expected) await waitForLog((l) => l.message === message, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await kill();
    throw err;
  }
  const port = Number(env.PORT);
  return { pid: child.pid!, port, url: `http://127.0.0.1:${port}`, lines, logs, exited, waitForLog, kill };
}

export type RedisServer = {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: a crash, nothing saved) and waits until it is gone. */
  crash: () => Promise<void>;
  /** Starts it again on the same port: empty, as a failover without persistence. */
  start: () => Promise<void>;
  stop: () => Promise<void>;
};

/** A private `redis-server` on its own port, without persistence (`--save "" --appendonly no`). */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  let child: ChildProcess | null = null;
  let exited: Promise<Exit> = Promise.resolve({ code: 0, signal: null });
  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = track(proc);
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on ${p} not ready:\n${output.join('\n')}`)), 10_000);
      onLines(proc.stdout!, (line) => {
        output.push(line);
        if (line.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      onLines(proc.stderr!, (line) => output.push(line));
      void exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on ${p} exited (${e.code ?? e.signal}):\n${output.join('\n')}`));
      });
    });
  };
  const crash = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port: p, url: `redis://127.0.0.1:${p}`, crash, start, stop: crash };
}
