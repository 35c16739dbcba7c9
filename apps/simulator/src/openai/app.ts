import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { StoppedError } from '../shared/clock';
import { chatCompletionsRoute } from './chat';
import { requestId, sendError } from './errors';
import { speechRoute } from './speech';
import { OpenAiFaultsBody, type OpenAiContext, openAiStats } from './state';
import { transcriptionsRoute } from './transcriptions';

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe', 'whisper-1', 'gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'];

const maskKey = (key: string): string => (key.length > 8 ? `${key.slice(0, 3)}*********${key.slice(-4)}` : '***');

/** Counts every request per endpoint and status (for stats()). */
const countRequests = (ctx: OpenAiContext) => (req: Request, res: Response, next: NextFunction) => {
  res.setHeader('x-request-id', requestId());
  res.setHeader('openai-version', '2020-10-01');
  res.setHeader('openai-organization', 'org-samtal-sim');
  const started = Date.now();
  res.on('finish', () => {
    const key = `${req.method} ${req.baseUrl}${req.path}`;
    const stats = ctx.endpoints[key] ?? { requests: 0, errors: 0, by_status: {} };
    ctx.endpoints[key] = stats;
    stats.requests++;
    if (res.statusCode >= 400) stats.errors++;
    stats.by_status[res.statusCode] = (stats.by_status[res.statusCode] ?? 0) + 1;
  });
  res.setHeader('openai-processing-ms', '0');
  res.locals.started = started;
  next();
};

const auth = (ctx: OpenAiContext) => (req: Request, res: Response, next: NextFunction) => {
  const expected = ctx.opts.openaiApiKey;
  if (!expected) return next();
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) {
    return sendError(
      res,
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    );
  }
  if (match[1].trim() !== expected) {
    return sendError(
      res,
      401,
      `Incorrect API key provided: ${maskKey(match[1].trim())}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      null,
      'invalid_api_key',
    );
  }
  next();
};

/** Fault knobs that apply to every endpoint: latency, 429, 500. */
const faults = (ctx: OpenAiContext) => async (_req: Request, res: Response, next: NextFunction) => {
  const f = ctx.faults;
  if (f.latencyMs > 0) {
    ctx.injected.latency++;
    try {
      await ctx.scheduler.sleepReal(f.latencyMs);
    } catch (err) {
      if (err instanceof StoppedError) return sendError(res, 503, 'The server is shutting down.', 'server_error');
      throw err;
    }
  }
  if (f.next429 > 0 || (f.rate429 > 0 && ctx.rng.chance(f.rate429))) {
    if (f.next429 > 0) f.next429--;
    ctx.injected.rate_limited++;
    res.setHeader('retry-after-ms', '20');
    res.setHeader('retry-after', '1');
    res.setHeader('x-ratelimit-limit-requests', '500');
    res.setHeader('x-ratelimit-remaining-requests', '0');
    res.setHeader('x-ratelimit-reset-requests', '20ms');
    return sendError(
      res,
      429,
      'Rate limit reached for requests in organization org-samtal-sim on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 20ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
      'requests',
      null,
      'rate_limit_exceeded',
    );
  }
  if (f.next500 > 0 || (f.rate500 > 0 && ctx.rng.chance(f.rate500))) {
    if (f.next500 > 0) f.next500--;
    ctx.injected.server_errors++;
    return sendError(res, 500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
  }
  next();
};

export const buildOpenAiApp = (ctx: OpenAiContext): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const sim = express.Router();
  sim.use(express.json());
  sim.get('/stats', (_req, res) => {
    res.json(openAiStats(ctx));
  });
  sim.post('/faults', (req, res) => {
    const body = OpenAiFaultsBody.safeParse(req.body ?? {});
    if (!body.success) return res.status(400).json({ error: 'validation_error', issues: body.error.issues });
    Object.assign(ctx.faults, body.data);
    res.json(ctx.faults);
  });
  app.use('/sim', sim);

  const v1 = express.Router();
  v1.use(countRequests(ctx), auth(ctx), faults(ctx));
  v1.post('/chat/completions', express.json({ limit: '20mb' }), chatCompletionsRoute(ctx));
  v1.post('/audio/transcriptions', transcriptionsRoute(ctx));
  v1.post('/audio/speech', express.json({ limit: '1mb' }), speechRoute(ctx));
  v1.get('/models', (_req, res) => {
    res.json({ object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' })) });
  });
  v1.get('/models/:id', (req, res) => {
    if (!MODELS.includes(req.params.id)) {
      return sendError(res, 404, `The model '${req.params.id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
    }
    res.json({ id: req.params.id, object: 'model', created: 1_715_367_049, owned_by: 'system' });
  });
  v1.use((req, res) => sendError(res, 404, `Invalid URL (${req.method} ${req.originalUrl})`));
  app.use('/v1', v1);

  app.use((req, res) => sendError(res, 404, `Invalid URL (${req.method} ${req.originalUrl})`));
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') {
      return sendError(
        res,
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      );
    }
    if (err.status === 413) return sendError(res, 413, 'Request too large.');
    sendError(res, 500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
  });
  return app;
};
