import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process, in a registry of its own (tests build several apps in one
 * process). GET /metrics serves them; gauges that mirror shared state (active calls, queue depth)
 * are read from Postgres/Redis at scrape time, so any instance reports the cluster's figures.
 */

/** gpt-4o-mini list prices per 1M tokens (USD), for the cost estimate. */
export const LLM_PRICE_PER_MTOK: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
};

export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'samtal-backend' });
  collectDefaultMetrics({ register: registry, prefix: 'samtal_' });
  const seconds = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'samtal_http_request_duration_seconds',
      help: 'HTTP request handling time by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'samtal_elks_webhook_duration_seconds',
      help: '46elks webhook answer time by webhook kind',
      labelNames: ['kind'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'samtal_call_attempts_total',
      help: 'Ended call attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    sessions: new Counter({
      name: 'samtal_call_sessions_final_total',
      help: 'Call sessions reaching a final status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    activeCalls: new Gauge({ name: 'samtal_active_calls', help: 'Call sessions in progress (cluster-wide)', registers: [registry] }),
    queueJobs: new Gauge({
      name: 'samtal_queue_jobs',
      help: 'BullMQ jobs by queue and state (cluster-wide)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    analysisDuration: new Histogram({
      name: 'samtal_analysis_duration_seconds',
      help: 'Time to grade one call (LLM, checks, save)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'samtal_llm_tokens_total',
      help: 'LLM tokens used, by model and kind',
      labelNames: ['model', 'kind'] as const,
      registers: [registry],
    }),
    llmCost: new Counter({
      name: 'samtal_llm_cost_usd_total',
      help: 'Estimated LLM cost (list prices), by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    purgedRows: new Counter({
      name: 'samtal_purged_rows_total',
      help: 'Rows deleted (or phone numbers nulled) by the retention purge, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

export function recordLlmUsage(m: Metrics, model: string, usage: { prompt_tokens: number; completion_tokens: number }): void {
  m.llmTokens.inc({ model, kind: 'prompt' }, usage.prompt_tokens);
  m.llmTokens.inc({ model, kind: 'completion' }, usage.completion_tokens);
  const price = LLM_PRICE_PER_MTOK[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  if (price) m.llmCost.inc({ model }, (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6);
}
