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
    elksCreates: new Counter({
      name: 'samtal_elks_call_creates_total',
      help: 'POST /a1/calls by result: created, ambiguous (answer lost; reconciled, never re-sent), reconciled (found in the call history), not_sent, refused_account, refused_request',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    elksAccountBlocked: new Gauge({
      name: 'samtal_elks_account_blocked',
      help: '1 while 46elks refuses calls for the whole account (no credit, credentials) and dialling waits (cluster-wide)',
      registers: [registry],
    }),
    actionFailures: new Counter({
      name: 'samtal_elks_action_failures_total',
      help: 'play/record actions 46elks reported result=failed, and what we did (retried once, or ended the call as our failure)',
      labelNames: ['action', 'handling'] as const,
      registers: [registry],
    }),
    droppedByUs: new Counter({
      name: 'samtal_calls_dropped_by_us_total',
      help: 'Answered calls that ended because of our side (webhook unreachable, failed play/record, lost state), by what happened next',
      labelNames: ['reason', 'next'] as const,
      registers: [registry],
    }),
    sttSkipped: new Counter({
      name: 'samtal_stt_skipped_total',
      help: 'Recordings not sent to speech-to-text because they cannot hold speech, by reason',
      labelNames: ['reason'] as const,
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
    realtimeCalls: new Counter({
      name: 'samtal_realtime_calls_total',
      help: 'Realtime legs by how they ended (completed, hangup, cap, fallback reasons) and unmatched sockets',
      labelNames: ['end'] as const,
      registers: [registry],
    }),
    // A histogram, not a summary: observed ~100 times a second per live call, and prom-client's
    // summary (a t-digest per label set) cost 11 % of the API's CPU at 150 live calls (CPU profile,
    // bench/realtime.ts); a bucket increment costs next to nothing, and buckets add up across processes.
    realtimeFrame: new Histogram({
      name: 'samtal_realtime_frame_seconds',
      help: 'Bridge handling time per audio frame (parse + forward), toward the model (caller audio) and toward the caller (model audio)',
      labelNames: ['dir'] as const,
      buckets: [5e-6, 1e-5, 2e-5, 3e-5, 5e-5, 7.5e-5, 1e-4, 2e-4, 3e-4, 5e-4, 7.5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1],
      registers: [registry],
    }),
    realtimeFallbacks: new Counter({
      name: 'samtal_realtime_fallbacks_total',
      help: 'Calls the record loop took over after their realtime leg ended early, by stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    realtimeTokens: new Counter({
      name: 'samtal_realtime_tokens_total',
      help: 'OpenAI Realtime tokens used by our calls, by direction and kind (audio, text, cached)',
      labelNames: ['direction', 'kind'] as const,
      registers: [registry],
    }),
    realtimeCostSek: new Counter({
      name: 'samtal_realtime_cost_sek_total',
      help: 'Estimated OpenAI Realtime cost of our calls in SEK (list prices × USD_TO_SEK)',
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
