import type { WeeklyReport } from '@samtal/types';
import type { Sql } from '../db/client';

export type ReportRow = {
  id: string;
  store_id: string;
  analysis_week: Date | string;
  total_feedback_count: number;
  average_quality_score: string | null;
  positive_trends: string[];
  negative_issues: string[];
  new_issues: string[];
  department_insights: WeeklyReport['department_insights'];
  historical_comparison: WeeklyReport['historical_comparison'];
  predictive_insights: string[];
  actionable_recommendations: WeeklyReport['actionable_recommendations'];
  report_metadata: Record<string, unknown>;
  generated_at: Date;
};

type NewReport = Omit<ReportRow, 'id' | 'generated_at' | 'average_quality_score' | 'analysis_week'> & {
  analysis_week: string;
  average_quality_score: number | null;
};

/** postgres.js reads a `date` as UTC midnight. */
const isoDate = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export function toReport(r: ReportRow): WeeklyReport {
  return {
    report_id: r.id,
    store_id: r.store_id,
    analysis_week: isoDate(r.analysis_week),
    total_feedback_count: r.total_feedback_count,
    average_quality_score: r.average_quality_score === null ? null : Number(r.average_quality_score),
    positive_trends: r.positive_trends,
    negative_issues: r.negative_issues,
    new_issues: r.new_issues,
    department_insights: r.department_insights,
    historical_comparison: r.historical_comparison,
    predictive_insights: r.predictive_insights,
    actionable_recommendations: r.actionable_recommendations,
    report_metadata: r.report_metadata,
    generated_at: r.generated_at.toISOString(),
  };
}

/** The columns of a ReportRow: not `*`, which also carries the search vector (a long text nobody reads here). */
const REPORT_COLUMNS = [
  'id', 'store_id', 'analysis_week', 'total_feedback_count', 'average_quality_score', 'positive_trends', 'negative_issues', 'new_issues',
  'department_insights', 'historical_comparison', 'predictive_insights', 'actionable_recommendations', 'report_metadata', 'generated_at',
] as const satisfies ReadonlyArray<keyof ReportRow>;

/** One report per store and week: a rebuild replaces it. */
export async function upsertReport(sql: Sql, r: NewReport): Promise<ReportRow> {
  const j = (v: unknown) => sql.json(v as Parameters<typeof sql.json>[0]);
  const [row] = await sql<ReportRow[]>`
    insert into weekly_analysis_reports
      (store_id, analysis_week, total_feedback_count, average_quality_score, positive_trends, negative_issues, new_issues,
       department_insights, historical_comparison, predictive_insights, actionable_recommendations, report_metadata, generated_at)
    values (${r.store_id}, ${r.analysis_week}, ${r.total_feedback_count}, ${r.average_quality_score}, ${j(r.positive_trends)},
            ${j(r.negative_issues)}, ${j(r.new_issues)}, ${j(r.department_insights)}, ${j(r.historical_comparison)},
            ${j(r.predictive_insights)}, ${j(r.actionable_recommendations)}, ${j(r.report_metadata)}, now())
    on conflict (store_id, analysis_week) do update set
      total_feedback_count = excluded.total_feedback_count, average_quality_score = excluded.average_quality_score,
      positive_trends = excluded.positive_trends, negative_issues = excluded.negative_issues, new_issues = excluded.new_issues,
      department_insights = excluded.department_insights, historical_comparison = excluded.historical_comparison,
      predictive_insights = excluded.predictive_insights, actionable_recommendations = excluded.actionable_recommendations,
      report_metadata = excluded.report_metadata, generated_at = now()
    returning ${sql(REPORT_COLUMNS)}`;
  return row!;
}

export async function findReport(sql: Sql, businessIds: string[], id: string): Promise<ReportRow | null> {
  const [row] = await sql<ReportRow[]>`
    select r.* from weekly_analysis_reports r join stores s on s.id = r.store_id
    where r.id = ${id} and s.business_id = any(${businessIds})`;
  return row ?? null;
}

export async function listReports(
  sql: Sql,
  businessIds: string[],
  q: { store_id?: string; start_date?: string; end_date?: string; page: number; page_size: number },
): Promise<{ rows: ReportRow[]; total: number }> {
  const where = sql`
    s.business_id = any(${businessIds})
    ${q.store_id ? sql`and r.store_id = ${q.store_id}` : sql``}
    ${q.start_date ? sql`and r.analysis_week >= ${q.start_date}` : sql``}
    ${q.end_date ? sql`and r.analysis_week <= ${q.end_date}` : sql``}`;
  const [count] = await sql<{ n: number }[]>`
    select count(*)::int as n from weekly_analysis_reports r join stores s on s.id = r.store_id where ${where}`;
  const rows = await sql<ReportRow[]>`
    select r.* from weekly_analysis_reports r join stores s on s.id = r.store_id where ${where}
    order by r.analysis_week desc, r.store_id limit ${q.page_size} offset ${(q.page - 1) * q.page_size}`;
  return { rows, total: count!.n };
}
