import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import type { Logger } from '../observability/logger';
import { CreateCallError } from '../telephony/elks-client';
import { buildScript, scriptPrompts } from '../conversation/script';
import { type CallMeta, createCallState, dropCallState, type PromptAudio, setFields } from '../conversation/state';
import { loadStoreContext } from '../conversation/store-context';
import { renderSpeech } from '../speech/tts';
import { webhookUrl } from '../telephony/webhook-urls';
import { activeAccountBlock, blockAccount, clearAccountBlock } from './account-block';
import { isInsideWindow } from './call-window';
import { recordUnansweredAttempt } from './settle';
import { adoptCall, findCreatedCall } from './reconcile';
import { firstAttemptAt } from './schedule';
import * as repo from './sessions.repo';

/** How long 46elks lets the phone ring before giving up (its docs' example uses 60). */
export const RING_TIMEOUT_S = 40;

export type DialResult = 'dialled' | 'unknown' | 'skipped' | 'rescheduled' | 'failed';
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
 * the attempt is claimed by a guarded UPDATE before 46elks is called, so only one dials, and a create
 * is sent at most once per attempt (46elks has no idempotency key; see reconcile.ts).
 * Returns 'rescheduled' with a time when the job ran outside the call window, or while 46elks refuses
 * calls for the whole account (no attempt is spent then).
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
    return postpone(ctx, sessionId, now, deadline, log);
  }
  if (session.phone_hash && (await repo.isSuppressed(ctx.sql, session.phone_hash))) {
    await repo.updateSessionStatus(ctx.sql, sessionId, ['pending'], { status: 'declined', failureReason: 'suppressed' });
    return { result: 'skipped' };
  }
  const blocked = await activeAccountBlock(ctx, now);
  if (blocked) return postpone(ctx, sessionId, spread(blocked.until), deadline, log);

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
  const sentAt = new Date();
  try {
    const call = await ctx.elks.placeCall({
      from: ctx.config.ELKS_FROM_NUMBER,
      to: session.phone_number,
      voiceStart: url('voice-start'),
      whenHangup: url('hangup'),
      timeoutSeconds: RING_TIMEOUT_S,
    });
    ctx.metrics.elksCreates.inc({ result: 'created' });
    await clearAccountBlock(ctx);
    await ctx.sql`
      update call_attempts set elks_call_id = ${call.id}, elks_state = ${call.state}
      where call_session_id = ${sessionId} and attempt_no = ${attemptNo}`;
    await setFields(ctx, sessionId, attemptNo, { callid: call.id });
    log.info('call placed', { elksCallId: call.id, state: call.state });
    if (call.state === 'failed') {
      await dropCallState(ctx, sessionId, attemptNo);
      await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'failed', reason: 'elks_failed_on_create' });
      return { result: 'failed' };
    }
    return { result: 'dialled' };
  } catch (err) {
    if (!(err instanceof CreateCallError)) {
      // Not an answer from 46elks (a bug, a database error after the create): the call may exist.
      return reconcileCreate(ctx, { sessionId, attemptNo, phone: session.phone_number, sentAt, error: (err as Error).message }, log);
    }
    if (err.outcome === 'ambiguous') {
      ctx.metrics.elksCreates.inc({ result: 'ambiguous' });
      return reconcileCreate(ctx, { sessionId, attemptNo, phone: session.phone_number, sentAt, error: err.message }, log);
    }
    if (err.elksStatus === null) {
      // Never reached 46elks, even after the client's retries: no call exists; the attempt failed on our side.
      ctx.metrics.elksCreates.inc({ result: 'not_sent' });
      log.warn('placing the call failed: 46elks unreachable', { err: err.message });
      await dropCallState(ctx, sessionId, attemptNo);
      await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'failed', reason: `elks_unavailable: ${err.message}` });
      return { result: 'failed' };
    }
    if ((await refusalKind(ctx, err)) === 'account') {
      ctx.metrics.elksCreates.inc({ result: 'refused_account' });
      await unclaim(ctx, sessionId, attemptNo);
      const block = await blockAccount(ctx, err.message, ctx.clock());
      return postpone(ctx, sessionId, spread(block.until), deadline, log);
    }
    // 46elks refused this request as wrong: sending it again will not help.
    ctx.metrics.elksCreates.inc({ result: 'refused_request' });
    log.warn('46elks refused the call request', { err: err.message });
    await dropCallState(ctx, sessionId, attemptNo);
    await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'failed', reason: `elks_rejected: ${err.message}`, permanent: true });
    return { result: 'failed' };
  }
}

/**
 * A refusal (4xx) is the account's when 46elks will not charge it (no credit: its FAQ; the status is
 * undocumented, so 402/403 and a zero balance on GET /me all count), refuses our credentials (401) or
 * asks us to slow down (429). Anything else is a request 46elks considers wrong.
 */
async function refusalKind(ctx: Ctx, err: CreateCallError): Promise<'account' | 'request'> {
  if (err.elksStatus === 401 || err.elksStatus === 402 || err.elksStatus === 403 || err.elksStatus === 429) return 'account';
  try {
    const account = await ctx.elks.getAccount();
    return account.balance <= 0 ? 'account' : 'request';
  } catch {
    // GET /me refused or unreachable as well: the account cannot be used right now.
    return 'account';
  }
}

/** The attempt never rang: give it back (no attempt spent) and put the session back in line. */
async function unclaim(ctx: Ctx, sessionId: string, attemptNo: number): Promise<void> {
  await dropCallState(ctx, sessionId, attemptNo);
  await ctx.sql.begin(async (tx) => {
    await tx`delete from call_attempts where call_session_id = ${sessionId} and attempt_no = ${attemptNo}
             and elks_call_id is null and outcome is null`;
    await tx`update feedback_call_sessions set session_status = 'pending', retry_count = ${attemptNo - 1}, updated_at = now()
             where id = ${sessionId} and session_status = 'in_progress' and retry_count = ${attemptNo}`;
  });
}

/** Moves a pending session's next attempt to the first allowed moment at or after `at`, or fails it at the deadline. */
async function postpone(ctx: Ctx, sessionId: string, at: Date, deadline: Date, log: Logger): Promise<{ result: DialResult; retryAt?: Date }> {
  const next = firstAttemptAt(ctx, at, deadline);
  if (!next) {
    await repo.updateSessionStatus(ctx.sql, sessionId, ['pending'], { status: 'failed', failureReason: 'deadline_passed' });
    log.info('call deadline passed before the attempt');
    return { result: 'failed' };
  }
  await ctx.sql`update feedback_call_sessions set next_attempt_at = ${next} where id = ${sessionId} and session_status = 'pending'`;
  return { result: 'rescheduled', retryAt: next };
}

/** Sessions waiting on one account block wake up spread over a few seconds, not all at once. */
const spread = (until: Date): Date => new Date(until.getTime() + Math.floor(Math.random() * 5_000));

/**
 * The create's answer was lost: a call may be ringing. Never re-send; look it up in the call history.
 * Found → the attempt goes on as placed. Not (yet) found → the attempt stays `unknown` with its live
 * state kept, so a call that does ring and answer gets the conversation; the watchdog settles it.
 */
async function reconcileCreate(
  ctx: Ctx,
  a: { sessionId: string; attemptNo: number; phone: string; sentAt: Date; error: string },
  log: Logger,
): Promise<{ result: DialResult }> {
  await ctx.sql`
    update call_attempts set elks_state = coalesce(elks_state, 'unknown'), create_error = ${a.error.slice(0, 500)}
    where call_session_id = ${a.sessionId} and attempt_no = ${a.attemptNo}`;
  log.warn('the answer to the create was lost: a call may exist; reconciling, not re-sending', { err: a.error });
  try {
    const lookup = await findCreatedCall(ctx, a.sessionId, a.phone, a.sentAt);
    if (lookup.kind === 'found' && (await adoptCall(ctx, a.sessionId, a.attemptNo, lookup.call))) {
      await setFields(ctx, a.sessionId, a.attemptNo, { callid: lookup.call.id });
      ctx.metrics.elksCreates.inc({ result: 'reconciled' });
      log.info('call found in the 46elks history: the attempt goes on', { elksCallId: lookup.call.id, state: lookup.call.state });
      return { result: 'dialled' };
    }
    log.info('call not (yet) in the 46elks history: the watchdog settles the attempt', { lookup: lookup.kind });
  } catch (err) {
    log.warn('46elks call history unavailable: the watchdog settles the attempt', { err: (err as Error).message });
  }
  return { result: 'unknown' };
}
