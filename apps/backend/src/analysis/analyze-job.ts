import { type Job, UnrecoverableError } from 'bullmq';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import type { JobData } from '../jobs/queues';
import { analyzeSession } from './analyze-session';
import { GradingError } from './grading';

/**
 * The `analyze` queue's processor (job id `analyze-<sessionId>`, data `{sessionId}` only).
 *
 * Failure design: a transient error (429, 5xx, timeout, connection — after the SDK's own retries —
 * or a database error) fails this attempt and BullMQ retries it with its exponential back-off; the
 * run shows `retrying` with the reason. A refusal or schema-invalid answer has already been asked
 * again inside the attempt (ANALYSIS_LLM_ATTEMPTS), so it — like a session without a transcript —
 * is unrecoverable: the job goes straight to BullMQ's failed set and the run to `failed` with its
 * kind and reason. So does a transient error on the last attempt. Nothing is half-written: the
 * grade is saved in one transaction or not at all.
 */

export type AnalyzeResult = 'graded' | 'already_graded' | 'session_missing';

export async function processAnalyzeJob(deps: Deps, data: JobData<'analyze'>, job: Job): Promise<AnalyzeResult> {
  const { sessionId } = data;
  const log = deps.log.child({ callId: sessionId, jobId: job.id, attempt: job.attemptsMade + 1 });
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  try {
    const { outcome } = await analyzeSession(deps, sessionId, { final, log });
    return outcome;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') {
      // Erased or purged before its turn: nothing to grade, nothing to retry.
      log.warn('analysis skipped: the session no longer exists');
      return 'session_missing';
    }
    const failure = err instanceof GradingError ? err : new GradingError('internal', String(err), true, { cause: err });
    const detail = { kind: failure.kind, reason: failure.message, final: final || !failure.retryable };
    if (!failure.retryable) {
      log.error('analysis failed for good', detail);
      throw new UnrecoverableError(`${failure.kind}: ${failure.message}`);
    }
    log[final ? 'error' : 'warn']('analysis attempt failed', detail);
    throw failure;
  }
}
