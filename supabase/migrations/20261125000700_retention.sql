-- Indexes the 90-day purge (apps/backend/src/retention) needs to stay cheap as data grows.
-- Built concurrently so writers are never blocked (one statement each, outside a transaction).

-- Deleting a quality assessment sets rewards.quality_assessment_id to null; without an index that
-- foreign-key action scans all of rewards once per deleted assessment.
create index concurrently if not exists rewards_quality_assessment_idx on rewards (quality_assessment_id);

-- Verifications are kept after the purge with their phone number removed; only rows still holding a
-- number are candidates, so each run reads just those instead of every verification ever expired.
create index concurrently if not exists customer_verifications_expires_phone_idx
  on customer_verifications (expires_at) where phone_number is not null;
