import { z } from 'zod';
import { beforeYear9999, fromMinYear } from './domain';

/** Weekly reports (seed system's report shape, DESIGN §3 and §7). */

/** A calendar day `YYYY-MM-DD` from the year 1900 on (2026-02-30 and 0000-01-01 are refused, not passed to Postgres). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return true; // named by the regex already
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && fromMinYear(d.getUTCFullYear());
  }, 'expected a calendar date from 1900-01-01 on');

export const GenerateReportRequest = z.object({
  store_id: z.uuid(),
  /** The Monday of the week; defaults to last week (the latest complete one). */
  analysis_week: IsoDate.refine(beforeYear9999, 'expected a week before the year 9999').optional(),
  /** Rebuild even if the store-week already has a report. */
  force: z.boolean().optional(),
});
export type GenerateReportRequest = z.infer<typeof GenerateReportRequest>;

export const ReportRecommendation = z.object({
  title: z.string(),
  description: z.string(),
  priority: z.enum(['high', 'medium', 'low']),
  departments: z.array(z.string()),
});

export const WeeklyReport = z.object({
  report_id: z.uuid(),
  store_id: z.uuid(),
  analysis_week: IsoDate,
  total_feedback_count: z.number().int(),
  average_quality_score: z.number().nullable(),
  positive_trends: z.array(z.string()),
  negative_issues: z.array(z.string()),
  new_issues: z.array(z.string()),
  department_insights: z.record(z.string(), z.object({ mentions: z.number(), average_quality: z.number().nullable(), negative_share: z.number() })),
  historical_comparison: z.object({
    previous_week: z.object({ feedback_count: z.number(), average_quality: z.number().nullable() }),
    four_week_average: z.object({ feedback_count: z.number(), average_quality: z.number().nullable() }),
    twelve_week_average: z.object({ feedback_count: z.number(), average_quality: z.number().nullable() }),
  }),
  predictive_insights: z.array(z.string()),
  actionable_recommendations: z.array(ReportRecommendation),
  report_metadata: z.record(z.string(), z.unknown()),
  generated_at: z.iso.datetime(),
});
export type WeeklyReport = z.infer<typeof WeeklyReport>;

export const ReportParams = z.object({ report_id: z.uuid() });

export const ListReportsQuery = z.object({
  store_id: z.uuid().optional(),
  start_date: IsoDate.optional(),
  end_date: IsoDate.optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

export const ListReportsResponse = z.object({
  reports: z.array(WeeklyReport),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
});
