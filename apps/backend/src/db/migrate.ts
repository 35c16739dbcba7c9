import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Applies `supabase/migrations` with the Supabase CLI itself (`supabase db push`), the very command
 * a production deploy runs. This module only locates the CLI, adds `sslmode=disable` for a local
 * server without TLS, and turns the CLI's output into one clear error line naming the file.
 */

export type MigrateOptions = {
  databaseUrl: string;
  /** The folder holding `supabase/` (defaults to the repository root). */
  workdir?: string;
  /** Also apply `supabase/seed.sql` (once; the CLI records it). */
  seed?: boolean;
};

export type MigrateResult =
  | { ok: true; applied: string[]; seeded: boolean; output: string }
  | { ok: false; error: string; file?: string; output: string };

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A local server has no TLS; the CLI insists on it unless told otherwise. Hosted Supabase keeps TLS. */
export function withLocalSslMode(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const host = url.hostname;
  if ((LOCAL_HOSTS.has(host) || host === '') && !url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

/** The URL without its password, for messages. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function supabaseBin(): string {
  const pkg = require.resolve('supabase/package.json');
  return path.join(path.dirname(pkg), 'dist', 'supabase.js');
}

export function explainFailure(output: string, databaseUrl: string): { error: string; file?: string } {
  const applying = [...output.matchAll(/Applying migration (\S+?)\.\.\./g)].map((m) => m[1]!);
  const file = applying.at(-1);
  const pgError = /ERROR: (.+)/.exec(output)?.[1]?.trim();
  const statement = /At statement: (\d+)\n([^\n]*)/.exec(output);
  if (file && pgError) {
    const where = statement ? ` (statement ${statement[1]}: ${statement[2]!.trim().slice(0, 120)})` : '';
    return {
      file: `supabase/migrations/${file}`,
      error: `migration supabase/migrations/${file} failed: ${pgError}${where}; it was rolled back, nothing of it applied`,
    };
  }
  const connect = /failed to connect to .*$/m.exec(output);
  if (connect) {
    const reason = /server error \((?:FATAL: )?(.+)\)\s*$/.exec(connect[0])?.[1] ?? connect[0];
    return { error: `cannot connect to ${redactUrl(databaseUrl)}: ${reason}` };
  }
  const seedFailure = /Seeding data from (\S+)/.exec(output);
  if (seedFailure && pgError) return { file: seedFailure[1], error: `seed ${seedFailure[1]} failed: ${pgError}` };
  const last = output.trim().split('\n').filter((l) => !/rerunning the command with --debug/.test(l)).at(-1);
  return { error: `supabase db push failed: ${last ?? 'no output'}` };
}

export function runMigrations(opts: MigrateOptions): Promise<MigrateResult> {
  const url = withLocalSslMode(opts.databaseUrl);
  const args = [supabaseBin(), 'db', 'push', '--db-url', url, '--yes', '--workdir', opts.workdir ?? REPO_ROOT];
  if (opts.seed) args.push('--include-seed');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DO_NOT_TRACK: '1' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', (err) => resolve({ ok: false, error: `cannot run the Supabase CLI: ${err.message}`, output }));
    child.on('close', (code) => {
      if (code === 0) {
        const applied = [...output.matchAll(/Applying migration (\S+?)\.\.\./g)].map((m) => m[1]!);
        resolve({ ok: true, applied, seeded: /Seeding data from/.test(output), output });
      } else {
        resolve({ ok: false, ...explainFailure(output, opts.databaseUrl), output });
      }
    });
  });
}
