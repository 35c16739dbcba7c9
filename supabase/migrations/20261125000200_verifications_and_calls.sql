-- Purchase verifications, one feedback call session per verification, and its dial attempts.
-- Personal data (phone numbers) → expires_at = created + 90 days by default (the app sets it from
-- RETENTION_DAYS); the daily purge deletes rows past it.

create table if not exists customer_verifications (
  id                  uuid primary key default gen_random_uuid(),
  store_id            uuid not null references stores (id) on delete cascade,
  phone_number        text check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  transaction_amount  numeric(12, 2) not null check (transaction_amount >= 0),
  transaction_time    timestamptz not null,
  verification_status text not null default 'verified'
                      check (verification_status in ('pending', 'verified', 'rejected', 'expired')),
  verified_at         timestamptz,
  created_at          timestamptz not null default now(),
  expires_at          timestamptz not null default (now() + interval '90 days')
);
create index if not exists customer_verifications_store_created_idx on customer_verifications (store_id, created_at);
create index if not exists customer_verifications_phone_idx on customer_verifications (phone_number, created_at);
create index if not exists customer_verifications_expires_idx on customer_verifications (expires_at);

create table if not exists feedback_call_sessions (
  id                       uuid primary key default gen_random_uuid(),
  customer_verification_id uuid not null unique references customer_verifications (id) on delete cascade,
  store_id                 uuid not null references stores (id) on delete cascade,
  phone_number             text check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  phone_hash               text,
  session_status           text not null default 'pending'
                           check (session_status in ('pending', 'in_progress', 'completed', 'failed',
                                                     'abandoned', 'declined', 'cancelled')),
  priority                 text not null default 'normal' check (priority in ('low', 'normal', 'high')),
  retry_count              integer not null default 0 check (retry_count between 0 and 3),
  max_attempts             integer not null default 3 check (max_attempts between 1 and 3),
  next_attempt_at          timestamptz,
  call_deadline_at         timestamptz,
  call_initiated_at        timestamptz,
  call_connected_at        timestamptz,
  call_ended_at            timestamptz,
  duration_seconds         integer check (duration_seconds >= 0),
  failure_reason           text,
  consent_given            boolean,
  language_detected        text,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  expires_at               timestamptz not null default (now() + interval '90 days')
);
create index if not exists feedback_call_sessions_status_next_idx
  on feedback_call_sessions (session_status, next_attempt_at);
create index if not exists feedback_call_sessions_store_created_idx
  on feedback_call_sessions (store_id, created_at);
create index if not exists feedback_call_sessions_phone_hash_idx
  on feedback_call_sessions (phone_hash, created_at);
create index if not exists feedback_call_sessions_expires_idx on feedback_call_sessions (expires_at);

create table if not exists call_attempts (
  id                 uuid primary key default gen_random_uuid(),
  call_session_id    uuid not null references feedback_call_sessions (id) on delete cascade,
  attempt_no         integer not null check (attempt_no between 1 and 3),
  elks_call_id       text unique check (elks_call_id ~ '^c[0-9a-f]{32}$'),
  outcome            text check (outcome in ('answered', 'no_answer', 'busy', 'failed', 'voicemail')),
  elks_state         text check (elks_state in ('ongoing', 'success', 'busy', 'failed')),
  -- 46elks reports cost in 1/10 000 of the account currency; stored here in SEK.
  cost               numeric(12, 4) check (cost >= 0),
  scheduled_at       timestamptz,
  started_at         timestamptz,
  answered_at        timestamptz,
  ended_at           timestamptz,
  duration_seconds   integer check (duration_seconds >= 0),
  failure_reason     text,
  hangup_received_at timestamptz,
  created_at         timestamptz not null default now(),
  expires_at         timestamptz not null default (now() + interval '90 days'),
  unique (call_session_id, attempt_no)
);
create index if not exists call_attempts_expires_idx on call_attempts (expires_at);

-- Opt-outs ("ring inte mig igen"), honoured for every store. Only a keyed hash of the number.
create table if not exists suppressed_phones (
  phone_hash text primary key,
  reason     text not null default 'opt_out',
  created_at timestamptz not null default now()
);
