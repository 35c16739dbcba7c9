import express, { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { decideAfterRecording, decideOpening, type Decision } from '../conversation/dialogue';
import { type CallSnapshot, readCallState, setFields, setOnce } from '../conversation/state';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { enqueue, jobId } from '../jobs/queues';
import { type ElksAction, HANG_UP, playAndEnd, playThenNext, playThenRecord } from './actions';
import { verifyWebhookToken, webhookUrl } from './webhook-urls';

/**
 * The 46elks webhooks (46elks.md §3). Each answer is Redis reads and writes only — no LLM, no TTS,
 * no Postgres — so 46elks never waits on anything slow. Recordings and hang-ups are handed to jobs.
 */

export const WebhookQuery = z.object({
  s: z.uuid(),
  a: z.coerce.number().int().min(1).max(3),
  n: z.coerce.number().int().min(0).max(50).optional(),
  f: z.literal('1').optional(),
  t: z.string().min(1).max(100),
});
export const RecordingForm = z.object({ callid: z.string(), wav: z.url(), duration: z.coerce.number().min(0) });
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
type Verified = { s: string; a: number; n?: number; f?: '1' };

const ipAllowed =
  (allowed: string[]): RequestHandler =>
  (req, _res, next) => {
    const ip = (req.ip ?? '').replace(/^::ffff:/, '');
    if (allowed.length > 0 && !allowed.includes(ip)) throw new AppError('forbidden', 'source address not allowed');
    next();
  };

function verified(ctx: Ctx, req: Request): Verified {
  const q = WebhookQuery.safeParse(req.query);
  if (!q.success || !verifyWebhookToken(ctx.config.WEBHOOK_SECRET, q.data.s, q.data.a, q.data.t)) {
    throw new AppError('forbidden', 'missing or invalid webhook token');
  }
  return q.data;
}

/** Records a webhook's handling time once the answer is sent — off the hot path. */
function timeIt(ctx: Ctx, req: Request, res: express.Response, v: Verified, label: string): void {
  const started = performance.now();
  res.on('finish', () => {
    const ms = Math.round((performance.now() - started) * 100) / 100;
    setFields(ctx, v.s, v.a, { [`lat:${label}`]: String(ms) }).catch(() => {});
    ctx.metrics.webhookDuration.observe({ kind: label.split(':')[0]! }, ms / 1000);
    req.log.debug('46elks webhook', { callId: v.s, attemptNo: v.a, webhook: label, ms });
  });
}

function toAction(ctx: Ctx, snap: CallSnapshot, d: Decision): ElksAction {
  const { sessionId, attemptNo, prompts } = snap.meta;
  if (d.type === 'hangup') return HANG_UP;
  const url = prompts[d.promptId]!.url;
  if (d.type === 'end') return playAndEnd(url);
  const hook = (kind: 'recording' | 'next', ack = false) =>
    webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, kind, sessionId, attemptNo, d.turn, ack);
  if (d.type === 'acknowledge') return playThenNext(url, hook('next', true));
  return playThenRecord(url, hook('recording'), hook('next'), d.recordLimitS);
}

/** Stores what was decided, once: a duplicate or concurrent `next` gets the same answer back. */
async function answerOnce(ctx: Ctx, snap: CallSnapshot, slot: string, d: Decision): Promise<ElksAction> {
  const action = toAction(ctx, snap, d);
  const winner = await setOnce(ctx, snap.meta.sessionId, snap.meta.attemptNo, slot, JSON.stringify(action));
  if (winner !== JSON.stringify(action)) return JSON.parse(winner) as ElksAction;
  const fields: Record<string, string> = {};
  if (d.type === 'ask') fields[`ask:${d.turn}`] = d.promptId;
  else if (d.type === 'acknowledge') fields[`ack:${d.turn}`] = d.promptId;
  else fields.end = JSON.stringify({ reason: d.reason, promptId: d.type === 'end' ? d.promptId : null, turn: -1 });
  await setFields(ctx, snap.meta.sessionId, snap.meta.attemptNo, fields);
  return action;
}

export const elksWebhookRoutes = (ctx: Ctx) => {
  const router = Router();
  router.use('/webhooks/46elks', ipAllowed(ctx.config.ELKS_ALLOWED_IPS), express.urlencoded({ extended: false, limit: '64kb' }));

  router.post('/webhooks/46elks/voice-start', async (req, res) => {
    const v = verified(ctx, req);
    timeIt(ctx, req, res, v, 'voice-start');
    const snap = await readCallState(ctx, v.s, v.a);
    if (!snap) return void res.json(HANG_UP);
    await setOnce(ctx, v.s, v.a, 'answered_at', String(Date.now()));
    res.json(await answerOnce(ctx, snap, 'resp:start', decideOpening(snap)));
  });

  router.post('/webhooks/46elks/next', async (req, res) => {
    const v = verified(ctx, req);
    const turn = v.n ?? 0;
    const slot = v.f ? `${turn}f` : `${turn}`;
    timeIt(ctx, req, res, v, `next:${slot}`);
    const snap = await readCallState(ctx, v.s, v.a);
    if (!snap) return void res.json(HANG_UP);
    const earlier = snap.responses.get(slot);
    if (earlier) return void res.json(JSON.parse(earlier));
    res.json(await answerOnce(ctx, snap, `resp:${slot}`, decideAfterRecording(snap, turn, !v.f)));
  });

  router.post('/webhooks/46elks/recording', async (req, res) => {
    const v = verified(ctx, req);
    const turn = v.n ?? 0;
    timeIt(ctx, req, res, v, `rec:${turn}`);
    const form = RecordingForm.parse(req.body ?? {});
    const rec = { wav: form.wav, durationS: form.duration, at: Date.now() };
    await setOnce(ctx, v.s, v.a, `rec:${turn}`, JSON.stringify(rec));
    await enqueue(ctx.queues, 'stt', { sessionId: v.s, attemptNo: v.a, turn, wav: form.wav, durationS: form.duration }, {
      jobId: jobId.stt(v.s, v.a, turn),
      attempts: 6,
      backoffMs: 1_000,
    });
    res.status(204).end();
  });

  router.post('/webhooks/46elks/hangup', async (req, res) => {
    const v = verified(ctx, req);
    timeIt(ctx, req, res, v, 'hangup');
    const form = HangupForm.parse(req.body ?? {});
    const id = form.id ?? form.callid;
    if (!id) throw new AppError('validation_error', 'hangup without a call id');
    await enqueue(ctx.queues, 'hangup', {
      sessionId: v.s,
      attemptNo: v.a,
      id,
      state: form.state,
      start: form.start ?? null,
      durationS: form.duration ?? null,
      cost: form.cost ?? null,
      recordActions: countRecordActions(form.actions),
    }, { jobId: jobId.hangup(v.s, v.a), attempts: 8, backoffMs: 1_000 });
    res.status(204).end();
  });
  return router;
};

/** `actions` arrives as a JSON-encoded string; count the record actions that ran. */
export function countRecordActions(actions: string | undefined): number {
  if (!actions) return 0;
  try {
    const list = JSON.parse(actions) as unknown;
    return Array.isArray(list) ? list.filter((a) => typeof a === 'object' && a !== null && 'record' in a).length : 0;
  } catch {
    return 0;
  }
}
