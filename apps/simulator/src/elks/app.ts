import express, { type Express } from 'express';
import { elksApiRoutes } from './api-routes';
import type { ElksControl } from './control';
import { elksControlRoutes } from './control-routes';
import type { ElksContext } from './state';

/** The 46elks-compatible server: `/a1/*` (Basic auth, form bodies, text errors) and `/sim/*` (control). */
export const buildElksApp = (ctx: ElksContext, control: ElksControl): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/a1', elksApiRoutes(ctx));
  app.use('/sim', elksControlRoutes(ctx, control));
  app.use((req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send(`Not found: ${req.method} ${req.originalUrl}`);
  });
  app.use((err: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
    res.status(status).type('text/plain; charset=utf-8').send(status === 500 ? 'Internal error.' : err.message);
  });
  return app;
};
