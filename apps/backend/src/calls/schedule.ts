import type { AttemptOutcome } from '@samtal/types';
import type { Deps } from '../deps';
import { enqueue, jobId } from '../jobs/queues';
import { nextAllowedMoment } from './call-window';
import type { SessionRow } from './sessions.repo';

/** Scheduling rules: the call window, the 48 h deadline, 3 attempts, back-off per outcome. */

export const MAX_ATTEMPTS = 3;
export const CALL_DEADLINE_MS = 48 * 3600 * 1000;
const PRIORITY = { high: 1, normal: 5, low: 10 } as const;

type Ctx = Pick<Deps, 'config' | 'queues'>;

export function firstAttemptAt(ctx: Pick<Deps, 'config'>, now: Date, deadline: Date): Date | null {
  return nextAllowedMoment(now, { window: ctx.config.CALL_WINDOW, timeZone: ctx.config.TZ_CALLS, deadline });
}

/** When attempt `attemptsMade + 1` may run after `outcome`, or null when no attempt is left. */
export function retryAt(ctx: Pick<Deps, 'config'>, outcome: Exclude<AttemptOutcome, 'answered'>, attemptsMade: number, now: Date, deadline: Date): Date | null {
  if (attemptsMade >= MAX_ATTEMPTS) return null;
  const delay = ctx.config.RETRY_BACKOFF[outcome][attemptsMade - 1] ?? 0;
  return nextAllowedMoment(new Date(now.getTime() + delay), {
    window: ctx.config.CALL_WINDOW,
    timeZone: ctx.config.TZ_CALLS,
    deadline,
  });
}

/** Enqueues the dial job of the session's next attempt (a no-op if it is already queued). */
export async function ensureDialJob(ctx: Ctx, session: SessionRow, now: Date): Promise<void> {
  if (session.session_status !== 'pending' || !session.next_attempt_at) return;
  const attemptNo = session.retry_count + 1;
  await enqueue(ctx.queues, 'dial', { sessionId: session.id, attemptNo }, {
    jobId: jobId.dial(session.id, attemptNo),
    delayMs: session.next_attempt_at.getTime() - now.getTime(),
    attempts: 5,
    backoffMs: 2_000,
    priority: PRIORITY[session.priority as keyof typeof PRIORITY] ?? PRIORITY.normal,
  });
}
