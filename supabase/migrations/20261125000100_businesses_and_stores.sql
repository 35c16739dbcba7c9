-- Businesses, their users and stores, and each store's context profile (Vocilia step 5.1 names).
-- No personal data here: these rows have no expires_at.

create extension if not exists pgcrypto;

create table if not exists businesses (
  id          uuid primary key default gen_random_uuid(),
  name        text not null check (length(trim(name)) > 0),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

-- user_id is the Supabase Auth `sub`; a business user sees only their business's stores.
create table if not exists business_users (
  user_id     uuid not null,
  business_id uuid not null references businesses (id) on delete cascade,
  role        text not null default 'owner' check (role in ('owner', 'admin', 'viewer')),
  created_at  timestamptz not null default now(),
  primary key (user_id, business_id)
);
create index if not exists business_users_business_idx on business_users (business_id);

create table if not exists stores (
  id          uuid primary key default gen_random_uuid(),
  business_id uuid not null references businesses (id) on delete cascade,
  name        text not null check (length(trim(name)) > 0),
  store_type  text,
  city        text,
  timezone    text not null default 'Europe/Stockholm',
  is_active   boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index if not exists stores_business_idx on stores (business_id);

-- operating_hours: {"monday": {"open": "08:00", "close": "21:00"}, ..., "sunday": null}
-- question_configuration: {"custom_questions": [{"id", "text", "priority"}], ...}
-- baseline_facts: truths the fraud checks use ("no fish counter", "sells no food", ...)
create table if not exists business_context_profiles (
  id                         uuid primary key default gen_random_uuid(),
  store_id                   uuid not null unique references stores (id) on delete cascade,
  operating_hours            jsonb not null default '{}'::jsonb check (jsonb_typeof(operating_hours) = 'object'),
  departments                jsonb not null default '[]'::jsonb check (jsonb_typeof(departments) = 'array'),
  current_campaigns          jsonb not null default '[]'::jsonb check (jsonb_typeof(current_campaigns) = 'array'),
  question_configuration     jsonb not null default '{}'::jsonb check (jsonb_typeof(question_configuration) = 'object'),
  baseline_facts             jsonb not null default '[]'::jsonb check (jsonb_typeof(baseline_facts) = 'array'),
  context_completeness_score numeric(3, 2) not null default 0 check (context_completeness_score between 0 and 1),
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now()
);
