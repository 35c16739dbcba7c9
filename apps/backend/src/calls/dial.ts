import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { buildScript, scriptPrompts } from '../conversation/script';
import { type CallMeta, createCallState, dropCallState, type PromptAudio } from '../conversation/state';
import { loadStoreContext } from '../conversation/store-context';
import { renderSpeech } from '../speech/tts';
import { webhookUrl } from '../telephony/webhook-urls';
import { isInsideWindow } from './call-window';
import { recordUnansweredAttempt } from './outcome';
import { firstAttemptAt } from './schedule';
import * as repo from './sessions.repo';

/** How long 46elks lets the phone ring before giving up (its docs' example uses 60). */
export const RING_TIMEOUT_S = 40;

export type DialResult = 'dialled' | 'skipped' | 'rescheduled' | 'failed';
type Ctx = Deps;

/** Renders every prompt the call may play (TTS, cached by content hash). Throws if any fails. */
export async function renderCallPrompts(ctx: Ctx, storeId: string): Promise<Omit<CallMeta, 'sessionId' | 'attemptNo' | 'placedAt'>> {
  const store = await loadStoreContext(ctx.sql, storeId);
  if (!store) throw new AppError('not_found', `store ${storeId} not found`);
  const script = buildScript(store);
  const rendered = await Promise.all(
    scriptPrompts(script).map(async (p): Promise<PromptAudio> => {
      const audio = await renderSpeech(ctx, p.text);
      const url = new URL(`/audio/${audio.hash}.${audio.ext}`, ctx.config.PUBLIC_BASE_URL).toString();
      return { id: p.id, kind: p.kind, text: p.text, url, durationMs: audio.durationMs };
    }),
  );
  return {
    storeId,
    prompts: Object.fromEntries(rendered.map((p) => [p.id, p])),
    greeting: script.greeting.id,
    questions: script.questions.map((q) => q.id),
    followUps: script.followUps.map((q) => q.id),
    acknowledgements: script.acknowledgements.map((q) => q.id),
    endings: {
      closing: script.closing.id,
      budgetClosing: script.budgetClosing.id,
      declineGoodbye: script.declineGoodbye.id,
      optOutGoodbye: script.optOutGoodbye.id,
      nonSwedishGoodbye: script.nonSwedishGoodbye.id,
      cancelledGoodbye: script.cancelledGoodbye.id,
    },
  };
}

/**
 * The `dial` job: one attempt of one session. Safe to run twice or on several instances at once:
 * the attempt is claimed by a guarded UPDATE before 46elks is called, so only one dials.
 * Returns 'rescheduled' with a time when the job ran outside the call window.
 */
export async function dialAttempt(ctx: Ctx, sessionId: string, attemptNo: number): Promise<{ result: DialResult; retryAt?: Date }> {
  const log = ctx.log.child({ callId: sessionId, attemptNo });
  const session = await repo.findSession(ctx.sql, sessionId);
  if (session?.session_status !== 'pending' || session.retry_count !== attemptNo - 1 || !session.phone_number) {
    return { result: 'skipped' };
  }
  const now = ctx.clock();
  const deadline = session.call_deadline_at ?? new Date(now.getTime());
  if (!isInsideWindow(now, ctx.config.CALL_WINDOW, ctx.config.TZ_CALLS) || now > deadline) {
    const next = firstAttemptAt(ctx, now, deadline);
    if (!next) {
      await repo.updateSessionStatus(ctx.sql, sessionId, ['pending'], { status: 'failed', failureReason: 'deadline_passed' });
      log.info('call deadline passed before the attempt', { attemptNo });
      return { result: 'failed' };
    }
    await ctx.sql`update feedback_call_sessions set next_attempt_at = ${next} where id = ${sessionId}`;
    return { result: 'rescheduled', retryAt: next };
  }
  if (session.phone_hash && (await repo.isSuppressed(ctx.sql, session.phone_hash))) {
    await repo.updateSessionStatus(ctx.sql, sessionId, ['pending'], { status: 'declined', failureReason: 'suppressed' });
    return { result: 'skipped' };
  }

  // Never place a call with a prompt missing: render (or find cached) every prompt first.
  const prompts = await renderCallPrompts(ctx, session.store_id);

  const [claimed] = await ctx.sql<repo.SessionRow[]>`
    update feedback_call_sessions set
      session_status = 'in_progress', retry_count = ${attemptNo}, next_attempt_at = null,
      call_initiated_at = coalesce(call_initiated_at, now()), updated_at = now()
    where id = ${sessionId} and session_status = 'pending' and retry_count = ${attemptNo - 1}
    returning *`;
  if (!claimed) return { result: 'skipped' };
  await ctx.sql`
    insert into call_attempts (call_session_id, attempt_no, scheduled_at, started_at, expires_at)
    values (${sessionId}, ${attemptNo}, ${session.next_attempt_at}, now(), ${session.expires_at})
    on conflict (call_session_id, attempt_no) do nothing`;
  await createCallState(ctx, { ...prompts, sessionId, attemptNo, placedAt: Date.now() });

  const url = (kind: 'voice-start' | 'hangup') =>
    webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, kind, sessionId, attemptNo);
  try {
    const call = await ctx.elks.placeCall({
      from: ctx.config.ELKS_FROM_NUMBER,
      to: session.phone_number,
      voiceStart: url('voice-start'),
      whenHangup: url('hangup'),
      timeoutSeconds: RING_TIMEOUT_S,
    });
    await ctx.sql`
      update call_attempts set elks_call_id = ${call.id}, elks_state = ${call.state}
      where call_session_id = ${sessionId} and attempt_no = ${attemptNo}`;
    log.info('call placed', { elksCallId: call.id, state: call.state });
    if (call.state === 'failed') {
      await dropCallState(ctx, sessionId, attemptNo);
      await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'failed', reason: 'elks_failed_on_create' });
      return { result: 'failed' };
    }
    return { result: 'dialled' };
  } catch (err) {
    await dropCallState(ctx, sessionId, attemptNo);
    const message = (err as Error).message;
    log.warn('placing the call failed', { err: message });
    // 4xx from 46elks (bad number, no credit) will not get better by retrying.
    const permanent = err instanceof AppError && / answered 4\d\d/.test(message);
    await recordUnansweredAttempt(ctx, sessionId, attemptNo, {
      outcome: 'failed',
      reason: permanent ? `elks_rejected: ${message}` : `elks_unavailable: ${message}`,
      permanent,
    });
    return { result: 'failed' };
  }
}
