import postgres from 'postgres';
import type { Logger } from '../observability/logger';

export type Sql = postgres.Sql;

export type DbOptions = { url: string; max: number; prepare: boolean; log: Logger };

/**
 * One postgres.js pool per process. `prepare: false` behind Supabase's transaction pooler
 * (port 6543). numeric columns come back as strings by default; we keep that (money stays exact)
 * and convert where a number is wanted.
 */
export function createDb(opts: DbOptions): Sql {
  return postgres(opts.url, {
    max: opts.max,
    prepare: opts.prepare,
    connect_timeout: 5,
    // Reconnect delay after a connection error. postgres.js grows it as 3^n/100 s up to 20 s,
    // with n shared by the whole pool and counting every failed reconnect: a few seconds of
    // Postgres outage left queries waiting 20 s after it was back (the Postgres-cut drill).
    // Capped at 2 s (with jitter), so work resumes within about 2 s of recovery.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 2) * (0.5 + Math.random() / 2),
    idle_timeout: 30,
    connection: { application_name: 'samtal-backend', statement_timeout: 30_000 },
    onnotice: (n) => opts.log.debug('postgres notice', { notice: n.message }),
  });
}
