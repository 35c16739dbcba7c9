import express from 'express';
import helmet from 'helmet';
import type { Deps } from '../deps';
import { errorHandler, notFoundHandler } from './error-handler';
import { healthRoutes } from './health.routes';
import { requestContext } from './request-context';

/** The Express app, built from deps; only main.ts listens. Tests build the very same app. */
export function buildApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(requestContext(deps.log));
  app.use(helmet());
  app.use(express.json({ limit: deps.config.JSON_BODY_LIMIT }));
  app.use(healthRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
