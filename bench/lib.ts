/**
 * Shared plumbing for the benchmarks: a fresh database, the simulators and the backend as real
 * child processes (so their event loops don't compete with the load generator's), and cleanup.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
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
export function startProcess(script: string, env: Record<string, string>, label: string, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, script)], {
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

export async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 8_000).unref();
        }),
    ),
  );
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
