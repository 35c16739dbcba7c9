import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { REPO_ROOT, runMigrations } from '../../src/db/migrate';

/**
 * Test databases: one migrated template per migrations content (built once by jest's globalSetup
 * with the Supabase CLI), cloned per test file with CREATE DATABASE … TEMPLATE (milliseconds).
 */

export const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const adminUrl = () => `${PG_BASE}/postgres`;
export const dbUrl = (name: string) => `${PG_BASE}/${name}`;

export function templateName(): string {
  const dir = path.join(REPO_ROOT, 'supabase', 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(path.join(dir, f)));
  return `samtal_tpl_${hash.digest('hex').slice(0, 12)}`;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Templates of other migration sets kept (the newest), for checkouts testing side by side. */
const KEEP_TEMPLATES = 4;

/** Builds the template if missing; drops stale templates and databases of dead test processes. */
export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(hashtext('samtal-test-template'))`;
    const dbs = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'samtal\_t%' order by oid desc`;
    // Templates of other migration sets may belong to another checkout testing right now (a CI clone
    // beside a working copy): only those beyond the newest few are dropped.
    const keep = new Set(dbs.filter((d) => d.datname.startsWith('samtal_tpl_')).slice(0, KEEP_TEMPLATES).map((d) => d.datname));
    for (const { datname } of dbs) {
      const pid = /^samtal_t_(\d+)_/.exec(datname)?.[1];
      const staleTemplate = datname.startsWith('samtal_tpl_') && datname !== name && !keep.has(datname);
      if (staleTemplate || (pid && !isAlive(Number(pid)))) {
        if (staleTemplate) await admin.unsafe(`alter database "${datname}" is_template false`);
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      }
    }
    if (!dbs.some((d) => d.datname === name)) {
      const building = `${name}_build`;
      await admin.unsafe(`drop database if exists "${building}" with (force)`);
      await admin.unsafe(`create database "${building}"`);
      const result = await runMigrations({ databaseUrl: dbUrl(building) });
      if (!result.ok) throw new Error(`test template: ${result.error}\n${result.output}`);
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
      await admin.unsafe(`alter database "${name}" with is_template true allow_connections false`);
    }
    await admin`select pg_advisory_unlock(hashtext('samtal-test-template'))`;
    return name;
  } finally {
    await admin.end();
  }
}

export type TestDb = { name: string; url: string; drop: () => Promise<void> };

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<TestDb> {
  return createDatabase(null);
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDb> {
  return createDatabase(templateName());
}

async function createDatabase(template: string | null): Promise<TestDb> {
  const name = `samtal_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(template ? `create database "${name}" template "${template}"` : `create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: dbUrl(name),
    drop: async () => {
      const a = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
