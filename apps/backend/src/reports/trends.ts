import type { ThemeTrend, TrendsQuery, TrendsResponse, TrendWeek } from '@samtal/types';
import { DateTime } from 'luxon';
import type { Deps } from '../deps';
import type { BusinessPrincipal } from '../http/business-auth';
import { scrubForBusiness } from '../observability/mask';
import { storesInScope } from './scope';

/**
 * GET /api/ai/business/trends: per store, a series of ISO weeks (Monday–Sunday in TZ_CALLS,
 * Europe/Stockholm by default — the weeks of the weekly reports), oldest first, ending with the
 * current, still running week. A week holds the call sessions *created* in it (as the reports
 * count them): calls, completed, completion rate = completed / calls, graded feedback and its
 * average overall quality (every grade, as the report's average), sentiment counts and themes
 * rising/falling against the mean of the 4 weeks before.
 */

type Ctx = Pick<Deps, 'sql' | 'config' | 'clock'>;

/** Weeks before a week that its theme counts are compared with. */
export const THEME_BASELINE_WEEKS = 4;
/** A theme rises/falls when this week's count differs from the baseline mean by at least this. */
export const THEME_MIN_CHANGE = 1;
/** Rising and falling themes listed per week, at most. */
export const THEME_TREND_LIMIT = 5;

const r2 = (v: number) => Math.round(v * 100) / 100;
const SENTIMENTS = ['positive', 'neutral', 'negative', 'mixed', 'unknown'] as const;

type SessionRow = { store_id: string; week: string; calls: number; completed: number };
type GradeRow = { store_id: string; week: string; graded: number; avg: string | null } & Record<(typeof SENTIMENTS)[number], number>;
type ThemeRow = { store_id: string; week: string; theme: string; n: number };

/** Theme counts of `week` against the mean of the THEME_BASELINE_WEEKS before it. */
export function themeTrends(
  counts: Map<string, Map<string, number>>,
  weekIndex: Map<string, number>,
  mondays: string[],
  week: string,
): { rising: ThemeTrend[]; falling: ThemeTrend[] } {
  const i = weekIndex.get(week) ?? 0;
  const baselineWeeks = mondays.slice(Math.max(0, i - THEME_BASELINE_WEEKS), i);
  const current = counts.get(week) ?? new Map<string, number>();
  const themes = new Set(current.keys());
  for (const w of baselineWeeks) for (const t of counts.get(w)?.keys() ?? []) themes.add(t);
  const trends: ThemeTrend[] = [...themes].map((theme) => {
    const count = current.get(theme) ?? 0;
    const before = baselineWeeks.reduce((a, w) => a + (counts.get(w)?.get(theme) ?? 0), 0);
    const baseline = r2(before / THEME_BASELINE_WEEKS);
    return { theme: scrubForBusiness(theme), count, baseline_average: baseline, change: r2(count - baseline) };
  });
  const byName = (a: ThemeTrend, b: ThemeTrend) => (a.theme < b.theme ? -1 : a.theme > b.theme ? 1 : 0);
  return {
    rising: trends
      .filter((t) => t.change >= THEME_MIN_CHANGE)
      .sort((a, b) => b.change - a.change || b.count - a.count || byName(a, b))
      .slice(0, THEME_TREND_LIMIT),
    falling: trends
      .filter((t) => t.change <= -THEME_MIN_CHANGE)
      .sort((a, b) => a.change - b.change || byName(a, b))
      .slice(0, THEME_TREND_LIMIT),
  };
}

export async function getTrends(ctx: Ctx, who: BusinessPrincipal, q: TrendsQuery): Promise<TrendsResponse> {
  const { sql } = ctx;
  const tz = ctx.config.TZ_CALLS;
  const now = ctx.clock();
  const stores = await storesInScope(sql, who, q.store_id);
  const thisMonday = DateTime.fromJSDate(now, { zone: tz }).startOf('week');
  // the series plus the baseline weeks of its first week, oldest first
  const all = Array.from({ length: q.weeks + THEME_BASELINE_WEEKS }, (_, k) =>
    thisMonday.minus({ weeks: q.weeks + THEME_BASELINE_WEEKS - 1 - k }),
  );
  const mondays = all.map((d) => d.toISODate()!);
  const weekIndex = new Map(mondays.map((m, i) => [m, i]));
  const from = all[0]!.toJSDate();
  const seriesFrom = all[THEME_BASELINE_WEEKS]!.toJSDate();
  const ids = stores.map((s) => s.id);
  const week = sql`(date_trunc('week', s.created_at at time zone ${tz}))::date::text`;

  const [sessions, grades, themes] =
    ids.length === 0
      ? [[], [], []]
      : await Promise.all([
          sql<SessionRow[]>`
            select s.store_id, ${week} as week, count(*)::int as calls,
                   count(*) filter (where s.session_status = 'completed')::int as completed
            from feedback_call_sessions s join stores st on st.id = s.store_id
            where st.business_id = any(${who.businessIds}) and s.store_id = any(${ids})
              and s.created_at >= ${seriesFrom} and s.created_at <= ${now}
            group by 1, 2`,
          sql<GradeRow[]>`
            select s.store_id, ${week} as week, count(*)::int as graded, avg(qa.overall_quality_score) as avg,
                   count(*) filter (where qa.sentiment = 'positive')::int as positive,
                   count(*) filter (where qa.sentiment = 'neutral')::int as neutral,
                   count(*) filter (where qa.sentiment = 'negative')::int as negative,
                   count(*) filter (where qa.sentiment = 'mixed')::int as mixed,
                   count(*) filter (where qa.sentiment is null)::int as unknown
            from quality_assessments qa
            join feedback_call_sessions s on s.id = qa.call_session_id
            join stores st on st.id = s.store_id
            where st.business_id = any(${who.businessIds}) and s.store_id = any(${ids})
              and s.created_at >= ${seriesFrom} and s.created_at <= ${now}
            group by 1, 2`,
          sql<ThemeRow[]>`
            select s.store_id, ${week} as week, t.theme, count(distinct qa.id)::int as n
            from quality_assessments qa
            join feedback_call_sessions s on s.id = qa.call_session_id
            join stores st on st.id = s.store_id
            cross join lateral (
              select distinct lower(btrim(e.v #>> '{}')) as theme
              from jsonb_array_elements(case jsonb_typeof(qa.themes) when 'array' then qa.themes else '[]'::jsonb end) e(v)
              where jsonb_typeof(e.v) = 'string' and btrim(e.v #>> '{}') <> '') t
            where st.business_id = any(${who.businessIds}) and s.store_id = any(${ids})
              and s.created_at >= ${from} and s.created_at <= ${now}
            group by 1, 2, 3`,
        ]);

  const key = (store: string, w: string) => `${store}|${w}`;
  const sessionsBy = new Map(sessions.map((r) => [key(r.store_id, r.week), r]));
  const gradesBy = new Map(grades.map((r) => [key(r.store_id, r.week), r]));
  const themesBy = new Map<string, Map<string, Map<string, number>>>();
  for (const t of themes) {
    const perStore = themesBy.get(t.store_id) ?? new Map<string, Map<string, number>>();
    themesBy.set(t.store_id, perStore);
    const perWeek = perStore.get(t.week) ?? new Map<string, number>();
    perStore.set(t.week, perWeek);
    perWeek.set(t.theme, t.n);
  }

  const series = mondays.slice(THEME_BASELINE_WEEKS);
  const current = mondays.at(-1);
  return {
    time_zone: tz,
    weeks: q.weeks,
    generated_at: now.toISOString(),
    stores: stores.map((store) => ({
      store_id: store.id,
      store_name: store.name,
      weeks: series.map((monday): TrendWeek => {
        const s = sessionsBy.get(key(store.id, monday));
        const g = gradesBy.get(key(store.id, monday));
        const calls = s?.calls ?? 0;
        const completed = s?.completed ?? 0;
        const avg = g?.avg ?? null;
        const sentiment = Object.fromEntries(SENTIMENTS.map((k) => [k, g?.[k] ?? 0])) as TrendWeek['sentiment'];
        const { rising, falling } = themeTrends(themesBy.get(store.id) ?? new Map(), weekIndex, mondays, monday);
        const dt = DateTime.fromISO(monday, { zone: tz });
        return {
          week_start: monday,
          iso_week: `${dt.weekYear}-W${String(dt.weekNumber).padStart(2, '0')}`,
          is_partial: monday === current,
          calls,
          completed,
          completion_rate: calls > 0 ? r2(completed / calls) : null,
          feedback_count: g?.graded ?? 0,
          average_quality: avg === null ? null : r2(Number(avg)),
          sentiment,
          themes_rising: rising,
          themes_falling: falling,
        };
      }),
    })),
  };
}
