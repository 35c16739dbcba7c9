import type { WeeklyReport } from '@samtal/types';
import type { Deps } from '../deps';
import { notFound } from '../http/errors';
import { weekFigures, weekSummaries, windowFigures } from './report-figures';
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
  const [store] = await ctx.sql<{ name: string; departments: unknown }[]>`
    select s.name, p.departments from stores s left join business_context_profiles p on p.store_id = s.id where s.id = ${storeId}`;
  if (!store) throw notFound('store', storeId);
  const tz = ctx.config.TZ_CALLS;
  const figures = await weekFigures(ctx.sql, storeId, week);
  const prev = weeksBefore(week, 1, tz);
  const [previous, four, twelve] = await Promise.all([
    windowFigures(ctx.sql, storeId, prev.start, week.start, 1),
    windowFigures(ctx.sql, storeId, weeksBefore(week, 4, tz).start, week.start, 4),
    windowFigures(ctx.sql, storeId, weeksBefore(week, 12, tz).start, week.start, 12),
  ]);
  let prose = EMPTY_PROSE;
  let model: string | null = null;
  let tokens = 0;
  if (figures.feedbackCount > 0) {
    const summaries = await weekSummaries(ctx.sql, storeId, week, SUMMARIES_FOR_PROSE);
    const departments = Array.isArray(store.departments) ? (store.departments as string[]) : [];
    ({ prose, model, tokens } = await writeReportProse(ctx, { storeName: store.name, departments, week: week.isoWeek, figures, summaries }));
  }
  const [before] = await ctx.sql<{ negative_issues: string[] }[]>`
    select negative_issues from weekly_analysis_reports where store_id = ${storeId} and analysis_week = ${prev.monday}`;
  const newIssues = prose.negative_issues.filter((i) => !(before?.negative_issues ?? []).some((b) => sameIssue(i, b)));
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
      previous_week: { feedback_count: previous.count, average_quality: previous.avgQuality },
      four_week_average: { feedback_count: four.count, average_quality: four.avgQuality },
      twelve_week_average: { feedback_count: twelve.count, average_quality: twelve.avgQuality },
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
