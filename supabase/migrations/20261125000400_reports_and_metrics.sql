-- Weekly reports (aggregates only, kept past 90 days) and per-call quality metrics.

create table if not exists weekly_analysis_reports (
  id                         uuid primary key default gen_random_uuid(),
  store_id                   uuid not null references stores (id) on delete cascade,
  analysis_week              date not null check (extract(isodow from analysis_week) = 1),
  total_feedback_count       integer not null default 0 check (total_feedback_count >= 0),
  average_quality_score      numeric(3, 2) check (average_quality_score between 0 and 1),
  positive_trends            jsonb not null default '[]'::jsonb,
  negative_issues            jsonb not null default '[]'::jsonb,
  new_issues                 jsonb not null default '[]'::jsonb,
  department_insights        jsonb not null default '{}'::jsonb,
  historical_comparison      jsonb not null default '{}'::jsonb,
  predictive_insights        jsonb not null default '[]'::jsonb,
  actionable_recommendations jsonb not null default '[]'::jsonb,
  report_metadata            jsonb not null default '{}'::jsonb,
  generated_at               timestamptz not null default now(),
  search_vector              tsvector generated always as (
    jsonb_to_tsvector('swedish', positive_trends, '["string"]') ||
    jsonb_to_tsvector('swedish', negative_issues, '["string"]') ||
    jsonb_to_tsvector('swedish', new_issues, '["string"]') ||
    jsonb_to_tsvector('swedish', actionable_recommendations, '["string"]')
  ) stored,
  unique (store_id, analysis_week)
);
create index if not exists weekly_analysis_reports_store_week_idx on weekly_analysis_reports (store_id, analysis_week desc);
create index if not exists weekly_analysis_reports_search_idx on weekly_analysis_reports using gin (search_vector);

create table if not exists call_quality_metrics (
  id                          uuid primary key default gen_random_uuid(),
  call_session_id             uuid not null unique references feedback_call_sessions (id) on delete cascade,
  webhook_latencies_ms        jsonb not null default '{}'::jsonb,
  webhook_p50_ms              numeric(10, 2),
  webhook_p99_ms              numeric(10, 2),
  webhook_max_ms              numeric(10, 2),
  answer_to_first_audio_ms    numeric(10, 2),
  stt_latencies_ms            jsonb not null default '[]'::jsonb,
  tts_render_ms               numeric(10, 2),
  turns                       integer check (turns >= 0),
  talk_time_seconds           numeric(10, 2),
  connection_quality          text,
  created_at                  timestamptz not null default now(),
  expires_at                  timestamptz not null default (now() + interval '90 days')
);
create index if not exists call_quality_metrics_expires_idx on call_quality_metrics (expires_at);
