import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { traceBegin, traceEnd } from '../observability/trace';

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

const VALID_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Request id (taken from X-Request-Id when sane, else new), a child logger, and one JSON access line. */
export const requestContext =
  (log: Logger, metrics?: Metrics): RequestHandler =>
  (req, res, next) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
    req.log = log.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    traceBegin(req);
    res.on('finish', () => {
      if (req.trace) traceEnd(req, req.path);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'http';
      if (req.log.isLevelEnabled(level)) {
        req.log.log(level, 'request', {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          duration_ms: Math.round(ms * 100) / 100,
        });
      }
      // The matched route's pattern, never the raw path (ids would explode the label set).
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other';
      metrics?.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
    });
    next();
  };
