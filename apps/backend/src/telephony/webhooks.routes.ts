import express, { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { decideAfterRecording, LIMITS } from '../conversation/dialogue';
import { readCallState } from '../conversation/state';
import { webhookWrite } from '../conversation/state-write';
import { addressMatcher } from '../http/addresses';
import { AppError } from '../http/errors';
import { enqueue, jobId } from '../jobs/queues';
import { mark } from '../observability/trace';
import { HANG_UP, record } from './actions';
import { recordingPathFor } from './elks-client';
import { afterFailure, answerOnce, type Ctx, hookFor, refuseOtherCall, storeOnce, succeeded, type Verified } from './webhook-answers';
import { afterRealtimeLeg, openingAnswer } from './transport';
import { verifyWebhookToken, type WebhookKind } from './webhook-urls';

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
  c: z.literal('1').optional(),
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
        step: { played: q.data.p === '1', ack: q.data.f === '1', retry: q.data.r === '1', connect: q.data.c === '1' },
        e: q.data.e,
      },
      q.data.t,
    );
  if (!q.success || !ok) throw new AppError('forbidden', 'missing, invalid or expired webhook token');
  return q.data;
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
    const action = await openingAnswer(ctx, req, snap, callId);
    mark(req, 'redis:store');
    res.json(action);
  });

  router.post('/webhooks/46elks/next', async (req, res) => {
    const v = verified(ctx, req, 'next');
    const turn = v.n ?? 0;
    const slot = v.c ? 'c' : `${turn}${v.p ? 'p' : v.f ? 'f' : ''}${v.r ? 'r' : ''}`;
    timeIt(ctx, req, res, v, `next:${slot}`);
    mark(req, 'verify');
    const snap = await readCallState(ctx, v.s, v.a);
    mark(req, 'redis:read');
    if (!snap) return void res.json(HANG_UP);
    const earlier = snap.responses.get(slot);
    if (earlier) return void res.json(JSON.parse(earlier));
    const form = NextForm.safeParse(req.body ?? {});
    const result = form.success ? form.data.result : undefined;
    // The realtime leg ended (whatever its result): the record loop continues the same conversation.
    if (v.c) return void res.json(await afterRealtimeLeg(ctx, req, snap, result));
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
