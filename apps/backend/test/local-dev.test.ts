import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { REPO_ROOT } from '../src/db/migrate';
import { until } from './drills/support/drill';
import { baseEnv, type BackendProcess, freePort, spawnBackend } from './helpers/processes';
import { createTestDatabase, type TestDb } from './helpers/pg';
import { dropPrefix, uniquePrefix } from './helpers/redis';

/**
 * The README's local-development recipe, run as a developer would: `.env.example` plus the README's
 * four lines as the one `.env` of both `npm run sim` (the simulators' CLI) and `npm start` (the
 * backend). Only the ports are moved to free ones, and the simulators run faster. It once failed
 * with 401: the simulator wanted credentials no document named.
 */

const SEEDED_GROCERY = '50000000-0000-4000-8000-000000000001';

function recipeEnvFile(ports: { elks: number; openai: number; api: number }): { file: string; vars: Map<string, string> } {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /<!-- local-env[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no <!-- local-env --> block');
  const text = `${readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')}\n${block}`
    .replaceAll(':4646', `:${ports.elks}`)
    .replaceAll(':4647', `:${ports.openai}`)
    .replaceAll(':3000', `:${ports.api}`);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'samtal-env-')), '.env');
  writeFileSync(file, text);
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!);
  }
  return { file, vars };
}

describe('local development as the README describes it', () => {
  let db: TestDb;
  let sim: ChildProcess | null = null;
  let backend: BackendProcess | null = null;
  const prefix = uniquePrefix('localdev');

  afterAll(async () => {
    await backend?.kill();
    sim?.kill('SIGKILL');
    await db?.drop();
    await dropPrefix(prefix);
  });

  it('npm run sim and npm start share one .env: the simulator accepts the backend, and a verification becomes a completed call', async () => {
    db = await createTestDatabase();
    const seed = postgres(db.url, { max: 1, onnotice: () => {} });
    await seed.file(path.join(REPO_ROOT, 'supabase/seed.sql'));
    const ports = { elks: await freePort(), openai: await freePort(), api: await freePort() };
    const { file, vars } = recipeEnvFile(ports);

    // `npm run sim` (the CLI) with the .env: ports and credentials from the file.
    const lines: string[] = [];
    sim = spawn(process.execPath, ['--import', 'tsx', 'apps/simulator/src/cli.ts'], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), SAMTAL_ENV_FILE: file, SIM_ELKS_PORT: String(ports.elks), SIM_OPENAI_PORT: String(ports.openai), SIM_TIME_SCALE: '0.02', SIM_LOG: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sim.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    sim.stderr!.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    await until('the simulators to listen', () => lines.join('').includes('OpenAI simulator:'), 60_000);
    expect(lines.join('')).toContain(`Basic auth ${vars.get('ELKS_USERNAME')}:***`);

    // `npm start` with the same .env (only the test database and Redis prefix come from outside).
    backend = await spawnBackend(
      { SAMTAL_ENV_FILE: file, PORT: String(ports.api), ROLE: 'all', DATABASE_URL: db.url, REDIS_PREFIX: prefix },
      { raw: true },
    );
    const now = new Date().toISOString();
    const res = await fetch(`${backend.url}/webhooks/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vars.get('VERIFICATION_WEBHOOK_SECRET')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'INSERT',
        table: 'customer_verifications',
        schema: 'public',
        old_record: null,
        record: {
          id: crypto.randomUUID(),
          store_id: SEEDED_GROCERY,
          phone_number: '+46701740123',
          transaction_amount: 250,
          transaction_time: now,
          verification_status: 'verified',
          verified_at: now,
        },
      }),
    });
    expect(res.status).toBe(202);
    const { call_session_id: sessionId } = (await res.json()) as { call_session_id: string };
    const session = await until(
      'the call to complete',
      async () => {
        const [s] = await seed<{ session_status: string; failure_reason: string | null }[]>`
          select session_status, failure_reason from feedback_call_sessions where id = ${sessionId}`;
        return s && s.session_status !== 'pending' && s.session_status !== 'in_progress' ? s : null;
      },
      120_000,
      200,
    );
    expect(session).toEqual({ session_status: 'completed', failure_reason: null });
    expect(backend.lines.join('\n')).not.toMatch(/answered 401/);
    await seed.end();
  }, 240_000);
});
