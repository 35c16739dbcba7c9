import type { AttemptOutcome } from '@samtal/types';
import type { Deps } from '../deps';
import { ensureDialJob, MAX_ATTEMPTS, retryAt } from './schedule';
import * as repo from './sessions.repo';

/**
 * Settlement of an attempt that ended without a conversation — the one place both transports (and the
 * dialler, the watchdog and finalize) settle it. An unanswered attempt (no answer, busy, failed, voicemail) gets another
 * attempt after its back-off — inside the window, before the deadline, at most 3 in all — or the
 * session fails with the reason. An answered one is finalised once every transcript is in.
 */

type Ctx = Deps;
type Unanswered = Exclude<AttemptOutcome, 'answered'>;

export async function recordUnansweredAttempt(
  ctx: Ctx,
  sessionId: string,
  attemptNo: number,
  opts: { outcome: Unanswered; reason?: string; permanent?: boolean },
): Promise<void> {
  const now = ctx.clock();
  const [attempt] = await ctx.sql<repo.AttemptRow[]>`
    update call_attempts set outcome = ${opts.outcome}, ended_at = coalesce(ended_at, now()),
      failure_reason = ${opts.reason ?? null}
    where call_session_id = ${sessionId} and attempt_no = ${attemptNo} and outcome is null
    returning *`;
  if (!attempt) return; // already recorded: a duplicate or late event
  ctx.metrics.attempts.inc({ outcome: opts.outcome });
  const session = await repo.findSession(ctx.sql, sessionId);
  if (session?.session_status !== 'in_progress' || session.retry_count !== attemptNo) return;
  const deadline = session.call_deadline_at ?? now;
  const next = opts.permanent ? null : retryAt(ctx, opts.outcome, attemptNo, now, deadline);
  if (next) {
    const updated = await repo.updateSessionStatus(ctx.sql, sessionId, ['in_progress'], {
      status: 'pending',
      nextAttemptAt: next,
      failureReason: opts.reason ?? opts.outcome,
    });
    if (updated) await ensureDialJob(ctx, updated, now);
    ctx.log.info('attempt unanswered, retry scheduled', { callId: sessionId, attemptNo, outcome: opts.outcome, next });
    return;
  }
  const failureReason = opts.permanent
    ? (opts.reason ?? opts.outcome)
    : attemptNo >= MAX_ATTEMPTS
      ? `${opts.outcome}_after_${attemptNo}_attempts`
      : 'deadline_passed';
  const failed = await repo.updateSessionStatus(ctx.sql, sessionId, ['in_progress'], { status: 'failed', failureReason, endedAt: now });
  if (failed) ctx.metrics.sessions.inc({ status: 'failed' });
  ctx.log.info('call session failed', { callId: sessionId, attemptNo, failureReason });
}
