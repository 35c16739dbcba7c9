-- What was said, how it was graded, the fraud checks and the reward ledger.

create table if not exists conversation_transcripts (
  id                uuid primary key default gen_random_uuid(),
  call_session_id   uuid not null references feedback_call_sessions (id) on delete cascade,
  speaker           text not null check (speaker in ('ai', 'customer')),
  message_order     integer not null check (message_order >= 0),
  content           text not null,
  timestamp_ms      integer not null check (timestamp_ms >= 0),
  confidence_score  numeric(3, 2) check (confidence_score between 0 and 1),
  language_detected text,
  message_type      text,
  created_at        timestamptz not null default now(),
  expires_at        timestamptz not null default (now() + interval '90 days'),
  search_vector     tsvector generated always as (to_tsvector('swedish', content)) stored,
  unique (call_session_id, message_order)
);
create index if not exists conversation_transcripts_search_idx on conversation_transcripts using gin (search_vector);
create index if not exists conversation_transcripts_expires_idx on conversation_transcripts (expires_at);

create table if not exists quality_assessments (
  id                        uuid primary key default gen_random_uuid(),
  call_session_id           uuid not null unique references feedback_call_sessions (id) on delete cascade,
  legitimacy_score          numeric(3, 2) check (legitimacy_score between 0 and 1),
  depth_score               numeric(3, 2) check (depth_score between 0 and 1),
  usefulness_score          numeric(3, 2) check (usefulness_score between 0 and 1),
  overall_quality_score     numeric(3, 2) check (overall_quality_score between 0 and 1),
  reward_percentage         numeric(5, 2) not null default 0
                            check (reward_percentage = 0 or reward_percentage between 2 and 15),
  qualifies_for_reward      boolean not null default false,
  rejection_reason          text,
  is_fraudulent             boolean not null default false,
  fraud_reasons             jsonb not null default '[]'::jsonb,
  analysis_summary          text,
  sentiment                 text check (sentiment in ('positive', 'neutral', 'negative', 'mixed')),
  themes                    jsonb not null default '[]'::jsonb,
  department_mentions       jsonb not null default '[]'::jsonb,
  business_actionable_items jsonb not null default '[]'::jsonb,
  analysis_metadata         jsonb not null default '{}'::jsonb,
  created_at                timestamptz not null default now(),
  updated_at                timestamptz not null default now(),
  expires_at                timestamptz not null default (now() + interval '90 days'),
  search_vector             tsvector generated always as (
    setweight(to_tsvector('swedish', coalesce(analysis_summary, '')), 'A') ||
    setweight(jsonb_to_tsvector('swedish', business_actionable_items, '["string"]'), 'B') ||
    setweight(jsonb_to_tsvector('swedish', themes, '["string"]'), 'B')
  ) stored,
  check (not qualifies_for_reward or reward_percentage between 2 and 15),
  check (qualifies_for_reward or reward_percentage = 0)
);
create index if not exists quality_assessments_search_idx on quality_assessments using gin (search_vector);
create index if not exists quality_assessments_expires_idx on quality_assessments (expires_at);

create table if not exists fraud_detection_results (
  id                 uuid primary key default gen_random_uuid(),
  call_session_id    uuid not null references feedback_call_sessions (id) on delete cascade,
  check_type         text not null check (check_type in ('timing', 'content', 'context', 'pattern', 'model')),
  is_suspicious      boolean not null,
  confidence_level   numeric(3, 2) not null check (confidence_level between 0 and 1),
  fraud_indicators   jsonb not null default '[]'::jsonb,
  decision_reasoning text,
  created_at         timestamptz not null default now(),
  expires_at         timestamptz not null default (now() + interval '90 days'),
  unique (call_session_id, check_type)
);
create index if not exists fraud_detection_results_expires_idx on fraud_detection_results (expires_at);

-- The reward ledger: graded → approved → paid, or reversed. Money records outlive the 90-day
-- purge of the call itself (call_session_id is then set null); they hold no personal data.
create table if not exists rewards (
  id                       uuid primary key default gen_random_uuid(),
  call_session_id          uuid unique references feedback_call_sessions (id) on delete set null,
  store_id                 uuid not null references stores (id) on delete cascade,
  amount_sek               numeric(12, 2) not null check (amount_sek >= 0),
  reward_percentage        numeric(5, 2) not null check (reward_percentage between 2 and 15),
  state                    text not null default 'graded' check (state in ('graded', 'approved', 'paid', 'reversed')),
  graded_at                timestamptz not null default now(),
  approved_at              timestamptz,
  paid_at                  timestamptz,
  reversed_at              timestamptz,
  reversal_reason          text,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now()
);
create index if not exists rewards_store_created_idx on rewards (store_id, created_at);
