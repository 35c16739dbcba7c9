-- Row-level security and no Data API access for Supabase's client roles.
--
-- On a Supabase project the `public` schema is served by the REST/GraphQL Data API, which runs every
-- request as `anon` (the public anon key) or `authenticated` (any signed-up user's token), and
-- Supabase's default privileges grant those roles ALL on every table, sequence and function created
-- in `public`. Samtal has no client that talks to the Data API: all access goes through the backend,
-- which connects as the role that ran these migrations and therefore owns every table. So:
--
--   1. Every table gets row level security (and no policy: a role that is not the owner and has no
--      BYPASSRLS sees no rows and can write none). Supabase's lint rls_disabled_in_public is clean.
--   2. `anon` and `authenticated` lose every privilege on tables, sequences and functions in
--      `public` (so a request fails with "permission denied" before RLS is even consulted), and
--      default privileges stop granting them anything created later. Should a client ever need
--      access, a later migration grants exactly that together with a documented policy.
--
-- Not FORCE ROW LEVEL SECURITY: the backend connects as the table owner, which RLS does not restrict
-- unless forced; forcing it with no policies would lock the backend out of its own tables.
--
-- `service_role` is left as Supabase sets it (granted ALL, BYPASSRLS): it is the server-side secret
-- key, bypasses RLS whatever we do here, and the Supabase dashboard's table editor uses it. Keep the
-- service_role key as secret as the database password.
--
-- On a plain Postgres (CI, local development) the roles anon, authenticated, supabase_admin do not
-- exist; every statement naming them is inside a DO block that first looks the role up in pg_roles,
-- so this migration applies there too.
--
-- Every table a migration creates must appear below (or in a later migration) as
-- `alter table <name> enable row level security;` — apps/backend/test/security/rls.test.ts fails
-- for a `create table` without one.

-- 20261125000100_businesses_and_stores.sql
alter table businesses enable row level security;
alter table business_users enable row level security;
alter table stores enable row level security;
alter table business_context_profiles enable row level security;

-- 20261125000200_verifications_and_calls.sql
alter table customer_verifications enable row level security;
alter table feedback_call_sessions enable row level security;
alter table call_attempts enable row level security;
alter table suppressed_phones enable row level security;

-- 20261125000300_transcripts_and_analysis.sql
alter table conversation_transcripts enable row level security;
alter table quality_assessments enable row level security;
alter table fraud_detection_results enable row level security;
alter table rewards enable row level security;

-- 20261125000400_reports_and_metrics.sql
alter table weekly_analysis_reports enable row level security;
alter table call_quality_metrics enable row level security;

-- 20261125000500_analysis.sql
alter table analysis_runs enable row level security;
alter table reward_ledger_events enable row level security;

-- Take back what Supabase's default privileges granted the client roles on everything that exists in
-- `public` now (our tables; on a plain Postgres also pgcrypto's functions), and stop the default
-- privileges of the migrating role from granting them anything created later. Schema USAGE stays:
-- it reveals nothing by itself and Supabase's own tooling expects it.
do $$
declare
  client text;
begin
  foreach client in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_catalog.pg_roles where rolname = client) then
      execute format('revoke all on all tables in schema public from %I', client);
      execute format('revoke all on all sequences in schema public from %I', client);
      execute format('revoke all on all routines in schema public from %I', client);
      execute format('alter default privileges in schema public revoke all on tables from %I', client);
      execute format('alter default privileges in schema public revoke all on sequences from %I', client);
      execute format('alter default privileges in schema public revoke all on functions from %I', client);
    else
      raise notice 'role % does not exist (not a Supabase database): nothing to revoke', client;
    end if;
  end loop;
end
$$;

-- The same for objects that `postgres` or `supabase_admin` create later (e.g. from the SQL editor),
-- when the migrating role may change their default privileges (it is, or is a member of, that role;
-- on hosted Supabase `postgres` may not change supabase_admin's: that is skipped with a notice, and
-- supabase_admin creates none of our tables).
do $$
declare
  client text;
  creator text;
begin
  foreach creator in array array['postgres', 'supabase_admin'] loop
    if creator = current_user then
      continue; -- done above
    elsif not exists (select 1 from pg_catalog.pg_roles where rolname = creator) then
      continue;
    elsif not pg_catalog.pg_has_role(current_user, creator, 'MEMBER') then
      raise notice 'default privileges of % left alone: % is not a member of it', creator, current_user;
      continue;
    end if;
    foreach client in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_catalog.pg_roles where rolname = client) then
        begin
          execute format('alter default privileges for role %I in schema public revoke all on tables from %I', creator, client);
          execute format('alter default privileges for role %I in schema public revoke all on sequences from %I', creator, client);
          execute format('alter default privileges for role %I in schema public revoke all on functions from %I', creator, client);
        exception when insufficient_privilege then
          raise notice 'default privileges of % left alone: %', creator, sqlerrm;
        end;
      end if;
    end loop;
  end loop;
end
$$;
