import type { Sql } from '../db/client';
import { scrubForBusiness } from '../observability/mask';
import type { Week } from './week';

/**
 * Every number of a weekly report, from SQL aggregation (never from the model). Feedback of a
 * week = graded calls whose session was created in that week.
 */

export type Window = { count: number; avgQuality: number | null };
export type Figures = {
  feedbackCount: number;
  avgQuality: number | null;
  fraudCount: number;
  funnel: { verifications: number; attempted: number; answered: number; completed: number; answer_rate: number | null; completion_rate: number | null };
  rewardsSek: number;
  departments: Record<string, { mentions: number; average_quality: number | null; negative_share: number }>;
  themes: Array<{ theme: string; count: number }>;
  sentiment: Record<string, number>;
};

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const r2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

export async function weekFigures(sql: Sql, storeId: string, w: Week): Promise<Figures> {
  const [totals] = await sql<{ count: number; avg: string | null; fraud: number }[]>`
    select count(*)::int as count, avg(q.overall_quality_score) as avg, count(*) filter (where q.is_fraudulent)::int as fraud
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}`;
  const [funnel] = await sql<{ verifications: number; attempted: number; answered: number; completed: number }[]>`
    select
      (select count(*)::int from customer_verifications v
        where v.store_id = ${storeId} and v.created_at >= ${w.start} and v.created_at < ${w.end}) as verifications,
      count(*) filter (where s.retry_count > 0)::int as attempted,
      count(*) filter (where exists (select 1 from call_attempts a where a.call_session_id = s.id and a.outcome = 'answered'))::int as answered,
      count(*) filter (where s.session_status = 'completed')::int as completed
    from feedback_call_sessions s
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}`;
  const [rewards] = await sql<{ sek: string | null }[]>`
    select sum(amount_sek) as sek from rewards
    where store_id = ${storeId} and created_at >= ${w.start} and created_at < ${w.end} and state <> 'reversed'`;
  const depts = await sql<{ dept: string; mentions: number; avg: string | null; negative: string }[]>`
    select d.dept, count(*)::int as mentions, avg(q.overall_quality_score) as avg,
           avg((q.sentiment = 'negative')::int) as negative
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    cross join lateral jsonb_array_elements_text(q.department_mentions) as d(dept)
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}
    group by d.dept order by mentions desc limit 30`;
  const themes = await sql<{ theme: string; count: number }[]>`
    select lower(t.theme) as theme, count(*)::int as count
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    cross join lateral jsonb_array_elements_text(q.themes) as t(theme)
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}
    group by 1 order by count desc, theme limit 15`;
  const sentiment = await sql<{ sentiment: string; count: number }[]>`
    select coalesce(q.sentiment, 'unknown') as sentiment, count(*)::int as count
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}
    group by 1`;
  const f = funnel!;
  return {
    feedbackCount: totals!.count,
    avgQuality: r2(n(totals!.avg)),
    fraudCount: totals!.fraud,
    funnel: {
      ...f,
      answer_rate: f.attempted > 0 ? r2(f.answered / f.attempted) : null,
      completion_rate: f.attempted > 0 ? r2(f.completed / f.attempted) : null,
    },
    rewardsSek: Number(rewards?.sek ?? 0),
    // department names and themes come from the model's reading of calls: shown to the business, scrubbed
    departments: Object.fromEntries(
      depts.map((d) => [scrubForBusiness(d.dept), { mentions: d.mentions, average_quality: r2(n(d.avg)), negative_share: r2(Number(d.negative)) ?? 0 }]),
    ),
    themes: themes.map((t) => ({ theme: scrubForBusiness(t.theme), count: t.count })),
    sentiment: Object.fromEntries(sentiment.map((s) => [s.sentiment, s.count])),
  };
}

/** Count and average quality over [from, to): weekly count averaged over `weeks`. */
export async function windowFigures(sql: Sql, storeId: string, from: Date, to: Date, weeks: number): Promise<Window> {
  const [row] = await sql<{ count: number; avg: string | null }[]>`
    select count(*)::int as count, avg(q.overall_quality_score) as avg
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    where s.store_id = ${storeId} and s.created_at >= ${from} and s.created_at < ${to}`;
  return { count: r2(row!.count / weeks) ?? 0, avgQuality: r2(n(row!.avg)) };
}

/** The summaries the model reads: the most useful of the week first, never raw transcripts. */
export async function weekSummaries(sql: Sql, storeId: string, w: Week, limit: number): Promise<string[]> {
  const rows = await sql<{ analysis_summary: string }[]>`
    select q.analysis_summary
    from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
    where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}
      and q.analysis_summary is not null and not q.is_fraudulent
    order by q.usefulness_score desc nulls last, q.created_at desc
    limit ${limit}`;
  return rows.map((r) => r.analysis_summary);
}
