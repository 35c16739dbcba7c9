import type { Deps } from '../deps';
import { dropCallState, setFields } from '../conversation/state';
import type { JobData } from '../jobs/queues';
import { parseElksTimestamp } from '../telephony/elks-client';
import { tryFinalize } from './finalize';
import { recordUnansweredAttempt } from './settle';
import type * as repo from './sessions.repo';

type Ctx = Deps;

/**
 * The end of an attempt: an unanswered one is settled (settle.ts: a retry or a failed session); an
 * answered one is finalised once every transcript is in (finalize.ts).
 */

/** The `hangup` job: idempotent on the attempt (46elks may send the hangup twice, or late). */
export async function handleHangup(ctx: Ctx, h: JobData<'hangup'>): Promise<'duplicate' | 'refused' | 'unanswered' | 'answered'> {
  const [owner] = await ctx.sql<{ elks_call_id: string | null }[]>`
    select elks_call_id from call_attempts where call_session_id = ${h.sessionId} and attempt_no = ${h.attemptNo}`;
  if (owner?.elks_call_id && owner.elks_call_id !== h.id) {
    // A hangup naming another call than this attempt's: refused, nothing changes.
    ctx.log.warn('hangup for another call refused', { callId: h.sessionId, attemptNo: h.attemptNo });
    return 'refused';
  }
  const [attempt] = await ctx.sql<repo.AttemptRow[]>`
    update call_attempts set
      elks_call_id = coalesce(elks_call_id, ${h.id}), elks_state = ${h.state},
      cost = ${h.cost === null ? null : h.cost / 10_000}, duration_seconds = ${h.durationS},
      answered_at = ${h.start ? (parseElksTimestamp(h.start) ?? new Date()) : null}, ended_at = now(), hangup_received_at = now()
    where call_session_id = ${h.sessionId} and attempt_no = ${h.attemptNo} and hangup_received_at is null
    returning *`;
  if (!attempt) return 'duplicate';
  if (!h.start) {
    await dropCallState(ctx, h.sessionId, h.attemptNo);
    await recordUnansweredAttempt(ctx, h.sessionId, h.attemptNo, { outcome: h.state === 'busy' ? 'busy' : 'no_answer' });
    return 'unanswered';
  }
  const hangup = {
    id: h.id,
    state: h.state,
    start: h.start,
    durationS: h.durationS,
    cost: h.cost,
    recordActions: h.recordActions,
    actionsRun: h.actionsRun,
    actionsSucceeded: h.actionsSucceeded,
    at: Date.now(),
  };
  const alive = await setFields(ctx, h.sessionId, h.attemptNo, { hangup: JSON.stringify(hangup) });
  if (!alive) {
    // The live state is gone (lost with a Redis that restarted empty, or expired): nothing said can be
    // kept, and it is our failure, not the customer's — the attempt failed and is retried.
    ctx.log.warn('hangup for a call without live state: our failure, the attempt is retried', { callId: h.sessionId, attemptNo: h.attemptNo });
    ctx.metrics.droppedByUs.inc({ reason: 'call_state_lost', next: 'retry' });
    await recordUnansweredAttempt(ctx, h.sessionId, h.attemptNo, { outcome: 'failed', reason: 'dropped_by_us: call_state_lost' });
    return 'answered';
  }
  await tryFinalize(ctx, h.sessionId, h.attemptNo);
  return 'answered';
}
