import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { REPO_ROOT, runMigrations } from '../../src/db/migrate';
import { adminUrl, createEmptyDatabase, type TestDb } from '../helpers/pg';

/**
 * Supabase serves `public` through its Data API as `anon` (the public anon key) and `authenticated`
 * (any signed-up user's token). This file prepares an empty database the way a Supabase project is
 * prepared (those roles, schema usage, and default privileges granting them everything created in
 * `public`), applies the migrations with the code path `npm run migrate` uses, and shows that
 * neither role can read or write anything, that Supabase's lint rls_disabled_in_public is clean, and
 * that the table owner (what the backend connects as) is unaffected.
 */

const MIGRATIONS_DIR = path.join(REPO_ROOT, 'supabase', 'migrations');
const RLS_MIGRATION = '20261206000200_row_level_security.sql';
const CLIENT_ROLES = ['anon', 'authenticated'] as const;
const SUPABASE_ROLES = [...CLIENT_ROLES, 'service_role'] as const;
const INSUFFICIENT_PRIVILEGE = '42501';
const DEMO_BUSINESS = 'b0000000-0000-4000-8000-000000000001';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

// ---------------------------------------------------------------------------------------------------
// What the migration files say (no database needed)

/** Migration files in the order the CLI applies them, with comments removed. */
function migrationFiles(dir = MIGRATIONS_DIR): { file: string; sql: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => ({
      file,
      sql: readFileSync(path.join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, ' ')
        .replace(/--[^\n]*/g, ' '),
    }));
}

const normalizeName = (raw: string) =>
  raw
    .replace(/^"?public"?\./i, '')
    .replace(/"/g, '')
    .toLowerCase();

/** Every persistent table a migration creates (temporary tables do not live in `public`). */
function tablesCreated(files = migrationFiles()): { table: string; index: number; file: string }[] {
  const found: { table: string; index: number; file: string }[] = [];
  const create =
    /\bcreate\s+(?:(?:global\s+|local\s+)?(temp|temporary)\s+|unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?((?:"?public"?\.)?(?:"[^"]+"|[a-z_][a-z0-9_$]*))/gi;
  files.forEach(({ file, sql }, index) => {
    for (const m of sql.matchAll(create)) if (!m[1]) found.push({ table: normalizeName(m[2]!), index, file });
  });
  return found;
}

/** Index of the first file, at or after `from`, holding exactly `alter table <name> enable row level security;`. */
function rlsEnabledIn(table: string, from: number, files = migrationFiles()): string | undefined {
  const statement = new RegExp(`\\balter\\s+table\\s+${table}\\s+enable\\s+row\\s+level\\s+security\\s*;`, 'i');
  return files.slice(from).find(({ sql }) => statement.test(sql))?.file;
}

describe('every table the migrations create has row level security', () => {
  it('each `create table` in supabase/migrations has `alter table <name> enable row level security;` at or after it', () => {
    const files = migrationFiles();
    const created = tablesCreated(files);
    expect(created.length).toBeGreaterThanOrEqual(16); // the parser is not silently matching nothing
    const missing = created
      .filter(({ table, index }) => !rlsEnabledIn(table, index, files))
      .map(({ table, file }) => `${table} (created in ${file})`);
    expect(missing).toEqual([]);
  });

  it('the check notices a migration that forgets it', () => {
    const files = [
      ...migrationFiles(),
      { file: '29990101000000_new.sql', sql: 'create table if not exists public.new_thing (id int);\n' },
    ];
    const created = tablesCreated(files);
    expect(created.at(-1)).toEqual({ table: 'new_thing', index: files.length - 1, file: '29990101000000_new.sql' });
    expect(rlsEnabledIn('new_thing', files.length - 1, files)).toBeUndefined();
    files.push({ file: '29990101000001_rls.sql', sql: 'alter table new_thing enable row level security;\n' });
    expect(rlsEnabledIn('new_thing', files.length - 2, files)).toBe('29990101000001_rls.sql');
  });
});

// ---------------------------------------------------------------------------------------------------
// A database prepared like a Supabase project, then migrated

/**
 * anon, authenticated and service_role as Supabase creates them. Roles are cluster-wide: created
 * only when missing (tolerating a concurrent creator) and never dropped, since every database that
 * mentions them in a grant depends on them.
 */
async function ensureSupabaseRoles(): Promise<void> {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    for (const [role, options] of [
      ['anon', 'nologin noinherit'],
      ['authenticated', 'nologin noinherit'],
      ['service_role', 'nologin noinherit bypassrls'],
    ] as const) {
      await admin.unsafe(`
        do $$
        begin
          if not exists (select 1 from pg_catalog.pg_roles where rolname = '${role}') then
            create role ${role} ${options};
          end if;
        exception when duplicate_object or unique_violation then
          null; -- created by someone else meanwhile
        end
        $$`);
    }
  } finally {
    await admin.end();
  }
}

/** What Supabase does to `public` before any migration of ours runs. */
async function prepareLikeSupabase(sql: postgres.Sql): Promise<void> {
  const roles = SUPABASE_ROLES.join(', ');
  await sql.unsafe(`grant usage on schema public to ${roles}`);
  for (const kind of ['tables', 'sequences', 'functions']) {
    await sql.unsafe(`alter default privileges in schema public grant all on ${kind} to ${roles}`);
  }
}

type Outcome = { ok: true; count: number; rows: Record<string, unknown>[] } | { ok: false; code: string; message: string };

const ROLLBACK = new Error('rollback');

/**
 * Runs `statement` in a transaction that is always rolled back: first `setup` as the connecting
 * role, then `set local role <role>` (if given), then the statement.
 */
async function attempt(sql: postgres.Sql, opts: { role?: string; setup?: string[]; statement: string }): Promise<Outcome> {
  let outcome: Outcome | undefined;
  try {
    await sql.begin(async (tx) => {
      for (const s of opts.setup ?? []) await tx.unsafe(s);
      if (opts.role) await tx.unsafe(`set local role ${quoteIdent(opts.role)}`);
      try {
        const rows = await tx.unsafe(opts.statement);
        outcome = { ok: true, count: rows.count, rows: [...rows] };
      } catch (err) {
        const e = err as postgres.PostgresError;
        outcome = { ok: false, code: e.code, message: e.message };
      }
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
  return outcome!;
}

const refused = { ok: false, code: INSUFFICIENT_PRIVILEGE };

describe('row level security on a database prepared like a Supabase project', () => {
  let db: TestDb;
  let sql: postgres.Sql;
  let tables: string[];
  let firstColumn: Map<string, string>;

  beforeAll(async () => {
    await ensureSupabaseRoles();
    db = await createEmptyDatabase();
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    await prepareLikeSupabase(sql);
    // The same code path as `npm run migrate -- --seed` (the seed gives the tables rows to hide).
    const result = await runMigrations({ databaseUrl: db.url, seed: true });
    if (!result.ok) throw new Error(`migrations failed: ${result.error}\n${result.output}`);

    const rows = await sql<{ relname: string }[]>`
      select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`;
    tables = rows.map((r) => r.relname);
    const cols = await sql<{ table_name: string; column_name: string }[]>`
      select distinct on (table_name) table_name, column_name from information_schema.columns
      where table_schema = 'public' and is_generated = 'NEVER' and is_identity = 'NO'
      order by table_name, ordinal_position`;
    firstColumn = new Map(cols.map((c) => [c.table_name, c.column_name]));
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('a table created in public later is not granted to anon/authenticated (the same preparation elsewhere would)', async () => {
    // The migrating role's default privileges, as prepared above, granted everything to all three
    // roles; the migration took that back for the client roles only. service_role keeps what
    // Supabase gives it (it bypasses RLS anyway; see the migration).
    const probe = await attempt(sql, {
      setup: ['create table rls_probe (id int)'],
      statement: `select has_table_privilege('anon', 'rls_probe', 'SELECT') as anon,
                         has_table_privilege('authenticated', 'rls_probe', 'INSERT') as authenticated,
                         has_table_privilege('service_role', 'rls_probe', 'SELECT') as service_role`,
    });
    expect(probe).toMatchObject({ ok: true, rows: [{ anon: false, authenticated: false, service_role: true }] });

    // Without the migration's default-privilege change the same preparation grants them everything:
    // shown on a scratch schema prepared the same way (the migration only touches `public`).
    const scratch = await attempt(sql, {
      setup: [
        'create schema rls_scratch',
        `alter default privileges in schema rls_scratch grant all on tables to ${SUPABASE_ROLES.join(', ')}`,
        'create table rls_scratch.t (id int)',
      ],
      statement: `select has_table_privilege('anon', 'rls_scratch.t', 'SELECT') as anon,
                         has_table_privilege('authenticated', 'rls_scratch.t', 'INSERT') as authenticated`,
    });
    expect(scratch).toMatchObject({ ok: true, rows: [{ anon: true, authenticated: true }] });
  });

  it('migrates every table the migration files create', () => {
    expect(tables.length).toBeGreaterThanOrEqual(16);
    expect(tables).toEqual([...new Set(tablesCreated().map((t) => t.table))].sort());
  });

  describe("(a) Supabase's lint rls_disabled_in_public", () => {
    it('no table in public has row level security disabled', async () => {
      const rows = await sql`
        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity`;
      expect(rows.map((r) => r.relname)).toEqual([]);
    });

    it("splinter's 0013_rls_disabled_in_public query, with PostgREST serving public, finds nothing", async () => {
      const lint = await attempt(sql, {
        setup: [`select set_config('pgrst.db_schemas', 'public', true)`],
        statement: `
          select format('Table %s.%s is public, but RLS has not been enabled.', n.nspname, c.relname) as detail
          from pg_catalog.pg_class c join pg_catalog.pg_namespace n on c.relnamespace = n.oid
          where c.relkind = 'r'
            and not c.relrowsecurity
            and (pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
                 or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT'))
            and n.nspname = any(array(select trim(unnest(string_to_array(current_setting('pgrst.db_schemas', 't'), ',')))))
            and n.nspname not in ('auth', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net',
                                  'pg_catalog', 'pgbouncer', 'realtime', 'storage', 'supabase_functions',
                                  'supabase_migrations', 'vault')`,
      });
      expect(lint).toMatchObject({ ok: true, rows: [] });
    });

    it('row level security is not forced: the owner (the backend) is exempt', async () => {
      const forced = await sql`
        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relforcerowsecurity`;
      expect(forced).toEqual([]);
    });
  });

  describe('(b) anon and authenticated can read and write nothing', () => {
    it.each(CLIENT_ROLES)('%s: select from every table is refused (or sees no rows)', async (role) => {
      for (const table of tables) {
        const outcome = await attempt(sql, { role, statement: `select * from ${quoteIdent(table)}` });
        const ok = outcome.ok ? outcome.count === 0 : outcome.code === INSUFFICIENT_PRIVILEGE;
        expect({ table, outcome: ok ? 'nothing' : outcome }).toEqual({ table, outcome: 'nothing' });
      }
    });

    it.each(CLIENT_ROLES)('%s: insert, update, delete and truncate on every table are refused', async (role) => {
      for (const table of tables) {
        const t = quoteIdent(table);
        const col = quoteIdent(firstColumn.get(table)!);
        for (const statement of [
          `insert into ${t} default values`,
          `update ${t} set ${col} = ${col}`,
          `delete from ${t}`,
          `truncate ${t}`,
        ]) {
          const outcome = await attempt(sql, { role, statement });
          expect({ statement, outcome }).toMatchObject({ statement, outcome: refused });
        }
      }
    });

    it.each(CLIENT_ROLES)('%s: cannot read businesses nor join a business through business_users', async (role) => {
      expect(await sql`select id from businesses where id = ${DEMO_BUSINESS}`).toHaveLength(1);
      expect(await attempt(sql, { role, statement: 'select id, name from businesses' })).toMatchObject(refused);
      expect(
        await attempt(sql, {
          role,
          statement: `insert into business_users (user_id, business_id, role)
                      values (gen_random_uuid(), '${DEMO_BUSINESS}', 'owner')`,
        }),
      ).toMatchObject(refused);
      expect(await attempt(sql, { role, statement: `update business_users set role = 'owner'` })).toMatchObject(refused);
      expect(await attempt(sql, { role, statement: 'delete from business_users' })).toMatchObject(refused);
    });

    it.each(CLIENT_ROLES)('%s: holds no privilege on any table, sequence or function in public, now or later', async (role) => {
      const grants = await sql`
        select c.relname::text as object, a.privilege_type
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace,
             aclexplode(c.relacl) a
        where n.nspname = 'public' and a.grantee = (select oid from pg_catalog.pg_roles where rolname = ${role})
        union all
        select p.proname::text, a.privilege_type
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace,
             aclexplode(p.proacl) a
        where n.nspname = 'public' and a.grantee = (select oid from pg_catalog.pg_roles where rolname = ${role})
        union all
        select 'default privileges for ' || d.defaclrole::regrole::text || ' on ' || d.defaclobjtype::text, a.privilege_type
        from pg_catalog.pg_default_acl d left join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace,
             aclexplode(d.defaclacl) a
        where (n.nspname = 'public' or d.defaclnamespace = 0)
          and a.grantee = (select oid from pg_catalog.pg_roles where rolname = ${role})`;
      expect(grants).toEqual([]);
      const anyPrivilege = await sql`
        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public'
          and case when c.relkind = 'S' then has_sequence_privilege(${role}, c.oid, 'USAGE, SELECT, UPDATE')
                   when c.relkind in ('r', 'p', 'v', 'm', 'f')
                   then has_table_privilege(${role}, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                   else false end`;
      expect(anyPrivilege).toEqual([]);
    });

    it.each(CLIENT_ROLES)('%s: even if a table were granted by mistake, row level security shows and accepts no row', async (role) => {
      const grant = [`grant select, insert, update, delete on businesses, business_users to ${role}`];
      const read = await attempt(sql, { role, setup: grant, statement: 'select * from businesses' });
      expect(read).toMatchObject({ ok: true, count: 0 });
      const join = await attempt(sql, {
        role,
        setup: grant,
        statement: `insert into business_users (user_id, business_id) values (gen_random_uuid(), '${DEMO_BUSINESS}')`,
      });
      expect(join).toMatchObject({ ok: false, code: INSUFFICIENT_PRIVILEGE, message: expect.stringMatching(/row-level security/) });
      expect(await attempt(sql, { role, setup: grant, statement: `update businesses set name = 'taken'` })).toMatchObject({ ok: true, count: 0 });
      expect(await attempt(sql, { role, setup: grant, statement: 'delete from business_users' })).toMatchObject({ ok: true, count: 0 });
    });
  });

  describe('(c) the owner, what the backend connects as, reads and writes normally', () => {
    it('the migrating role reads every table and writes the business tables', async () => {
      const [me] = await sql<{ user: string }[]>`select current_user as user`;
      const owners = await sql<{ relname: string; owner: string }[]>`
        select c.relname, pg_get_userbyid(c.relowner) as owner from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`;
      expect(owners.filter((o) => o.owner !== me!.user)).toEqual([]);

      for (const table of tables) await sql.unsafe(`select count(*) from ${quoteIdent(table)}`);
      expect(await sql`select id from stores where business_id = ${DEMO_BUSINESS}`).toHaveLength(2);

      const [b] = await sql<{ id: string }[]>`insert into businesses (name) values ('Ägaren AB') returning id`;
      const user = '00000000-0000-4000-8000-0000000000c1';
      await sql`insert into business_users (user_id, business_id) values (${user}, ${b!.id})`;
      expect(await sql`update business_users set role = 'viewer' where user_id = ${user}`).toHaveProperty('count', 1);
      expect(await sql`select role from business_users where user_id = ${user}`).toEqual([{ role: 'viewer' }]);
      expect(await sql`delete from businesses where id = ${b!.id}`).toHaveProperty('count', 1);
      expect(await sql`select 1 from business_users where user_id = ${user}`).toHaveLength(0);
    });

    it('an owner that is neither superuser nor BYPASSRLS (as `postgres` is on Supabase) is not restricted either', async () => {
      // Here the migrating role is a superuser, which RLS never restricts, so that alone would prove
      // nothing about the missing FORCE. Inside a rolled-back transaction, hand two tables to a role
      // without those attributes and act as it: as owner it reads the rows and writes.
      const role = 'authenticated';
      const setup = ['alter table businesses owner to authenticated', 'alter table business_users owner to authenticated'];
      const attrs = await sql`select rolsuper, rolbypassrls from pg_catalog.pg_roles where rolname = ${role}`;
      expect(attrs).toEqual([{ rolsuper: false, rolbypassrls: false }]);
      expect(await attempt(sql, { role, setup, statement: 'select id from businesses' })).toMatchObject({ ok: true, count: 1 });
      expect(
        await attempt(sql, {
          role,
          setup,
          statement: `insert into business_users (user_id, business_id) values (gen_random_uuid(), '${DEMO_BUSINESS}')`,
        }),
      ).toMatchObject({ ok: true, count: 1 });
      expect(await attempt(sql, { role, setup, statement: `update businesses set name = name` })).toMatchObject({ ok: true, count: 1 });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// (d) A plain Postgres without Supabase's roles

/**
 * The migrations must still apply where anon/authenticated do not exist. Those roles are cluster-wide
 * and, once the test above has created them, cannot be made absent again for one database (and must
 * not be dropped). On a fresh cluster, jest's globalSetup builds the test template before any test
 * file runs, so the real migration already applies there without the roles; on a machine that ran
 * this file before, that is no longer exercised. So this test applies the real migrations with the
 * CLI to an empty database, with the RLS migration's role names (its only mention of them as
 * literals) replaced by names that surely do not exist: exactly the situation of a plain Postgres
 * for its pg_roles guards. It also shows that the unguarded statement would fail there.
 */
describe('(d) the migrations apply on a plain Postgres without the Supabase roles', () => {
  let db: TestDb;
  let workdir: string;
  const suffix = randomBytes(4).toString('hex');
  const absent = { anon: `samtal_absent_anon_${suffix}`, authenticated: `samtal_absent_authenticated_${suffix}` };

  beforeAll(async () => {
    workdir = mkdtempSync(path.join(tmpdir(), 'samtal-rls-'));
    cpSync(path.join(REPO_ROOT, 'supabase'), path.join(workdir, 'supabase'), { recursive: true });
    db = await createEmptyDatabase();
  });
  afterAll(async () => {
    rmSync(workdir, { recursive: true, force: true });
    await db?.drop();
  });

  it('applies, with row level security on every table', async () => {
    const file = path.join(workdir, 'supabase', 'migrations', RLS_MIGRATION);
    const original = readFileSync(file, 'utf8');
    const rewritten = original.replaceAll("'anon'", `'${absent.anon}'`).replaceAll("'authenticated'", `'${absent.authenticated}'`);
    expect(rewritten).not.toBe(original);
    expect(rewritten).not.toMatch(/'(anon|authenticated)'/);
    writeFileSync(file, rewritten);

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const roles = await sql`select rolname from pg_catalog.pg_roles where rolname in (${absent.anon}, ${absent.authenticated})`;
      expect(roles).toEqual([]);

      const result = await runMigrations({ databaseUrl: db.url, workdir });
      expect(result).toMatchObject({ ok: true });
      if (!result.ok) return;
      expect(result.applied).toContain(RLS_MIGRATION);

      const withoutRls = await sql`
        select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity`;
      expect(withoutRls).toEqual([]);

      // Without the guard the revoke would have failed the migration here.
      await expect(sql.unsafe(`revoke all on all tables in schema public from ${absent.anon}`)).rejects.toMatchObject({
        code: '42704',
      });
    } finally {
      await sql.end();
    }
  });
});
