-- Analysis: the analyze job's visible state, what a grade was made with, and the reward ledger's
-- history. A grade row is written whole or not at all (one transaction); a job that cannot grade
-- leaves its reason here instead.

-- One row per session the analyze job has touched. `failed` is final (a refusal or schema-invalid
-- answer after every try, missing data, or transient errors past the job's attempts); the reason
-- is in failure_kind / last_error. A later successful run (e.g. POST /api/ai/analysis/quality)
-- turns it to `completed`. No personal data: removed with the session.
create table if not exists analysis_runs (
  call_session_id uuid primary key references feedback_call_sessions (id) on delete cascade,
  status          text not null check (status in ('running', 'retrying', 'completed', 'failed')),
  attempts        integer not null default 0 check (attempts >= 0),
  failure_kind    text check (failure_kind in ('refusal', 'schema_invalid', 'upstream', 'missing_data', 'internal')),
  last_error      text,
  started_at      timestamptz,
  finished_at     timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now()
);
create index if not exists analysis_runs_status_idx on analysis_runs (status, updated_at);

-- What each grade was made with (also in analysis_metadata), as columns for metrics.
alter table quality_assessments
  add column if not exists prompt_version       text,
  add column if not exists model                text,
  add column if not exists prompt_tokens        integer check (prompt_tokens >= 0),
  add column if not exists completion_tokens    integer check (completion_tokens >= 0),
  add column if not exists total_tokens         integer check (total_tokens >= 0),
  add column if not exists analysis_duration_ms integer check (analysis_duration_ms >= 0),
  add column if not exists fraud_score          numeric(3, 2) check (fraud_score between 0 and 1),
  -- set by cleanup-low-grade when it removed the feedback's text (the numeric grade stays)
  add column if not exists text_removed_at      timestamptz;
create index if not exists quality_assessments_created_idx on quality_assessments (created_at);

alter table fraud_detection_results
  add column if not exists risk_score numeric(3, 2) check (risk_score between 0 and 1);

alter table rewards
  add column if not exists quality_assessment_id uuid references quality_assessments (id) on delete set null,
  add column if not exists purchase_amount_sek   numeric(12, 2) check (purchase_amount_sek >= 0);

-- Every state change of a reward (graded → approved → paid, or → reversed), append-only.
create table if not exists reward_ledger_events (
  id         uuid primary key default gen_random_uuid(),
  reward_id  uuid not null references rewards (id) on delete cascade,
  from_state text check (from_state in ('graded', 'approved', 'paid', 'reversed')),
  to_state   text not null check (to_state in ('graded', 'approved', 'paid', 'reversed')),
  reason     text,
  created_at timestamptz not null default now()
);
create index if not exists reward_ledger_events_reward_idx on reward_ledger_events (reward_id, created_at);
