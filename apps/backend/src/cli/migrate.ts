/**
 * `npm run migrate [-- --seed]`: applies supabase/migrations to DATABASE_URL with the Supabase CLI.
 * A second run does nothing. On failure: one line naming the file and the Postgres error, exit 1.
 */
import { loadEnvFile } from '../config';
import { redactUrl, runMigrations } from '../db/migrate';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/samtal';

async function main(): Promise<number> {
  loadEnvFile();
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_URL;
  const seed = process.argv.includes('--seed');
  process.stdout.write(`migrate: applying supabase/migrations to ${redactUrl(databaseUrl)}${seed ? ' (with seed)' : ''}\n`);
  const result = await runMigrations({ databaseUrl, seed });
  if (!result.ok) {
    process.stderr.write(`migrate: ${result.error}\n`);
    if (process.env.MIGRATE_VERBOSE) process.stderr.write(result.output);
    return 1;
  }
  if (result.applied.length === 0) process.stdout.write('migrate: up to date, nothing to apply\n');
  for (const file of result.applied) process.stdout.write(`migrate: applied ${file}\n`);
  if (result.seeded) process.stdout.write('migrate: applied supabase/seed.sql\n');
  return 0;
}

main().then((code) => process.exit(code));
