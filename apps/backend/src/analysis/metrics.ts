import type { MetricsQuery, MetricsResponse } from '@samtal/types';
import type { Deps } from '../deps';

/**
 * GET /api/ai/analysis/metrics: calls, answer and completion rates, quality and reward
 * distributions, fraud rate, tokens and estimated cost per model, analysis latency and the analyze
 * queue. Optional `store_id` / `since` narrow everything but the queue to sessions created then.
 */

type Ctx = Pick<Deps, 'sql' | 'queues'>;

/** USD per million tokens (OpenAI list prices), matched by model-name prefix, longest first. */
export const PRICES_PER_MTOK: ReadonlyArray<[string, { input: number; output: number }]> = [
  ['gpt-4o-mini', { input: 0.15, output: 0.6 }],
  ['gpt-4o', { input: 2.5, output: 10 }],
  ['gpt-4.1-mini', { input: 0.4, output: 1.6 }],
];

export function estimateCostUsd(model: string, promptTokens: number, completionTokens: number): number | null {
  const price = PRICES_PER_MTOK.find(([prefix]) => model.startsWith(prefix))?.[1];
  if (!price) return null;
  return Math.round(((promptTokens * price.input + completionTokens * price.output) / 1e6) * 1e6) / 1e6;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
const FINAL = ['completed', 'failed', 'abandoned', 'declined'];

export async function getMetrics(ctx: Ctx, q: MetricsQuery): Promise<MetricsResponse> {
  const { sql } = ctx;
  const scope = sql`${q.store_id ? sql`and s.store_id = ${q.store_id}` : sql``} ${q.since ? sql`and s.created_at >= ${q.since}` : sql``}`;
  const graded = sql`quality_assessments qa join feedback_call_sessions s on s.id = qa.call_session_id where true ${scope}`;

  const [statuses, [answers], [quality], qualityBuckets, [rewards], rewardBuckets, reasons, ledger, fraudChecks, tokens, [latency], runs, counts] =
    await Promise.all([
      sql<{ status: string; n: number }[]>`select session_status as status, count(*)::int as n from feedback_call_sessions s where true ${scope} group by 1`,
      sql<{ answered: number; attempted: number }[]>`
        select count(*) filter (where answered)::int as answered, count(*)::int as attempted from (
          select bool_or(a.outcome = 'answered') as answered from feedback_call_sessions s
          join call_attempts a on a.call_session_id = s.id where a.outcome is not null ${scope} group by s.id) x`,
      sql<{ graded: number; mean: string | null; fraud: number }[]>`
        select count(*)::int as graded, avg(qa.overall_quality_score) as mean, count(*) filter (where qa.is_fraudulent)::int as fraud from ${graded}`,
      sql<{ bucket: number; n: number }[]>`
        select least(floor(qa.overall_quality_score * 10), 9)::int as bucket, count(*)::int as n from ${graded} group by 1`,
      sql<{ qualifying: number; mean: string | null }[]>`
        select count(*) filter (where qa.qualifies_for_reward)::int as qualifying,
               avg(qa.reward_percentage) filter (where qa.qualifies_for_reward) as mean from ${graded}`,
      sql<{ range: string; n: number }[]>`
        select case when qa.reward_percentage = 0 then '0' when qa.reward_percentage < 5 then '2-5'
                    when qa.reward_percentage < 10 then '5-10' else '10-15' end as range, count(*)::int as n
        from ${graded} group by 1`,
      sql<{ reason: string; n: number }[]>`
        select qa.rejection_reason as reason, count(*)::int as n from ${graded} and qa.rejection_reason is not null group by 1`,
      sql<{ state: string; n: number; amount: string }[]>`
        select r.state, count(*)::int as n, coalesce(sum(r.amount_sek), 0) as amount
        from rewards r join feedback_call_sessions s on s.id = r.call_session_id where true ${scope} group by 1`,
      sql<{ check_type: string; n: number }[]>`
        select f.check_type, count(*)::int as n from fraud_detection_results f join feedback_call_sessions s on s.id = f.call_session_id
        where f.is_suspicious ${scope} group by 1`,
      sql<{ model: string; analyses: number; prompt: number; completion: number; total: number }[]>`
        select coalesce(qa.model, 'unknown') as model, count(*)::int as analyses, coalesce(sum(qa.prompt_tokens), 0)::int as prompt,
               coalesce(sum(qa.completion_tokens), 0)::int as completion, coalesce(sum(qa.total_tokens), 0)::int as total
        from ${graded} group by 1 order by 1`,
      sql<{ a50: number | null; a95: number | null; e50: number | null; e95: number | null }[]>`
        select percentile_cont(0.5) within group (order by qa.analysis_duration_ms) as a50,
               percentile_cont(0.95) within group (order by qa.analysis_duration_ms) as a95,
               percentile_cont(0.5) within group (order by extract(epoch from qa.created_at - s.call_ended_at) * 1000) as e50,
               percentile_cont(0.95) within group (order by extract(epoch from qa.created_at - s.call_ended_at) * 1000) as e95
        from ${graded}`,
      sql<{ status: string; n: number }[]>`
        select r.status, count(*)::int as n from analysis_runs r join feedback_call_sessions s on s.id = r.call_session_id
        where true ${scope} group by 1`,
      ctx.queues.analyze.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    ]);

  const byStatus = Object.fromEntries(statuses.map((r) => [r.status, r.n]));
  const total = statuses.reduce((a, r) => a + r.n, 0);
  const finals = FINAL.reduce((a, s) => a + (byStatus[s] ?? 0), 0);
  const gradedCount = quality?.graded ?? 0;
  const rate = (x: number, of: number) => (of === 0 ? null : Math.round((x / of) * 1000) / 1000);
  return {
    calls: {
      total,
      by_status: byStatus,
      answer_rate: rate(answers?.answered ?? 0, answers?.attempted ?? 0),
      completion_rate: rate(byStatus.completed ?? 0, finals),
    },
    quality: {
      graded: gradedCount,
      mean_overall: n(quality?.mean),
      distribution: Array.from({ length: 10 }, (_, i) => ({
        range: `${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}`,
        count: qualityBuckets.find((b) => b.bucket === i)?.n ?? 0,
      })),
    },
    rewards: {
      qualifying: rewards?.qualifying ?? 0,
      qualification_rate: rate(rewards?.qualifying ?? 0, gradedCount),
      mean_percentage: n(rewards?.mean),
      distribution: ['0', '2-5', '5-10', '10-15'].map((range) => ({ range, count: rewardBuckets.find((b) => b.range === range)?.n ?? 0 })),
      rejection_reasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
      ledger: Object.fromEntries(ledger.map((r) => [r.state, { count: r.n, amount_sek: Number(r.amount) }])),
    },
    fraud: {
      flagged: quality?.fraud ?? 0,
      rate: rate(quality?.fraud ?? 0, gradedCount),
      by_check: Object.fromEntries(fraudChecks.map((r) => [r.check_type, r.n])),
    },
    tokens: tokens.map((t) => ({
      model: t.model,
      analyses: t.analyses,
      prompt_tokens: t.prompt,
      completion_tokens: t.completion,
      total_tokens: t.total,
      estimated_cost_usd: estimateCostUsd(t.model, t.prompt, t.completion),
    })),
    latency_ms: {
      analysis: { p50: n(latency?.a50), p95: n(latency?.a95) },
      call_end_to_grade: { p50: n(latency?.e50), p95: n(latency?.e95) },
    },
    analysis_runs: Object.fromEntries(runs.map((r) => [r.status, r.n])),
    queue: {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    },
    generated_at: new Date().toISOString(),
  };
}
