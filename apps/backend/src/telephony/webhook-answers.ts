import type { Request } from 'express';
import { decideAfterRecording, type Decision, LIMITS } from '../conversation/dialogue';
import type { CallSnapshot } from '../conversation/state';
import { webhookWrite } from '../conversation/state-write';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { type ElksAction, HANG_UP, playAndEnd, playThenNext, record } from './actions';
import { type NextStep, webhookUrl } from './webhook-urls';

/**
 * How a 46elks webhook's answer is chosen and stored: the dialogue's decision as call actions, each
 * answer written once per slot (a duplicate webhook gets the same answer back), and what is done when
 * 46elks reports that an action failed.
 */

export type Ctx = Pick<Deps, 'config' | 'redis' | 'key' | 'queues' | 'log' | 'metrics'>;
export type Verified = { s: string; a: number; n?: number; f?: '1'; p?: '1'; r?: '1'; c?: '1' };

/**
 * The 46elks call this attempt is: learnt from the create's answer (or the call history), else from
 * the first webhook that names it. A webhook naming another call is refused and changes nothing.
 */
export function refuseOtherCall(req: Request | undefined, sessionId: string, attemptNo: number, what: string): never {
  req?.log.warn('46elks webhook for another call refused', { callId: sessionId, attemptNo, webhook: what });
  throw new AppError('forbidden', `this ${what} names another call`);
}

export const hookFor = (ctx: Ctx, snap: CallSnapshot) => (kind: 'recording' | 'next', turn: number, step: NextStep = {}) =>
  webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, kind, snap.meta.sessionId, snap.meta.attemptNo, turn, step);

/** The `next` slot an action asks 46elks to call, '' when the action ends the call. */
export const awaitedSlot = (action: ElksAction): string => {
  const next = 'hangup' in action ? undefined : action.next;
  if (typeof next !== 'string') return '';
  const q = new URL(next).searchParams;
  if (q.get('c')) return 'c';
  return `${q.get('n') ?? 0}${q.get('p') ? 'p' : q.get('f') ? 'f' : ''}${q.get('r') ? 'r' : ''}`;
};

function toAction(ctx: Ctx, snap: CallSnapshot, d: Decision): ElksAction {
  if (d.type === 'hangup') return HANG_UP;
  const url = snap.meta.prompts[d.promptId]!.url;
  if (d.type === 'end') return playAndEnd(url);
  const hook = hookFor(ctx, snap);
  if (d.type === 'acknowledge') return playThenNext(url, hook('next', d.turn, { ack: true }));
  return playThenNext(url, hook('next', d.turn, { played: true }));
}

/** What else the answer's one write does: bind the 46elks call id, set fields that are set once. */
type Binding = { req: Request; callId?: string | undefined; once?: Record<string, string> };

/**
 * Stores an answer once, in one Redis round trip with the webhook's other writes: a duplicate or
 * concurrent webhook gets the same answer back; a webhook naming another call is refused.
 */
export async function storeOnce(
  ctx: Ctx,
  snap: CallSnapshot,
  slot: string,
  action: ElksAction,
  fields: Record<string, string> = {},
  binding?: Binding,
): Promise<ElksAction> {
  const value = JSON.stringify(action);
  const written = await webhookWrite(ctx, snap.meta.sessionId, snap.meta.attemptNo, {
    ...(binding?.callId ? { callId: binding.callId } : {}),
    ...(binding?.once ? { once: binding.once } : {}),
    slot: { field: slot, value },
    fields: { ...fields, await: awaitedSlot(action) },
  });
  if (written.outcome === 'mismatch') refuseOtherCall(binding?.req, snap.meta.sessionId, snap.meta.attemptNo, 'voice-start');
  if (written.outcome === 'earlier') return JSON.parse(written.value) as ElksAction;
  return action;
}

/** Stores what was decided, once (with `extra` fields of state written alongside). */
export async function answerOnce(
  ctx: Ctx,
  snap: CallSnapshot,
  slot: string,
  d: Decision,
  extra: Record<string, string> = {},
  binding?: Binding,
): Promise<ElksAction> {
  const fields: Record<string, string> = { ...extra };
  if (d.type === 'ask') {
    fields[`ask:${d.turn}`] = d.promptId;
    fields[`rl:${d.turn}`] = String(d.recordLimitS);
  } else if (d.type === 'acknowledge') fields[`ack:${d.turn}`] = d.promptId;
  else fields.end = JSON.stringify({ reason: d.reason, promptId: d.type === 'end' ? d.promptId : null, turn: -1 });
  return storeOnce(ctx, snap, slot, toAction(ctx, snap, d), fields, binding);
}

/** 46elks reports each action's outcome on the `next` POST; a missing result is taken as success. */
export const succeeded = (result: string | undefined): boolean => result === undefined || result === 'success' || result === 'ok';

/**
 * A `next` whose action failed (46elks could not play our audio, or could not record): never the
 * customer's doing. It is logged, counted, and the same action is tried once more; a second failure
 * ends the call as ours (finalize.ts retries such a call instead of judging the customer).
 */
export async function afterFailure(
  ctx: Ctx,
  req: Request,
  snap: CallSnapshot,
  v: Verified,
  slot: string,
  why: string | undefined,
): Promise<ElksAction | null> {
  const turn = v.n ?? 0;
  const action = v.p ? 'play' : v.f ? 'play' : 'record';
  const hook = hookFor(ctx, snap);
  const log = { callId: snap.meta.sessionId, attemptNo: snap.meta.attemptNo, turn, action, why: why ?? null };
  const failed = { [`fail:${slot}`]: why ?? 'failed' };
  if (!v.r) {
    const promptId = v.p ? snap.asks.get(turn) : v.f ? snap.acks.get(turn) : undefined;
    const prompt = promptId === undefined ? undefined : snap.meta.prompts[promptId];
    if (action === 'play' && !prompt) return null; // not a play we asked for: nothing to retry
    ctx.metrics.actionFailures.inc({ action, handling: 'retried' });
    req.log.warn('46elks reports the action failed: trying it once more', log);
    const retry: ElksAction = prompt
      ? playThenNext(prompt.url, hook('next', turn, { played: Boolean(v.p), ack: Boolean(v.f), retry: true }))
      : record(hook('recording', turn), hook('next', turn, { retry: true }), snap.recordLimits.get(turn) ?? LIMITS.answerRecordS);
    return storeOnce(ctx, snap, `resp:${slot}`, retry, failed);
  }
  if (v.f) {
    // An acknowledgement is a courtesy: go on without it.
    ctx.metrics.actionFailures.inc({ action, handling: 'skipped' });
    return answerOnce(ctx, snap, `resp:${slot}`, decideAfterRecording(snap, turn, false));
  }
  ctx.metrics.actionFailures.inc({ action, handling: 'ended' });
  req.log.warn('46elks failed the action twice: the call ends as our failure, to be retried', log);
  const reason = action === 'play' ? 'play_failed' : 'record_failed';
  // The questions cannot be played: hang up. The customer cannot be recorded: a short goodbye
  // ("Vi behöver tyvärr avsluta samtalet nu…"), no promise of a reward.
  const ending: Decision =
    reason === 'play_failed' ? { type: 'hangup', reason } : { type: 'end', promptId: snap.meta.endings.cancelledGoodbye, reason };
  return answerOnce(ctx, snap, `resp:${slot}`, ending, failed);
}
