-- A MinHash signature of each graded call's answers, for the near-duplicate (pattern) check.
--
-- Every analysis compares its call with up to 200 recent calls at the store. Fetching and
-- shingling their transcripts each time was the largest CPU cost of our own in an analysis; a
-- signature (128 32-bit minimums, fixed size) is computed once, when the call is graded, and the
-- check reads only these. Calls whose estimate comes near the threshold are then compared exactly
-- on their text (analysis/fraud/pattern.ts), so the evidence is the same as before.
--
-- Derived from what the customer said: it goes with the transcript (erasure, retention purge).
create table if not exists transcript_signatures (
  id              uuid primary key default gen_random_uuid(),
  call_session_id uuid not null unique references feedback_call_sessions (id) on delete cascade,
  -- Words of the answers (the consent excluded); answers under MIN_SHINGLE_WORDS are never compared.
  words           integer not null check (words >= 0),
  -- 128 little-endian int32 minimums (512 bytes); null when the answers are too short to compare.
  -- bytea, not integer[]: the driver parses 200 text arrays of 128 numbers per analysis slowly.
  minhash         bytea,
  created_at      timestamptz not null default now(),
  expires_at      timestamptz not null
);
create index if not exists transcript_signatures_expires_idx on transcript_signatures (expires_at);

alter table transcript_signatures enable row level security;
