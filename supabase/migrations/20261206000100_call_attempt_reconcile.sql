-- A create whose answer was lost (timeout, reset, 5xx after sending) leaves the attempt `unknown`: a call
-- may exist at 46elks. It is reconciled against the call history, never re-sent (calls/reconcile.ts).
alter table call_attempts drop constraint if exists call_attempts_elks_state_check;
alter table call_attempts add constraint call_attempts_elks_state_check
  check (elks_state in ('ongoing', 'success', 'busy', 'failed', 'unknown'));
-- What 46elks (or the network) answered to the create, when it was not a call.
alter table call_attempts add column if not exists create_error text;
