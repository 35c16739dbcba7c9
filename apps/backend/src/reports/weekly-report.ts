import type { WeeklyReport } from '@samtal/types';
import type { Deps } from '../deps';
import { notFound } from '../http/errors';
import { loadReportInputs } from './report-figures';
import { REPORT_PROMPT_VERSION, type ReportProse, writeReportProse } from './report-prose';
import { type ReportRow, toReport, upsertReport } from './reports.repo';
import { lastCompleteWeek, type Week, weekOf, weeksBefore } from './week';

/**
 * Builds (or rebuilds) one store's report for one week and upserts it on (store, week), so any
 * number of jobs or requests for the same store-week leave exactly one report.
 */

/** How many summaries the model reads: the most useful ones; the rest are in the figures. */
export const SUMMARIES_FOR_PROSE = 150;

type Ctx = Pick<Deps, 'sql' | 'openai' | 'config' | 'log' | 'clock'>;

const EMPTY_PROSE: ReportProse = { positive_trends: [], negative_issues: [], actionable_recommendations: [], predictive_insights: [] };

const normalise = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N} ]/gu, '').split(/\s+/).filter((w) => w.length > 2);
/** Two issue lines are the same issue when most of their words are (Jaccard ≥ 0.5). */
export function sameIssue(a: string, b: string): boolean {
  const x = new Set(normalise(a));
  const y = new Set(normalise(b));
  const inter = [...x].filter((w) => y.has(w)).length;
  const union = new Set([...x, ...y]).size;
  return union > 0 && inter / union >= 0.5;
}

export async function buildWeeklyReport(ctx: Ctx, storeId: string, week: Week): Promise<ReportRow> {
  const started = performance.now();
  const tz = ctx.config.TZ_CALLS;
  const before = { previous: weeksBefore(week, 1, tz), four: weeksBefore(week, 4, tz).start, twelve: weeksBefore(week, 12, tz).start };
  const inputs = await loadReportInputs(ctx.sql, storeId, week, before, SUMMARIES_FOR_PROSE);
  if (!inputs) throw notFound('store', storeId);
  const { store, figures, windows, summaries } = inputs;
  let prose = EMPTY_PROSE;
  let model: string | null = null;
  let tokens = 0;
  if (figures.feedbackCount > 0) {
    const departments = Array.isArray(store.departments) ? (store.departments as string[]) : [];
    ({ prose, model, tokens } = await writeReportProse(ctx, { storeName: store.name, departments, week: week.isoWeek, figures, summaries }));
  }
  const newIssues = prose.negative_issues.filter((i) => !inputs.previousIssues.some((b) => sameIssue(i, b)));
  const row = await upsertReport(ctx.sql, {
    store_id: storeId,
    analysis_week: week.monday,
    total_feedback_count: figures.feedbackCount,
    average_quality_score: figures.avgQuality,
    positive_trends: prose.positive_trends,
    negative_issues: prose.negative_issues,
    new_issues: newIssues,
    department_insights: figures.departments,
    historical_comparison: {
      previous_week: { feedback_count: windows.previous.count, average_quality: windows.previous.avgQuality },
      four_week_average: { feedback_count: windows.four.count, average_quality: windows.four.avgQuality },
      twelve_week_average: { feedback_count: windows.twelve.count, average_quality: windows.twelve.avgQuality },
    },
    predictive_insights: prose.predictive_insights,
    actionable_recommendations: prose.actionable_recommendations,
    report_metadata: {
      iso_week: week.isoWeek,
      funnel: figures.funnel,
      rewards_total_sek: figures.rewardsSek,
      fraud_count: figures.fraudCount,
      sentiment: figures.sentiment,
      top_themes: figures.themes,
      model,
      prompt_version: REPORT_PROMPT_VERSION,
      tokens,
      build_ms: Math.round(performance.now() - started),
    },
  });
  ctx.log.info('weekly report built', { storeId, week: week.isoWeek, feedback: figures.feedbackCount, ms: Math.round(performance.now() - started) });
  return row;
}

/** POST …/reports/generate: idempotent per store-week unless `force`. */
export async function generateReport(
  ctx: Ctx,
  businessIds: string[],
  req: { store_id: string; analysis_week?: string; force?: boolean },
): Promise<{ report: WeeklyReport; created: boolean }> {
  const [store] = await ctx.sql<{ id: string }[]>`select id from stores where id = ${req.store_id} and business_id = any(${businessIds})`;
  if (!store) throw notFound('store', req.store_id);
  const week = req.analysis_week ? weekOf(req.analysis_week, ctx.config.TZ_CALLS) : lastCompleteWeek(ctx.clock(), ctx.config.TZ_CALLS);
  if (!req.force) {
    const [existing] = await ctx.sql<ReportRow[]>`
      select * from weekly_analysis_reports where store_id = ${req.store_id} and analysis_week = ${week.monday}`;
    if (existing) return { report: toReport(existing), created: false };
  }
  return { report: toReport(await buildWeeklyReport(ctx, req.store_id, week)), created: true };
}
