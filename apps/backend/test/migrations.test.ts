import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { REPO_ROOT, runMigrations } from '../src/db/migrate';
import { createEmptyDatabase, type TestDb } from './helpers/pg';

const TABLES = [
  'businesses',
  'business_users',
  'stores',
  'business_context_profiles',
  'customer_verifications',
  'feedback_call_sessions',
  'call_attempts',
  'conversation_transcripts',
  'quality_assessments',
  'fraud_detection_results',
  'weekly_analysis_reports',
  'call_quality_metrics',
  'rewards',
  'suppressed_phones',
];

describe('supabase migrations (applied with the Supabase CLI)', () => {
  let db: TestDb;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it('creates every table of DESIGN §7 on a fresh database, and the seed', async () => {
    const result = await runMigrations({ databaseUrl: db.url, seed: true });
    expect(result).toMatchObject({ ok: true, seeded: true });
    if (!result.ok) return;
    expect(result.applied.length).toBeGreaterThanOrEqual(4);

    const rows = await sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public'`;
    expect(rows.map((r) => r.table_name).sort()).toEqual(expect.arrayContaining(TABLES));

    const stores = await sql<{ name: string; store_type: string }[]>`select name, store_type from stores order by name`;
    expect(stores).toEqual([
      { name: 'Bergmans Järnhandel', store_type: 'hardware' },
      { name: 'Lindqvists Livs', store_type: 'grocery' },
    ]);
    const profiles = await sql<{ n: number; questions: number }[]>`
      select count(*)::int as n, min(jsonb_array_length(question_configuration->'custom_questions'))::int as questions
      from business_context_profiles`;
    expect(profiles[0]).toEqual({ n: 2, questions: 2 });
    const users = await sql`select user_id from business_users`;
    expect(users).toHaveLength(1);
  });

  it('does nothing on a second run', async () => {
    const result = await runMigrations({ databaseUrl: db.url, seed: true });
    expect(result).toMatchObject({ ok: true, applied: [], seeded: false });
  });

  it('enforces the value sets, scales and 90-day expiry the design gives', async () => {
    const [business] = await sql<{ id: string }[]>`insert into businesses (name) values ('B') returning id`;
    const [store] = await sql<{ id: string }[]>`insert into stores (business_id, name) values (${business!.id}, 'S') returning id`;
    const [v] = await sql<{ id: string; days: number }[]>`
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at)
      values (${store!.id}, '+46701234567', 249.90, now(), now())
      returning id, extract(day from expires_at - created_at)::int as days`;
    expect(v!.days).toBe(90);

    await expect(
      sql`insert into feedback_call_sessions (customer_verification_id, store_id, session_status)
          values (${v!.id}, ${store!.id}, 'ringing')`,
    ).rejects.toThrow(/check constraint/);
    await expect(
      sql`insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time)
          values (${store!.id}, '0701234567', 10, now())`,
    ).rejects.toThrow(/check constraint/);
    const [s] = await sql<{ id: string }[]>`
      insert into feedback_call_sessions (customer_verification_id, store_id) values (${v!.id}, ${store!.id}) returning id`;
    await expect(
      sql`insert into feedback_call_sessions (customer_verification_id, store_id) values (${v!.id}, ${store!.id})`,
    ).rejects.toThrow(/duplicate key/);
    await expect(
      sql`insert into quality_assessments (call_session_id, overall_quality_score, reward_percentage, qualifies_for_reward)
          values (${s!.id}, 0.8, 20, true)`,
    ).rejects.toThrow(/check constraint/);
    await expect(
      sql`insert into weekly_analysis_reports (store_id, analysis_week) values (${store!.id}, '2026-11-25')`,
    ).rejects.toThrow(/check constraint/);
    await sql`insert into weekly_analysis_reports (store_id, analysis_week) values (${store!.id}, '2026-11-23')`;
  });

  it('indexes Swedish text so an inflected word finds its base form', async () => {
    const [store] = await sql<{ id: string }[]>`select id from stores where name = 'Lindqvists Livs'`;
    const [v] = await sql<{ id: string }[]>`
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time)
      values (${store!.id}, '+46701234568', 99, now()) returning id`;
    const [s] = await sql<{ id: string }[]>`
      insert into feedback_call_sessions (customer_verification_id, store_id) values (${v!.id}, ${store!.id}) returning id`;
    await sql`insert into quality_assessments (call_session_id, analysis_summary, themes)
              values (${s!.id}, 'Kunden tyckte att kassorna var för få men tyckte om bageriet.', '["kassakö"]')`;
    const hits = await sql`select id from quality_assessments where search_vector @@ websearch_to_tsquery('swedish', 'kassa')`;
    expect(hits).toHaveLength(1);
    const [plan] = await sql<{ indexname: string }[]>`
      select indexname from pg_indexes where tablename = 'feedback_call_sessions' and indexname like '%status_next%'`;
    expect(plan?.indexname).toBeDefined();
  });

  describe('failures', () => {
    let workdir: string;
    let broken: TestDb;

    beforeAll(async () => {
      workdir = mkdtempSync(path.join(tmpdir(), 'samtal-migr-'));
      cpSync(path.join(REPO_ROOT, 'supabase'), path.join(workdir, 'supabase'), { recursive: true });
      writeFileSync(
        path.join(workdir, 'supabase', 'migrations', '29990101000000_broken.sql'),
        'create table half_applied (id int);\nselect no_such_column from businesses;\n',
      );
      broken = await createEmptyDatabase();
    });
    afterAll(async () => {
      rmSync(workdir, { recursive: true, force: true });
      await broken.drop();
    });

    it('a broken migration fails naming its file and leaves nothing of it applied', async () => {
      const result = await runMigrations({ databaseUrl: broken.url, workdir });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.file).toBe('supabase/migrations/29990101000000_broken.sql');
      expect(result.error).toMatch(/29990101000000_broken\.sql failed: column "no_such_column" does not exist/);
      const check = postgres(broken.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await check<{ t: string | null }[]>`select to_regclass('public.half_applied')::text as t`;
        expect(row!.t).toBeNull();
        const versions = await check<{ version: string }[]>`select version from supabase_migrations.schema_migrations`;
        expect(versions.map((v) => v.version)).not.toContain('29990101000000');
      } finally {
        await check.end();
      }
    });

    it('a missing database is a clear error', async () => {
      const result = await runMigrations({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/samtal_no_such_db' });
      expect(result).toMatchObject({
        ok: false,
        error: expect.stringMatching(/cannot connect to .*samtal_no_such_db: database "samtal_no_such_db" does not exist/),
      });
    });
  });
});
