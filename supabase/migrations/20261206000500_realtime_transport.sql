-- The realtime transport (46elks realtime WebSocket ↔ OpenAI Realtime): how each call's conversation ran,
-- and what the realtime leg cost. call_quality_metrics already has row level security (20261206000200).
alter table call_quality_metrics add column if not exists transport text
  check (transport in ('record', 'realtime', 'realtime+record'));
-- Tokens in and out (audio, text, cached), how the leg ended, its talk time, barge-ins: RealtimeEnd JSON.
alter table call_quality_metrics add column if not exists realtime_usage jsonb;
alter table call_quality_metrics add column if not exists realtime_cost_sek numeric(10, 4) check (realtime_cost_sek >= 0);
