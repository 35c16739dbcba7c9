import express from 'express';
import helmet from 'helmet';
import type { Deps } from '../deps';
import { errorHandler, notFoundHandler } from './error-handler';
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
  app.use(requestContext(deps.log));
  app.use(helmet());
  app.use(healthRoutes(deps));
  app.use(audioRoutes(deps));
  // Form-encoded 46elks webhooks parse their own bodies.
  app.use(elksWebhookRoutes(deps));
  app.use(express.json({ limit: deps.config.JSON_BODY_LIMIT }));
  app.use(callsRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
