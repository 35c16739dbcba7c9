import express from 'express';
import helmet from 'helmet';
import type { Deps } from '../deps';
import { errorHandler, notFoundHandler } from './error-handler';
import { analysisRoutes } from '../analysis/analysis.routes';
import { businessInsightsRoutes } from '../reports/insights.routes';
import { reportsRoutes } from '../reports/reports.routes';
import { requireBusinessUser } from './business-auth';
import { docsRoutes } from './docs.routes';
import { metricsRoutes } from './metrics.routes';
import { rateLimiter } from './rate-limit';
import { callsRoutes } from '../calls/calls.routes';
import { audioRoutes } from '../speech/audio.routes';
import { elksWebhookRoutes } from '../telephony/webhooks.routes';
import { healthRoutes } from './health.routes';
import { requestContext } from './request-context';

/** The Express app, built from deps; only main.ts listens. Tests build the very same app. */
export function buildApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(requestContext(deps.log, deps.metrics));
  app.use(helmet());
  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(audioRoutes(deps));
  // Form-encoded 46elks webhooks parse their own bodies.
  app.use(elksWebhookRoutes(deps));
  app.use(docsRoutes());
  const limit = (kind: 'business' | 'internal' | 'ip', n: number) =>
    rateLimiter({ redis: deps.redis, prefix: deps.config.REDIS_PREFIX, windowMs: deps.config.RATE_LIMIT_WINDOW_MS, limit: n, kind, log: deps.log });
  // Everything below is throttled per client IP — except the webhooks, which come from a few
  // addresses in bursts and are protected by their secrets (46elks' are mounted above).
  const perIp = limit('ip', deps.config.RATE_LIMIT_IP);
  app.use((req, res, next) => (req.path.startsWith('/webhooks/') ? next() : perIp(req, res, next)));
  app.use(express.json({ limit: deps.config.JSON_BODY_LIMIT }));
  app.use(['/api/ai/calls', '/api/ai/analysis'], limit('internal', deps.config.RATE_LIMIT_INTERNAL));
  app.use(callsRoutes(deps));
  app.use(analysisRoutes(deps));
  app.use(
    '/api/ai/business',
    requireBusinessUser(deps),
    limit('business', deps.config.RATE_LIMIT_BUSINESS),
    reportsRoutes(deps),
    businessInsightsRoutes(deps),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
