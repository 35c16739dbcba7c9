import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { testEnv } from './helpers/env';

const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('config', () => {
  it('parses a complete environment with defaults', () => {
    const c = loadConfig(testEnv({ CALL_WINDOW: undefined, RETRY_BACKOFF: undefined, RETENTION_DAYS: undefined }));
    expect(c.CALL_WINDOW).toEqual({ always: false, startMinute: 9 * 60, endMinute: 20 * 60 });
    expect(c.RETRY_BACKOFF.no_answer).toEqual([30 * 60_000, 2 * 3_600_000]);
    expect(c.RETENTION_DAYS).toBe(90);
    expect(c.TZ_CALLS).toBe('Europe/Stockholm');
    expect(c.OPENAI_MODEL).toBe('gpt-4o-mini');
    expect(c.ELKS_ALLOWED_IPS).toEqual([]);
    expect(c.DATABASE_PREPARE).toBe(true);
  });

  it('reads the always window, IP list and test back-offs', () => {
    const c = loadConfig(testEnv({ ELKS_ALLOWED_IPS: '176.10.154.199, 85.24.146.132 ,', DATABASE_PREPARE: 'false' }));
    expect(c.CALL_WINDOW).toEqual({ always: true });
    expect(c.ELKS_ALLOWED_IPS).toEqual(['176.10.154.199', '85.24.146.132']);
    expect(c.RETRY_BACKOFF.busy).toEqual([1_000, 2_000]);
    expect(c.DATABASE_PREPARE).toBe(false);
  });

  it('names every missing variable on its own line', () => {
    const problems = problemsOf(
      testEnv({ WEBHOOK_SECRET: undefined, ELKS_USERNAME: undefined, OPENAI_API_KEY: '', PUBLIC_BASE_URL: undefined }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^WEBHOOK_SECRET is missing/),
        expect.stringMatching(/^ELKS_USERNAME is missing/),
        expect.stringMatching(/^OPENAI_API_KEY is missing/),
        expect.stringMatching(/^PUBLIC_BASE_URL is missing/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('says what is expected of a malformed variable', () => {
    const problems = problemsOf(
      testEnv({
        PORT: 'eighty',
        CALL_WINDOW: '20:00-09:00',
        RETRY_BACKOFF: 'no_answer=30m,2h;busy=soon,1h',
        ELKS_FROM_NUMBER: '0766860000',
        TZ_CALLS: 'Mars/Olympus',
        ROLE: 'everything',
        ADMIN_API_KEY: 'short',
        DATABASE_URL: 'mysql://x',
      }),
    );
    const byVar = Object.fromEntries(problems.map((p) => [p.split(' ')[0], p]));
    expect(byVar.PORT).toMatch(/PORT is invalid/);
    expect(byVar.CALL_WINDOW).toMatch(/end after it starts/);
    expect(byVar.RETRY_BACKOFF).toMatch(/busy=soon,1h/);
    expect(byVar.ELKS_FROM_NUMBER).toMatch(/E\.164/);
    expect(byVar.TZ_CALLS).toMatch(/IANA time zone/);
    expect(byVar.ROLE).toMatch(/ROLE is invalid/);
    expect(byVar.ADMIN_API_KEY).toMatch(/at least 16 characters/);
    expect(byVar.DATABASE_URL).toMatch(/postgres:\/\//);
  });

  it('requires a way to verify business tokens', () => {
    const problems = problemsOf(testEnv({ SUPABASE_JWT_SECRET: undefined, SUPABASE_JWKS_URL: undefined }));
    expect(problems).toEqual([expect.stringMatching(/SUPABASE_JWT_SECRET .*SUPABASE_JWKS_URL/)]);
    expect(problemsOf(testEnv({ SUPABASE_JWT_SECRET: '', SUPABASE_JWKS_URL: 'https://x.supabase.co/auth/v1/.well-known/jwks.json' }))).toEqual([]);
  });

  it('stops the process with one line per problem and exit code 2', () => {
    const main = path.join(__dirname, '../src/main.ts');
    const tsx = require.resolve('tsx/cli');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...testEnv({ WEBHOOK_SECRET: undefined, PORT: '-1' }) };
    const run = spawnSync(process.execPath, [tsx, main], { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/cannot start, invalid configuration/);
    expect(run.stderr).toMatch(/^ {2}WEBHOOK_SECRET is missing: .+$/m);
    expect(run.stderr).toMatch(/^ {2}PORT is invalid: .+$/m);
  });
});
