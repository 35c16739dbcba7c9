import { z } from 'zod';
import { Sentiment } from './analysis';
import { fromMinYear } from './domain';

/**
 * Business insights (DESIGN §3): GET /api/ai/business/search, /trends and /recommendations.
 * Every answer is scoped to the caller's businesses; a `store_id` of another business is a 404.
 * Business users see summaries and aggregates only — never raw transcripts or phone numbers.
 * Query strings are parsed strictly (no silent coercion of '' or '1e3'), so these schemas can be
 * the OpenAPI source as they are.
 */

/** `q` longer than this is refused (400), not truncated. */
export const SEARCH_QUERY_MAX_CHARS = 500;
export const SEARCH_MAX_RESULTS = 100;
export const TRENDS_MAX_WEEKS = 52;
export const RECOMMENDATIONS_MAX_DAYS = 90;

const isCalendarDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** A calendar day `YYYY-MM-DD` (2026-02-30 is refused, not rolled over), from the year 1900 on (0000-01-01 is refused, not passed to Postgres). */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .refine((s) => fromMinYear(Number(s.slice(0, 4))), 'expected a date from the year 1900 on');

/** A whole number in a query string: digits only (the range shows in the OpenAPI description). */
const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ description: `whole number ${min}–${max}` });
const withDefault = (s: ReturnType<typeof queryInt>, value: number) =>
  s.default(value).meta({ description: `${s.meta()?.description ?? ''}, default ${value}` });

/** A score 0–1 in a query string ("0.6", "1", ".5"). */
const queryScore = z
  .string()
  .regex(/^(?:\d+(?:\.\d*)?|\.\d+)$/, 'expected a number between 0 and 1')
  .transform(Number)
  .pipe(z.number().min(0).max(1))
  .meta({ description: 'number 0–1' });

const score = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

// ── search ────────────────────────────────────────────────────────────────────────────────────

/** `feedback` = graded calls' summaries, actionable items and themes; `reports` = weekly reports. */
export const SearchScope = z.enum(['all', 'feedback', 'reports']);
export type SearchScope = z.infer<typeof SearchScope>;

export const BusinessSearchQuery = z
  .object({
    /**
     * Swedish words; `"…"` for a phrase, `-word` to exclude, `or` between alternatives. Each word
     * also matches its definite/plural forms ("kassan" ↔ "kassa", "kassorna").
     */
    q: z
      .string({ error: (i) => (i.input === undefined ? 'q is required: the words to search for' : 'q must be a single string') })
      .trim()
      .min(1, 'q must not be empty: send the words to search for')
      .max(SEARCH_QUERY_MAX_CHARS, `q is too long: at most ${SEARCH_QUERY_MAX_CHARS} characters`),
    store_id: z.uuid().optional(),
    /** Inclusive, in the stores' time zone: feedback by the day of its call, reports by overlapping week. */
    start_date: CalendarDate.optional(),
    end_date: CalendarDate.optional(),
    scope: SearchScope.default('all'),
    /** Feedback: overall quality ≥ this; reports: average quality ≥ this. */
    min_quality: queryScore.optional(),
    /** Feedback only: reports have no sentiment, so this filter leaves them out. */
    sentiment: Sentiment.optional(),
    max_results: withDefault(queryInt(1, SEARCH_MAX_RESULTS), 20),
    /** Results to skip; or `page` (1-based, pages of `max_results`) — not both. */
    offset: queryInt(0, 10_000).optional(),
    page: queryInt(1, 1_000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.start_date && v.end_date && v.start_date > v.end_date) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'end_date is before start_date' });
    }
    if (v.offset !== undefined && v.page !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['page'], message: 'send offset or page, not both' });
    }
  });
export type BusinessSearchQuery = z.infer<typeof BusinessSearchQuery>;

const SearchResultBase = z.object({
  result_id: z.uuid(),
  store_id: z.uuid(),
  store_name: z.string(),
  /**
   * HTML-safe: every character of the source text is HTML-escaped and the only tags are the
   * `<b>…</b>` we put around matched words. Phone numbers are masked.
   */
  snippet: z.string(),
  /** ts_rank normalised to 0–1 (rank / (rank + 1)); results are sorted by it, best first. */
  relevance: score,
  /** Feedback: the day of the call; report: the Monday of its week. */
  date: CalendarDate,
});

export const FeedbackSearchResult = SearchResultBase.extend({
  result_type: z.literal('feedback'),
  quality_score: score.nullable(),
  sentiment: Sentiment.nullable(),
  themes: z.array(z.string()),
});
export type FeedbackSearchResult = z.infer<typeof FeedbackSearchResult>;

export const ReportSearchResult = SearchResultBase.extend({
  result_type: z.literal('report'),
  analysis_week: CalendarDate,
  average_quality_score: score.nullable(),
  total_feedback_count: count,
});
export type ReportSearchResult = z.infer<typeof ReportSearchResult>;

export const SearchResult = z.discriminatedUnion('result_type', [FeedbackSearchResult, ReportSearchResult]);
export type SearchResult = z.infer<typeof SearchResult>;

/** One term of the query as it was searched: the word and the forms it was expanded to. */
export const SearchTerm = z.object({
  text: z.string(),
  kind: z.enum(['word', 'phrase']),
  negated: z.boolean(),
  variants: z.array(z.string()),
});

export const BusinessSearchResponse = z.object({
  results: z.array(SearchResult),
  /** Matches over every page. */
  total_matches: count,
  search_metadata: z.object({
    search_time_ms: z.number().nonnegative(),
    query: z.string(),
    terms: z.array(SearchTerm),
    /** Words past the term limit, too long, or long digit runs (never searched: phone numbers). */
    ignored_words: z.array(z.string()),
    scope: SearchScope,
    offset: count,
    max_results: z.number().int().positive(),
    has_more: z.boolean(),
  }),
});
export type BusinessSearchResponse = z.infer<typeof BusinessSearchResponse>;

// ── trends ────────────────────────────────────────────────────────────────────────────────────

export const TrendsQuery = z.object({
  store_id: z.uuid().optional(),
  /** Weeks in the series, ending with the current (partial) week. */
  weeks: withDefault(queryInt(1, TRENDS_MAX_WEEKS), 12),
});
export type TrendsQuery = z.infer<typeof TrendsQuery>;

export const ThemeTrend = z.object({
  theme: z.string(),
  /** Mentions this week (feedback whose themes include it). */
  count,
  /** Mean weekly mentions over the 4 weeks before. */
  baseline_average: z.number().nonnegative(),
  /** count − baseline_average. */
  change: z.number(),
});
export type ThemeTrend = z.infer<typeof ThemeTrend>;

export const SentimentCounts = z.object({
  positive: count,
  neutral: count,
  negative: count,
  mixed: count,
  unknown: count,
});

export const TrendWeek = z.object({
  /** Monday of the ISO week in the stores' time zone. */
  week_start: CalendarDate,
  iso_week: z.string().regex(/^\d{4}-W\d{2}$/),
  /** The current week, still running. */
  is_partial: z.boolean(),
  /** Call sessions created this week. */
  calls: count,
  completed: count,
  /** completed / calls; null without calls. */
  completion_rate: score.nullable(),
  /** Graded calls (quality assessments) of this week's sessions. */
  feedback_count: count,
  average_quality: score.nullable(),
  sentiment: SentimentCounts,
  themes_rising: z.array(ThemeTrend),
  themes_falling: z.array(ThemeTrend),
});
export type TrendWeek = z.infer<typeof TrendWeek>;

export const StoreTrend = z.object({
  store_id: z.uuid(),
  store_name: z.string(),
  /** Oldest week first. */
  weeks: z.array(TrendWeek),
});

export const TrendsResponse = z.object({
  time_zone: z.string(),
  weeks: z.number().int().positive(),
  stores: z.array(StoreTrend),
  generated_at: z.iso.datetime(),
});
export type TrendsResponse = z.infer<typeof TrendsResponse>;

// ── recommendations ───────────────────────────────────────────────────────────────────────────

export const RecommendationsQuery = z.object({
  store_id: z.uuid().optional(),
  /** How far back recent feedback is read. */
  days: withDefault(queryInt(1, RECOMMENDATIONS_MAX_DAYS), 28),
  max_results: withDefault(queryInt(1, 50), 20),
});
export type RecommendationsQuery = z.infer<typeof RecommendationsQuery>;

/** What a thin context profile lacks. */
export const ContextGap = z.enum(['custom_questions', 'departments', 'baseline_facts', 'operating_hours']);
export type ContextGap = z.infer<typeof ContextGap>;

export const RecommendationCategory = z.enum([
  /** The store's context profile is too thin for good questions: always first. */
  'context_profile',
  /** From the store's latest weekly report. */
  'weekly_report',
  /** Actionable items recurring in recent feedback. */
  'customer_feedback',
  /** A theme recurring in recent negative or mixed feedback. */
  'recurring_issue',
]);
export type RecommendationCategory = z.infer<typeof RecommendationCategory>;

export const RecommendationPriority = z.enum(['high', 'medium', 'low']);

export const RecommendationSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('context_profile'), completeness_score: score, missing: z.array(ContextGap) }),
  z.object({ kind: z.literal('weekly_report'), report_id: z.uuid(), analysis_week: CalendarDate }),
  z.object({ kind: z.literal('feedback'), since: CalendarDate }),
]);

export const Recommendation = z.object({
  /** Stable for the same store and advice (clients may remember dismissals by it). */
  recommendation_id: z.string().regex(/^rec_[0-9a-f]{24}$/),
  store_id: z.uuid(),
  store_name: z.string(),
  category: RecommendationCategory,
  title: z.string(),
  description: z.string(),
  priority: RecommendationPriority,
  departments_involved: z.array(z.string()),
  /** Feedback behind it (for a report: the feedback the report was built from). */
  supporting_feedback_count: count,
  /** Of those, negative or mixed. */
  negative_feedback_count: count,
  source: RecommendationSource,
});
export type Recommendation = z.infer<typeof Recommendation>;

export const RecommendationsResponse = z.object({
  recommendations: z.array(Recommendation),
  /** Before `max_results` was applied. */
  total: count,
  lookback_days: z.number().int().positive(),
  generated_at: z.iso.datetime(),
});
export type RecommendationsResponse = z.infer<typeof RecommendationsResponse>;
