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
    idle_timeout: 30,
    connection: { application_name: 'samtal-backend', statement_timeout: 30_000 },
    onnotice: (n) => opts.log.debug('postgres notice', { notice: n.message }),
  });
}
