import type { Sql } from '../db/client';
import { scrubForBusiness } from '../observability/mask';
import type { Week } from './week';

/**
 * Every number of a weekly report, from SQL aggregation (never from the model). Feedback of a
 * week = graded calls whose session was created in that week.
 *
 * One statement per report reads all of it: the store, the week's figures, the three comparison
 * windows, the summaries for the model and the previous week's issues. The week's sessions are
 * read once (the `ws` CTE) and every aggregate is taken over them; the comparison windows are one
 * pass over the twelve weeks before. Thirteen statements a report (one round trip, one snapshot,
 * one plan and one index scan each) cost more Postgres and worker CPU than the aggregation itself,
 * and a Monday runs 10,000 of them. One statement also reads one consistent snapshot.
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

export type ReportInputs = {
  store: { name: string; departments: unknown };
  figures: Figures;
  /** Weekly count and average quality over the 1, 4 and 12 weeks before the report's week. */
  windows: { previous: Window; four: Window; twelve: Window };
  /** The summaries the model reads: the most useful of the week first, never raw transcripts. */
  summaries: string[];
  /** The negative issues of the previous week's report (none without one). */
  previousIssues: string[];
};

/** The week before, and the starts of the 4- and 12-week windows (all ending where `week` starts). */
export type Before = { previous: Week; four: Date; twelve: Date };

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const r2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

type Row = {
  name: string | null;
  departments: unknown;
  count: number;
  avg: string | null;
  fraud: number;
  attempted: number;
  answered: number;
  completed: number;
  verifications: number;
  sek: string | null;
  depts: Array<{ dept: string; mentions: number; avg: number | null; negative: number | null }>;
  themes: Array<{ theme: string; count: number }>;
  sentiment: Array<{ sentiment: string; count: number }>;
  c1: number;
  a1: string | null;
  c4: number;
  a4: string | null;
  c12: number;
  a12: string | null;
  summaries: string[];
  previous_issues: string[] | null;
};

/** Everything a report is built from, or null when the store does not exist. */
export async function loadReportInputs(sql: Sql, storeId: string, w: Week, before: Before, summaries: number): Promise<ReportInputs | null> {
  const [r] = await sql<Row[]>`
    with ws as materialized (
      select s.retry_count, s.session_status,
             exists (select 1 from call_attempts a where a.call_session_id = s.id and a.outcome = 'answered') as answered,
             q.call_session_id is not null as graded, q.overall_quality_score, q.is_fraudulent, q.sentiment, q.themes,
             q.department_mentions, q.analysis_summary, q.usefulness_score, q.created_at as graded_at
      from feedback_call_sessions s left join quality_assessments q on q.call_session_id = s.id
      where s.store_id = ${storeId} and s.created_at >= ${w.start} and s.created_at < ${w.end}
    ), hist as (
      select s.created_at, q.overall_quality_score
      from feedback_call_sessions s join quality_assessments q on q.call_session_id = s.id
      where s.store_id = ${storeId} and s.created_at >= ${before.twelve} and s.created_at < ${w.start}
    )
    select st.name, st.departments, t.*, h.*,
      (select count(*)::int from customer_verifications v
        where v.store_id = ${storeId} and v.created_at >= ${w.start} and v.created_at < ${w.end}) as verifications,
      (select sum(amount_sek) from rewards
        where store_id = ${storeId} and created_at >= ${w.start} and created_at < ${w.end} and state <> 'reversed') as sek,
      (select coalesce(json_agg(d), '[]') from (
        select d.dept, count(*)::int as mentions, avg(ws.overall_quality_score) as avg, avg((ws.sentiment = 'negative')::int) as negative
        from ws cross join lateral jsonb_array_elements_text(ws.department_mentions) as d(dept)
        where ws.graded group by d.dept order by mentions desc limit 30) d) as depts,
      (select coalesce(json_agg(x order by x.count desc, x.theme), '[]') from (
        select lower(t.theme) as theme, count(*)::int as count
        from ws cross join lateral jsonb_array_elements_text(ws.themes) as t(theme)
        where ws.graded group by 1 order by count desc, theme limit 15) x) as themes,
      (select coalesce(json_agg(x), '[]') from (
        select coalesce(ws.sentiment, 'unknown') as sentiment, count(*)::int as count from ws where ws.graded group by 1) x) as sentiment,
      (select coalesce(json_agg(x.analysis_summary order by x.usefulness_score desc nulls last, x.graded_at desc), '[]') from (
        select ws.analysis_summary, ws.usefulness_score, ws.graded_at from ws
        where ws.graded and ws.analysis_summary is not null and not ws.is_fraudulent
        order by ws.usefulness_score desc nulls last, ws.graded_at desc limit ${summaries}) x) as summaries,
      (select negative_issues from weekly_analysis_reports
        where store_id = ${storeId} and analysis_week = ${before.previous.monday}) as previous_issues
    from (select s.name, p.departments from stores s left join business_context_profiles p on p.store_id = s.id where s.id = ${storeId}) st
    cross join (
      select count(*) filter (where graded)::int as count, avg(overall_quality_score) as avg,
             count(*) filter (where is_fraudulent)::int as fraud, count(*) filter (where retry_count > 0)::int as attempted,
             count(*) filter (where answered)::int as answered, count(*) filter (where session_status = 'completed')::int as completed
      from ws) t
    cross join (
      select count(*) filter (where created_at >= ${before.previous.start})::int as c1,
             avg(overall_quality_score) filter (where created_at >= ${before.previous.start}) as a1,
             count(*) filter (where created_at >= ${before.four})::int as c4,
             avg(overall_quality_score) filter (where created_at >= ${before.four}) as a4,
             count(*)::int as c12, avg(overall_quality_score) as a12
      from hist) h`;
  if (!r) return null;
  const window = (count: number, avg: string | null, weeks: number): Window => ({ count: r2(count / weeks) ?? 0, avgQuality: r2(n(avg)) });
  return {
    store: { name: r.name ?? '', departments: r.departments },
    figures: {
      feedbackCount: r.count,
      avgQuality: r2(n(r.avg)),
      fraudCount: r.fraud,
      funnel: {
        verifications: r.verifications,
        attempted: r.attempted,
        answered: r.answered,
        completed: r.completed,
        answer_rate: r.attempted > 0 ? r2(r.answered / r.attempted) : null,
        completion_rate: r.attempted > 0 ? r2(r.completed / r.attempted) : null,
      },
      rewardsSek: Number(r.sek ?? 0),
      // department names and themes come from the model's reading of calls: shown to the business, scrubbed
      departments: Object.fromEntries(
        r.depts.map((d) => [scrubForBusiness(d.dept), { mentions: d.mentions, average_quality: r2(n(d.avg)), negative_share: r2(Number(d.negative)) ?? 0 }]),
      ),
      themes: r.themes.map((t) => ({ theme: scrubForBusiness(t.theme), count: t.count })),
      sentiment: Object.fromEntries(r.sentiment.map((s) => [s.sentiment, s.count])),
    },
    windows: { previous: window(r.c1, r.a1, 1), four: window(r.c4, r.a4, 4), twelve: window(r.c12, r.a12, 12) },
    summaries: r.summaries,
    previousIssues: r.previous_issues ?? [],
  };
}
