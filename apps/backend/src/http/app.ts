import express from 'express';
import helmet from 'helmet';
import type { Deps } from '../deps';
import { addressMatcher } from './addresses';
import { errorHandler, notFoundHandler } from './error-handler';
import { analysisRoutes } from '../analysis/analysis.routes';
import { businessInsightsRoutes } from '../reports/insights.routes';
import { reportsRoutes } from '../reports/reports.routes';
import { requireBusinessUser } from './business-auth';
import { docsRoutes } from './docs.routes';
import { metricsRoutes } from './metrics.routes';
import { sameSecret } from './auth';
import { authFailureLimiter, rateLimiter } from './rate-limit';
import { callsRoutes } from '../calls/calls.routes';
import { audioRoutes } from '../speech/audio.routes';
import { elksWebhookRoutes } from '../telephony/webhooks.routes';
import { livenessRoutes, readinessRoutes } from './health.routes';
import { requestContext } from './request-context';

/** The Express app, built from deps; only main.ts listens. Tests build the very same app. */
export function buildApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from our own proxies (TRUST_PROXY); by default from nobody.
  const ourProxy = addressMatcher(deps.config.TRUST_PROXY);
  app.set('trust proxy', (address: string) => ourProxy(address));
  app.use(requestContext(deps.log, deps.metrics));
  // 46elks: prompt audio and webhooks come from a few addresses in bursts and are protected by their
  // content-hash names and HMAC tokens (and ELKS_ALLOWED_IPS); they are not limited per IP. They are
  // machine-to-machine: the browser security headers (helmet) below are for everything else.
  app.use(audioRoutes(deps));
  app.use(elksWebhookRoutes(deps));
  app.use(helmet());
  app.use(livenessRoutes());
  const limit = (kind: 'business' | 'internal' | 'ip', n: number) =>
    rateLimiter({
      redis: deps.redis,
      prefix: deps.config.REDIS_PREFIX,
      windowMs: deps.config.RATE_LIMIT_WINDOW_MS,
      limit: n,
      kind,
      log: deps.log,
      isValidKey: (key) => sameSecret(key, deps.config.ADMIN_API_KEY),
    });
  // Everything else is throttled per client IP, and failed authentications are counted per IP —
  // except the Supabase verification webhook: one address in bursts, no retries on its side, its
  // bearer secret protects it.
  const perIp = limit('ip', deps.config.RATE_LIMIT_IP);
  const authFailures = authFailureLimiter({
    redis: deps.redis,
    prefix: deps.config.REDIS_PREFIX,
    windowMs: deps.config.RATE_LIMIT_WINDOW_MS,
    limit: deps.config.RATE_LIMIT_AUTH_FAILURES,
    log: deps.log,
  });
  app.use((req, res, next) => (req.path.startsWith('/webhooks/') ? next() : perIp(req, res, next)));
  app.use((req, res, next) => (req.path.startsWith('/webhooks/') ? next() : authFailures(req, res, next)));
  app.use(readinessRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(docsRoutes());
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
