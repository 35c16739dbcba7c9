import { Router } from 'express';
import { readAccountBlock } from '../calls/account-block';
import type { Deps } from '../deps';

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/** GET /metrics in Prometheus text format, with the cluster-wide gauges refreshed first. */
export const metricsRoutes = (deps: Pick<Deps, 'metrics' | 'sql' | 'queues' | 'redis' | 'key'>) =>
  Router().get('/metrics', async (_req, res) => {
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
