import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { buildWav } from '../audio/wav';
import { parseBasicAuth } from '../shared/http';
import { isHttpUrl } from './actions';
import { recordingSeed } from './recording';
import { startCall } from './run-call';
import type { ElksContext } from './state';
import { elksCallJson } from './views';

/** Every 46elks error is plain text. */
const text = (res: Response, status: number, body: string): void => {
  res.status(status).type('text/plain; charset=utf-8').send(body);
};

const E164 = /^\+[1-9]\d{5,14}$/;

/** POST /a1/calls form fields; the first failing field decides the 400 message. */
const CreateCallForm = z.object({
  from: z.string({ error: 'Missing key from' }).regex(E164, 'Invalid from number'),
  to: z.string({ error: 'Missing key to' }).regex(E164, 'Invalid to number'),
  voice_start: z.string({ error: 'Missing key voice_start' }).refine((v) => {
    const t = v.trim();
    if (!t.startsWith('{')) return isHttpUrl(t);
    try {
      const json: unknown = JSON.parse(t);
      return typeof json === 'object' && json !== null && !Array.isArray(json);
    } catch {
      return false;
    }
  }, 'Invalid voice_start: expected a URL or a JSON action'),
  whenhangup: z.string().refine(isHttpUrl, 'Invalid whenhangup URL').optional(),
  timeout: z
    .string()
    .regex(/^\d+$/, 'Invalid timeout')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 3600, 'Invalid timeout')
    .optional(),
});

export const elksApiRoutes = (ctx: ElksContext): Router => {
  const router = Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    const auth = parseBasicAuth(req.headers.authorization);
    if (!auth || auth.user !== ctx.opts.elksUsername || auth.pass !== ctx.opts.elksPassword) {
      res.setHeader('WWW-Authenticate', 'Basic realm="46elks API"');
      return text(res, 401, 'Unauthorized');
    }
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '100kb' }));

  router.get('/me', (_req, res) => {
    res.json({
      id: ctx.opts.elksUsername,
      displayname: 'Samtal simulator',
      mobilenumber: '+46700000000',
      email: 'sim@example.invalid',
      currency: ctx.account.currency,
      balance: ctx.account.balance,
    });
  });

  router.post('/calls', (req, res) => {
    if (ctx.faults.createCall5xx > 0) {
      ctx.faults.createCall5xx--;
      return text(res, 503, 'Service temporarily unavailable, please try again later.');
    }
    if (ctx.faults.createCall4xx > 0) {
      ctx.faults.createCall4xx--;
      return text(res, 400, 'Invalid request.');
    }
    // 46elks' FAQ: "Once your balance reaches 0, any API call that would result in your account being
    // charged will fail." The status and text are not documented; 403 is inferred (see README).
    if (ctx.account.balance <= 0) return text(res, 403, 'Not enough credits.');
    const form = CreateCallForm.safeParse(req.body ?? {});
    if (!form.success) return text(res, 400, form.error.issues[0]?.message ?? 'Invalid request');
    const { from, to, voice_start, whenhangup, timeout } = form.data;
    let state: 'ongoing' | 'failed' = 'ongoing';
    if (ctx.faults.createCallFailed > 0) {
      ctx.faults.createCallFailed--;
      state = 'failed';
    }
    const call = startCall(ctx, { from, to, voiceStart: voice_start, whenhangup: whenhangup ?? null, timeout: timeout ?? 60 }, state);
    // The call exists and rings; only the answer is lost (no idempotency key: a re-sent create rings again).
    if (ctx.faults.createCallLost503 > 0) {
      ctx.faults.createCallLost503--;
      return text(res, 503, 'Service temporarily unavailable, please try again later.');
    }
    if (ctx.faults.createCallLostReset > 0) {
      ctx.faults.createCallLostReset--;
      req.socket.destroy();
      return;
    }
    res.json({ direction: call.direction, from: call.from, to: call.to, created: call.created, state, id: call.id, timeout: call.timeout });
  });

  router.get('/calls', (req, res) => {
    if (ctx.faults.callHistory5xx > 0) {
      ctx.faults.callHistory5xx--;
      return text(res, 503, 'Service temporarily unavailable, please try again later.');
    }
    const q = req.query as Record<string, string | undefined>;
    const limit = Math.min(100, Math.max(1, Number(q.limit) || 100));
    const all = [...ctx.calls.values()]
      .filter((c) => (!q.start || c.created < q.start) && (!q.end || c.created > q.end))
      .sort((a, b) => (a.created < b.created ? 1 : -1));
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = { data: page.map((c) => elksCallJson(ctx, c)) };
    if (all.length > limit) body.next = page[page.length - 1]?.created;
    res.json(body);
  });

  router.get('/calls/:id', (req, res) => {
    const call = ctx.calls.get(req.params.id);
    if (!call) return text(res, 404, 'Unable to get call data.');
    res.json(elksCallJson(ctx, call));
  });

  // Recordings are read-only: 46elks documents GET for the list, one recording's metadata and its WAV, and
  // no way to delete one ("You have 72 hours to fetch any recordings you make").
  router.get('/recordings', (_req, res) => {
    const data = [...ctx.recordings.values()]
      .filter((r) => !r.target.startsWith('local/'))
      .sort((a, b) => (a.created < b.created ? 1 : -1))
      .map((r) => ({ id: r.id, duration: r.duration, created: r.created }));
    res.json({ data });
  });

  router.get('/recordings/:file', (req, res) => {
    const file = req.params.file;
    const wav = file.toLowerCase().endsWith('.wav');
    const rec = ctx.recordings.get(wav ? file.slice(0, -4) : file);
    if (!rec || rec.target.startsWith('local/')) {
      return text(res, 404, wav ? 'Unable to download recording.' : 'Unable to get recording.');
    }
    if (!wav) return res.json({ id: rec.id, duration: rec.duration, created: rec.created });
    rec.downloads++;
    const bytes = buildWav({
      sampleRate: 8000,
      durationSec: rec.exactSec,
      ...(rec.text ? { text: rec.text } : {}),
      speech: rec.speech,
      seed: recordingSeed(rec),
    });
    res.status(200).type('application/octet-stream').send(bytes);
  });

  router.use((req, res) => text(res, 404, `Not found: ${req.method} ${req.originalUrl}`));
  return router;
};
