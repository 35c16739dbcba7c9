import { type RequestHandler, Router } from 'express';
import { readAccountBlock } from '../calls/account-block';
import type { Deps } from '../deps';
import { requireApiKey, sameSecret } from './auth';
import { unauthorized } from './errors';

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * A Prometheus scraper authenticates with `Authorization: Bearer $METRICS_TOKEN` (when set) or the
 * internal `X-API-Key`: the figures (call volumes, queue depths, costs) are not for everyone.
 */
const scraperOnly = (config: Deps['config']): RequestHandler => {
  const apiKey = requireApiKey(config.ADMIN_API_KEY);
  return (req, res, next) => {
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    if (config.METRICS_TOKEN && bearer && sameSecret(bearer, config.METRICS_TOKEN)) return next();
    if (!req.header('x-api-key') && bearer) throw unauthorized('invalid metrics token');
    apiKey(req, res, next);
  };
};

/** GET /metrics in Prometheus text format, with the cluster-wide gauges refreshed first. */
export const metricsRoutes = (deps: Pick<Deps, 'metrics' | 'sql' | 'queues' | 'redis' | 'key' | 'config'>) =>
  Router().get('/metrics', scraperOnly(deps.config), async (_req, res) => {
    const m = deps.metrics;
    const [[active], counts, blocked] = await Promise.all([
      deps.sql<{ n: number }[]>`select count(*)::int as n from feedback_call_sessions where session_status = 'in_progress'`,
      Promise.all(Object.entries(deps.queues).map(async ([name, q]) => [name, await q.getJobCounts(...QUEUE_STATES)] as const)),
      readAccountBlock(deps),
    ]);
    m.elksAccountBlocked.set(blocked ? 1 : 0);
    m.activeCalls.set(active?.n ?? 0);
    for (const [queue, byState] of counts) for (const state of QUEUE_STATES) m.queueJobs.set({ queue, state }, byState[state] ?? 0);
    res.setHeader('Content-Type', m.registry.contentType);
    res.send(await m.registry.metrics());
  });
