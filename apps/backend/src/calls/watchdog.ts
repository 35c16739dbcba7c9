import type { Deps } from '../deps';
import { enqueue, jobId } from '../jobs/queues';
import type { Logger } from '../observability/logger';
import { summarizeActions } from '../telephony/webhooks.routes';
import { RING_TIMEOUT_S } from './dial';
import { tryFinalize } from './finalize';
import { recordUnansweredAttempt } from './settle';
import { adoptCall, findCreatedCall } from './reconcile';
import { ensureDialJob } from './schedule';
import type { SessionRow } from './sessions.repo';

/**
 * Reconciles what a lost webhook or a crashed process left behind (runs every minute):
 * - an attempt past its expected end without a hang-up → ask 46elks (GET /calls/{id}); one without a
 *   call id (the create's answer was lost, or the process died around the create) → look the call up
 *   in 46elks' call history first; if it is not there, no call exists and the attempt failed on our side;
 * - a younger attempt whose create answer was lost → look it up in the history to learn its call id;
 * - a hung-up call still waiting for transcripts too long → finalise with what arrived;
 * - a pending session whose dial job is missing → enqueue it again (ids make that a no-op);
 * - a completed call left ungraded (its analyze job lost, or failed on an upstream outage more than
 *   ANALYSIS_RETRY_AFTER_MS ago) → its analysis runs again. Refusals and bad data stay failed.
 */

/** Ringing plus the 2-minute conversation plus margin. */
export const EXPECTED_CALL_END_MS = (RING_TIMEOUT_S + 120 + 120) * 1000;
export const FINALIZE_GRACE_MS = 2 * 60_000;
export const ANALYSIS_RETRY_AFTER_MS = 10 * 60_000;
/** A create answer lost this long ago is looked up in the call history (46elks lists a call once created). */
export const RECONCILE_AFTER_MS = 10_000;
/** Past this, an attempt whose call the history never showed (46elks unreachable meanwhile) is settled anyway. */
export const UNKNOWN_GIVE_UP_MS = 30 * 60_000;

type Stuck = {
  id: string;
  attempt_no: number;
  elks_call_id: string | null;
  elks_state: string | null;
  phone_number: string | null;
  started_at: Date;
  hangup_received_at: Date | null;
};

export async function runWatchdog(
  ctx: Deps,
): Promise<{ reconciled: number; finalised: number; requeued: number; reanalysed: number }> {
  const now = ctx.clock();
  const stuck = await ctx.sql<Stuck[]>`
    select s.id, a.attempt_no, a.elks_call_id, a.elks_state, s.phone_number, a.started_at, a.hangup_received_at
    from feedback_call_sessions s
    join call_attempts a on a.call_session_id = s.id and a.attempt_no = s.retry_count
    where s.session_status = 'in_progress'
      and ((a.hangup_received_at is null and a.started_at < ${new Date(now.getTime() - EXPECTED_CALL_END_MS)})
        or (a.hangup_received_at < ${new Date(now.getTime() - FINALIZE_GRACE_MS)})
        or (a.hangup_received_at is null and a.elks_call_id is null and a.elks_state = 'unknown'
            and a.started_at < ${new Date(now.getTime() - RECONCILE_AFTER_MS)}))
    limit 500`;
  let reconciled = 0;
  let finalised = 0;
  for (const row of stuck) {
    const log = ctx.log.child({ callId: row.id, attemptNo: row.attempt_no });
    if (row.hangup_received_at) {
      if (await tryFinalize(ctx, row.id, row.attempt_no, true)) finalised++;
      continue;
    }
    const overdue = row.started_at.getTime() < now.getTime() - EXPECTED_CALL_END_MS;
    let callId = row.elks_call_id;
    if (!callId) {
      const settled = await settleMissingCallId(ctx, row, now, overdue, log);
      if (settled === 'settled') reconciled++;
      if (typeof settled === 'string') continue;
      callId = settled.id;
    }
    if (!overdue) continue;
    try {
      const call = await ctx.elks.getCall(callId);
      if (call.state === 'ongoing') continue;
      const actions = summarizeActions(call.actions);
      await enqueue(ctx.queues, 'hangup', {
        sessionId: row.id,
        attemptNo: row.attempt_no,
        id: call.id,
        state: call.state,
        start: call.start ?? null,
        durationS: call.duration ?? null,
        cost: call.cost ?? null,
        recordActions: actions.records,
        actionsRun: actions.run,
        actionsSucceeded: actions.succeeded,
      }, { jobId: jobId.hangup(row.id, row.attempt_no), attempts: 8, backoffMs: 1_000 });
      log.warn('watchdog: hangup webhook never came, reconciled from GET /calls', { state: call.state });
      reconciled++;
    } catch (err) {
      log.warn('watchdog: cannot read the call from 46elks', { err: (err as Error).message });
    }
  }
  const pending = await ctx.sql<SessionRow[]>`
    select * from feedback_call_sessions
    where session_status = 'pending' and next_attempt_at < ${new Date(now.getTime() - 60_000)}
    limit 1000`;
  for (const session of pending) await ensureDialJob(ctx, session, now);
  const reanalysed = await reanalyseUngraded(ctx, now);
  return { reconciled, finalised, requeued: pending.length, reanalysed };
}

async function reanalyseUngraded(ctx: Deps, now: Date): Promise<number> {
  const stale = new Date(now.getTime() - ANALYSIS_RETRY_AFTER_MS);
  const rows = await ctx.sql<{ id: string }[]>`
    select s.id from feedback_call_sessions s
    left join analysis_runs r on r.call_session_id = s.id
    where s.session_status = 'completed' and s.updated_at < ${stale}
      and not exists (select 1 from quality_assessments q where q.call_session_id = s.id)
      and (r.call_session_id is null or (r.status = 'failed' and r.failure_kind = 'upstream' and r.updated_at < ${stale}))
    limit 200`;
  for (const { id } of rows) {
    const job = await ctx.queues.analyze.getJob(jobId.analyze(id));
    if (job && (await job.isFailed())) await job.retry('failed', { resetAttemptsMade: true });
    else if (!job) await enqueue(ctx.queues, 'analyze', { sessionId: id }, { jobId: jobId.analyze(id), attempts: 5, backoffMs: 5_000 });
  }
  if (rows.length > 0) ctx.log.info('watchdog: analyses run again', { count: rows.length });
  return rows.length;
}

/**
 * An attempt without a call id: its create's answer was lost, or the process died around the create.
 * Returns the call found in the history (now the attempt's), 'settled' when the attempt was concluded
 * (no call exists: it failed on our side and is retried like any failed attempt), or 'waiting'.
 */
async function settleMissingCallId(
  ctx: Deps,
  row: Stuck,
  now: Date,
  overdue: boolean,
  log: Logger,
): Promise<{ id: string } | 'settled' | 'waiting'> {
  const conclude = async (reason: string) => {
    await recordUnansweredAttempt(ctx, row.id, row.attempt_no, { outcome: 'failed', reason });
    log.warn('watchdog: no call exists for the attempt; it failed on our side', { reason });
    return 'settled' as const;
  };
  const why = row.elks_state === 'unknown' ? 'elks_create_unconfirmed' : 'dial_interrupted';
  if (!row.phone_number) return overdue ? conclude(why) : 'waiting';
  try {
    const lookup = await findCreatedCall(ctx, row.id, row.phone_number, row.started_at);
    if (lookup.kind === 'found' && (await adoptCall(ctx, row.id, row.attempt_no, lookup.call))) {
      log.info('watchdog: the call whose create answer was lost is in the 46elks history', { elksCallId: lookup.call.id });
      return { id: lookup.call.id };
    }
    if (lookup.kind === 'several' && !(now.getTime() - row.started_at.getTime() > UNKNOWN_GIVE_UP_MS)) return 'waiting';
    return overdue ? conclude(why) : 'waiting';
  } catch (err) {
    log.warn('watchdog: 46elks call history unavailable', { err: (err as Error).message });
    return now.getTime() - row.started_at.getTime() > UNKNOWN_GIVE_UP_MS ? conclude(why) : 'waiting';
  }
}
