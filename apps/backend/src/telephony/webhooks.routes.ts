import express, { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { decideAfterRecording, decideOpening, type Decision, LIMITS } from '../conversation/dialogue';
import { type CallSnapshot, readCallState, webhookWrite } from '../conversation/state';
import type { Deps } from '../deps';
import { addressMatcher } from '../http/addresses';
import { AppError } from '../http/errors';
import { enqueue, jobId } from '../jobs/queues';
import { mark } from '../observability/trace';
import { type ElksAction, HANG_UP, playAndEnd, playThenNext, record } from './actions';
import { recordingPathFor } from './elks-client';
import { type NextStep, verifyWebhookToken, type WebhookKind, webhookUrl } from './webhook-urls';

/**
 * The 46elks webhooks (46elks.md §3). Each answer is Redis reads and writes only — no LLM, no TTS,
 * no Postgres — so 46elks never waits on anything slow. Recordings and hang-ups are handed to jobs.
 */

export const WebhookQuery = z.object({
  s: z.uuid(),
  a: z.coerce.number().int().min(1).max(3),
  n: z.coerce.number().int().min(0).max(50).optional(),
  f: z.literal('1').optional(),
  p: z.literal('1').optional(),
  r: z.literal('1').optional(),
  e: z.coerce.number().int().min(0).max(2 ** 40),
  t: z.string().min(1).max(100),
});
export const RecordingForm = z.object({ callid: z.string().regex(/^c[0-9a-f]{32}$/, 'expected a 46elks call id'), wav: z.url(), duration: z.coerce.number().min(0) });
const ELKS_CALL_ID = /^c[0-9a-f]{32}$/;
const CallIdField = z.looseObject({ callid: z.string().regex(ELKS_CALL_ID).optional().catch(undefined) });
/** What 46elks POSTs to a `next` URL: the outcome of the action that ran ("success"; "ok" in one docs version). */
export const NextForm = z.looseObject({ callid: z.string().optional(), result: z.string().optional(), why: z.string().optional() });
export const HangupForm = z.object({
  id: z.string().optional(),
  callid: z.string().optional(),
  state: z.string(),
  start: z.string().optional(),
  duration: z.coerce.number().optional(),
  cost: z.coerce.number().optional(),
  actions: z.string().optional(),
});

type Ctx = Pick<Deps, 'config' | 'redis' | 'key' | 'queues' | 'log' | 'metrics'>;
type Verified = { s: string; a: number; n?: number; f?: '1'; p?: '1'; r?: '1' };

const ipAllowed = (allowed: string[]): RequestHandler => {
  const match = addressMatcher(allowed);
  return (req, _res, next) => {
    if (allowed.length > 0 && !match(req.ip)) throw new AppError('forbidden', 'source address not allowed');
    next();
  };
};

function verified(ctx: Ctx, req: Request, kind: WebhookKind): Verified {
  const q = WebhookQuery.safeParse(req.query);
  const ok =
    q.success &&
    verifyWebhookToken(
      ctx.config.WEBHOOK_SECRET,
      {
        kind,
        s: q.data.s,
        a: q.data.a,
        ...(q.data.n !== undefined ? { n: q.data.n } : {}),
        step: { played: q.data.p === '1', ack: q.data.f === '1', retry: q.data.r === '1' },
        e: q.data.e,
      },
      q.data.t,
    );
  if (!q.success || !ok) throw new AppError('forbidden', 'missing, invalid or expired webhook token');
  return q.data;
}

/**
 * The 46elks call this attempt is: learnt from the create's answer (or the call history), else from
 * the first webhook that names it. A webhook naming another call is refused and changes nothing.
 */
function refuseOtherCall(req: Request | undefined, sessionId: string, attemptNo: number, what: string): never {
  req?.log.warn('46elks webhook for another call refused', { callId: sessionId, attemptNo, webhook: what });
  throw new AppError('forbidden', `this ${what} names another call`);
}

/** Records a webhook's handling time once the answer is sent — off the hot path. */
function timeIt(ctx: Ctx, req: Request, res: express.Response, v: Verified, label: string): void {
  const started = performance.now();
  res.on('finish', () => {
    const ms = Math.round((performance.now() - started) * 100) / 100;
    // A refused webhook leaves no trace in the call's state.
    if (res.statusCode < 400) webhookWrite(ctx, v.s, v.a, { fields: { [`lat:${label}`]: String(ms) } }).catch(() => {});
    ctx.metrics.webhookDuration.observe({ kind: label.split(':')[0]! }, ms / 1000);
    if (req.log.isDebugEnabled()) req.log.debug('46elks webhook', { callId: v.s, attemptNo: v.a, webhook: label, ms });
  });
}

const hookFor = (ctx: Ctx, snap: CallSnapshot) => (kind: 'recording' | 'next', turn: number, step: NextStep = {}) =>
  webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, kind, snap.meta.sessionId, snap.meta.attemptNo, turn, step);

/** The `next` slot an action asks 46elks to call, '' when the action ends the call. */
const awaitedSlot = (action: ElksAction): string => {
  const next = 'hangup' in action ? undefined : action.next;
  if (typeof next !== 'string') return '';
  const q = new URL(next).searchParams;
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
async function storeOnce(
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
async function answerOnce(
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
const succeeded = (result: string | undefined): boolean => result === undefined || result === 'success' || result === 'ok';

/**
 * A `next` whose action failed (46elks could not play our audio, or could not record): never the
 * customer's doing. It is logged, counted, and the same action is tried once more; a second failure
 * ends the call as ours (finalize.ts retries such a call instead of judging the customer).
 */
async function afterFailure(
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

export const elksWebhookRoutes = (ctx: Ctx) => {
  const router = Router();
  router.use(
    '/webhooks/46elks',
    (req, _res, next) => {
      mark(req, 'middleware');
      next();
    },
    ipAllowed(ctx.config.ELKS_ALLOWED_IPS),
    express.urlencoded({ extended: false, limit: '64kb' }),
    (req, _res, next) => {
      mark(req, 'parse');
      next();
    },
  );

  router.post('/webhooks/46elks/voice-start', async (req, res) => {
    const v = verified(ctx, req, 'voice-start');
    timeIt(ctx, req, res, v, 'voice-start');
    mark(req, 'verify');
    const snap = await readCallState(ctx, v.s, v.a);
    mark(req, 'redis:read');
    if (!snap) return void res.json(HANG_UP);
    const callId = CallIdField.parse(req.body ?? {}).callid;
    if (callId && snap.callId && snap.callId !== callId) refuseOtherCall(req, v.s, v.a, 'voice-start');
    // Bind the call, note the answer time and store the opening: one round trip.
    const action = await answerOnce(ctx, snap, 'resp:start', decideOpening(snap), {}, { req, callId, once: { answered_at: String(Date.now()) } });
    mark(req, 'redis:store');
    res.json(action);
  });

  router.post('/webhooks/46elks/next', async (req, res) => {
    const v = verified(ctx, req, 'next');
    const turn = v.n ?? 0;
    const slot = `${turn}${v.p ? 'p' : v.f ? 'f' : ''}${v.r ? 'r' : ''}`;
    timeIt(ctx, req, res, v, `next:${slot}`);
    mark(req, 'verify');
    const snap = await readCallState(ctx, v.s, v.a);
    mark(req, 'redis:read');
    if (!snap) return void res.json(HANG_UP);
    const earlier = snap.responses.get(slot);
    if (earlier) return void res.json(JSON.parse(earlier));
    const form = NextForm.safeParse(req.body ?? {});
    const result = form.success ? form.data.result : undefined;
    if (!succeeded(result)) {
      const handled = await afterFailure(ctx, req, snap, v, slot, form.success ? form.data.why : undefined);
      if (handled) return void res.json(handled);
    }
    if (v.p) {
      // The question was heard: now record the answer.
      const limit = snap.recordLimits.get(turn) ?? LIMITS.answerRecordS;
      const hook = hookFor(ctx, snap);
      const action = await storeOnce(ctx, snap, `resp:${slot}`, record(hook('recording', turn), hook('next', turn), limit));
      mark(req, 'redis:store');
      return void res.json(action);
    }
    const action = await answerOnce(ctx, snap, `resp:${slot}`, decideAfterRecording(snap, turn, !v.f));
    mark(req, 'redis:store');
    res.json(action);
  });

  router.post('/webhooks/46elks/recording', async (req, res) => {
    const v = verified(ctx, req, 'recording');
    const turn = v.n ?? 0;
    timeIt(ctx, req, res, v, `rec:${turn}`);
    mark(req, 'verify');
    const form = RecordingForm.parse(req.body ?? {});
    // Only the documented recordings path of this very call is ever fetched (with our credentials).
    if (!recordingPathFor(ctx.config.ELKS_API_URL, form.callid).test(form.wav)) {
      req.log.warn('recording webhook with a URL that is not this call’s recording refused', { callId: v.s, attemptNo: v.a, turn });
      throw new AppError('validation_error', 'wav is not a recording of this call on the 46elks API');
    }
    const rec = { wav: form.wav, durationS: form.duration, at: Date.now() };
    const written = await webhookWrite(ctx, v.s, v.a, { callId: form.callid, once: { [`rec:${turn}`]: JSON.stringify(rec) } });
    mark(req, 'redis:store');
    if (written.outcome === 'gone') return void res.status(204).end(); // the call is settled or erased: nothing is fetched
    if (written.outcome === 'mismatch') refuseOtherCall(req, v.s, v.a, 'recording');
    await enqueue(ctx.queues, 'stt', { sessionId: v.s, attemptNo: v.a, turn, wav: form.wav, callid: form.callid, durationS: form.duration }, {
      jobId: jobId.stt(v.s, v.a, turn),
      attempts: 6,
      backoffMs: 1_000,
    });
    mark(req, 'redis:enqueue');
    res.status(204).end();
  });

  router.post('/webhooks/46elks/hangup', async (req, res) => {
    const v = verified(ctx, req, 'hangup');
    timeIt(ctx, req, res, v, 'hangup');
    mark(req, 'verify');
    const form = HangupForm.parse(req.body ?? {});
    const id = form.id ?? form.callid;
    if (!id) throw new AppError('validation_error', 'hangup without a call id');
    if (ELKS_CALL_ID.test(id)) {
      const written = await webhookWrite(ctx, v.s, v.a, { callId: id });
      if (written.outcome === 'mismatch') refuseOtherCall(req, v.s, v.a, 'hangup');
    }
    mark(req, 'redis:bind');
    const actions = summarizeActions(form.actions);
    await enqueue(ctx.queues, 'hangup', {
      sessionId: v.s,
      attemptNo: v.a,
      id,
      state: form.state,
      start: form.start ?? null,
      durationS: form.duration ?? null,
      cost: form.cost ?? null,
      recordActions: actions.records,
      actionsRun: actions.run,
      actionsSucceeded: actions.succeeded,
    }, { jobId: jobId.hangup(v.s, v.a), attempts: 8, backoffMs: 1_000 });
    mark(req, 'redis:enqueue');
    res.status(204).end();
  });
  return router;
};

/**
 * `actions` arrives as a JSON-encoded string (an array from GET /calls/{id}): the actions 46elks ran,
 * each with its result. Counted: record actions (their recordings are awaited), all actions, and the
 * successful ones (an action cut short by a hang-up is not a success).
 */
export function summarizeActions(actions: string | unknown[] | undefined): { records: number; run: number; succeeded: number } {
  let list: unknown = actions;
  if (typeof actions === 'string') {
    try {
      list = JSON.parse(actions);
    } catch {
      list = [];
    }
  }
  if (!Array.isArray(list)) return { records: 0, run: 0, succeeded: 0 };
  const objects = list.filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null);
  return {
    records: objects.filter((a) => 'record' in a).length,
    run: objects.length,
    succeeded: objects.filter((a) => a.result === 'success' || a.result === 'ok').length,
  };
}
