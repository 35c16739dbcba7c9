import { createHash } from 'node:crypto';
import type { ContextGap, Recommendation, RecommendationsQuery, RecommendationsResponse } from '@samtal/types';
import { DateTime } from 'luxon';
import type postgres from 'postgres';
import type { Deps } from '../deps';
import type { BusinessPrincipal } from '../http/business-auth';
import { scrubForBusiness } from '../observability/mask';
import { storesInScope } from './scope';

/**
 * GET /api/ai/business/recommendations, from three sources per store:
 * - the latest weekly report's `actionable_recommendations` (strings or {title, description,
 *   priority, departments} objects — read tolerantly, whatever their shape);
 * - recent feedback (`days`, default 28): actionable items said again and again, and themes of
 *   negative/mixed feedback that recur — counted as supporting_feedback_count, prioritised by
 *   frequency and negativity (`feedbackPriority`). Fraud-flagged feedback and feedback whose text
 *   was removed are not used.
 * - the context profile: below CONTEXT_COMPLETENESS_THRESHOLD the store's *first* recommendation
 *   says the conversations can't ask good questions and names what to add (DESIGN §6).
 */

type Ctx = Pick<Deps, 'sql' | 'clock'>;
type Priority = Recommendation['priority'];
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** `context_completeness_score` below this: the profile is too thin to ask good questions. */
export const CONTEXT_COMPLETENESS_THRESHOLD = 0.5;
/** Fewer departments than this counts as "few departments". */
export const MIN_CONTEXT_DEPARTMENTS = 3;
/** A negative theme becomes a recommendation from this many feedbacks on. */
export const MIN_RECURRING_ISSUE_SUPPORT = 2;
/** Recommendations read from one report, at most. */
export const MAX_REPORT_RECOMMENDATIONS = 5;

const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };
const GAP_TEXT: Record<ContextGap, string> = {
  custom_questions: 'egna frågor som samtalen ska ställa (frågekonfigurationen saknar frågor)',
  departments: `butikens avdelningar (minst ${MIN_CONTEXT_DEPARTMENTS})`,
  baseline_facts: 'grundfakta om butiken, t.ex. vad den inte säljer (behövs för att upptäcka påhittad feedback)',
  operating_hours: 'öppettider per veckodag',
};

/** Frequency × (1 + negative share; mixed counts half): ≥ 5 high, ≥ 2 medium, else low. */
export function feedbackPriority(count: number, negative: number, mixed: number): Priority {
  const negativeShare = count > 0 ? (negative + mixed / 2) / count : 0;
  const score = count * (1 + negativeShare);
  return score >= 5 ? 'high' : score >= 2 ? 'medium' : 'low';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? scrubForBusiness(v.replace(/\s+/g, ' ').trim()) : undefined);
const textList = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).map(text).filter((s): s is string => s !== undefined);
const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);
const capitalize = (s: string) => s.charAt(0).toLocaleUpperCase('sv-SE') + s.slice(1);
const idOf = (...parts: string[]) => `rec_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a profile lacks, from its jsonb (tolerant of any shape; no profile lacks everything). */
export function contextGaps(profile: {
  operating_hours: unknown;
  departments: unknown;
  question_configuration: unknown;
  baseline_facts: unknown;
} | null): ContextGap[] {
  if (!profile) return ['custom_questions', 'departments', 'baseline_facts', 'operating_hours'];
  const gaps: ContextGap[] = [];
  const qc = profile.question_configuration;
  const questions = isObject(qc) ? (qc.custom_questions ?? qc.questions) : undefined;
  if (!Array.isArray(questions) || questions.length === 0) gaps.push('custom_questions');
  if (!Array.isArray(profile.departments) || profile.departments.length < MIN_CONTEXT_DEPARTMENTS) gaps.push('departments');
  if (!Array.isArray(profile.baseline_facts) || profile.baseline_facts.length === 0) gaps.push('baseline_facts');
  const hours = profile.operating_hours;
  const hasHours = isObject(hours) && Object.values(hours).some((d) => isObject(d) && typeof d.open === 'string' && typeof d.close === 'string');
  if (!hasHours) gaps.push('operating_hours');
  return gaps;
}

type ReportAdvice = { title: string; description: string; priority: Priority; departments: string[] };

/** One report's advice, whatever the jsonb holds: strings, objects, or an object wrapping a list. */
export function readReportAdvice(value: unknown): ReportAdvice[] {
  const list = Array.isArray(value) ? value : isObject(value) ? (Object.values(value).find(Array.isArray) ?? [value]) : [];
  const out: ReportAdvice[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      const t = text(item);
      if (t) out.push({ title: truncate(t, 120), description: t, priority: 'medium', departments: [] });
      continue;
    }
    if (!isObject(item)) continue;
    const description = text(item.description) ?? text(item.details) ?? text(item.text);
    const title = text(item.title) ?? text(item.recommendation) ?? (description ? truncate(description, 120) : undefined);
    if (!title) continue;
    const p = typeof item.priority === 'string' ? item.priority.toLowerCase() : '';
    out.push({
      title: truncate(title, 200),
      description: description ?? title,
      priority: p === 'high' || p === 'medium' || p === 'low' ? p : 'medium',
      departments: textList(item.departments ?? item.departments_involved ?? item.department),
    });
  }
  return out.slice(0, MAX_REPORT_RECOMMENDATIONS);
}

/** The most mentioned departments across grouped feedback's `department_mentions` arrays. */
function topDepartments(lists: unknown, n = 3): string[] {
  const counts = new Map<string, number>();
  for (const list of Array.isArray(lists) ? lists : []) {
    for (const d of new Set(textList(list).map((s) => s.toLocaleLowerCase('sv-SE')))) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([d]) => d);
}

type StoreRow = {
  id: string;
  name: string;
  has_profile: boolean;
  score: string | null;
  operating_hours: unknown;
  departments: unknown;
  question_configuration: unknown;
  baseline_facts: unknown;
};
type ReportRow = { id: string; store_id: string; week: string; feedback: number; advice: unknown };
type GroupRow = { store_id: string; key: string; label: string; n: number; negative: number; mixed: number; departments: unknown };

export async function getRecommendations(ctx: Ctx, who: BusinessPrincipal, q: RecommendationsQuery): Promise<RecommendationsResponse> {
  const { sql } = ctx;
  const now = ctx.clock();
  const since = new Date(now.getTime() - q.days * 86_400_000);
  const sinceDay = DateTime.fromJSDate(since, { zone: 'utc' }).toISODate()!;
  const scoped = await storesInScope(sql, who, q.store_id);
  const ids = scoped.map((s) => s.id);
  if (ids.length === 0) return { recommendations: [], total: 0, lookback_days: q.days, generated_at: now.toISOString() };

  /** Recent genuine feedback of the stores in scope, with `lateral` joined to each assessment. */
  const recent = (lateral: Fragment, extra: Fragment = sql``) => sql`
    from quality_assessments qa
    join feedback_call_sessions s on s.id = qa.call_session_id
    join stores st on st.id = s.store_id
    cross join lateral (${lateral}) i
    where st.business_id = any(${who.businessIds}) and s.store_id = any(${ids})
      and s.created_at >= ${since} and s.created_at <= ${now}
      and not qa.is_fraudulent and qa.text_removed_at is null ${extra}`;
  const [stores, reports, items, issues] = await Promise.all([
    sql<StoreRow[]>`
      select st.id, st.name, p.id is not null as has_profile, p.context_completeness_score as score,
             p.operating_hours, p.departments, p.question_configuration, p.baseline_facts
      from stores st left join business_context_profiles p on p.store_id = st.id
      where st.business_id = any(${who.businessIds}) and st.id = any(${ids})
      order by st.name, st.id`,
    sql<ReportRow[]>`
      select distinct on (r.store_id) r.id, r.store_id, r.analysis_week::text as week,
             r.total_feedback_count as feedback, r.actionable_recommendations as advice
      from weekly_analysis_reports r join stores st on st.id = r.store_id
      where st.business_id = any(${who.businessIds}) and r.store_id = any(${ids})
      order by r.store_id, r.analysis_week desc`,
    sql<GroupRow[]>`
      select s.store_id, i.key, mode() within group (order by i.item) as label, count(distinct qa.id)::int as n,
             count(distinct qa.id) filter (where qa.sentiment = 'negative')::int as negative,
             count(distinct qa.id) filter (where qa.sentiment = 'mixed')::int as mixed,
             jsonb_agg(qa.department_mentions) as departments
      ${recent(sql`
        select lower(x.item) as key, min(x.item) as item
        from (
          select btrim(regexp_replace(coalesce(case jsonb_typeof(e.v)
                   when 'string' then e.v #>> '{}'
                   when 'object' then coalesce(e.v ->> 'title', e.v ->> 'description', e.v ->> 'text') end, ''), '\\s+', ' ', 'g'), ' .!?') as item
          from jsonb_array_elements(case jsonb_typeof(qa.business_actionable_items)
                 when 'array' then qa.business_actionable_items else '[]'::jsonb end) e(v)) x
        where x.item <> '' group by 1`)}
      group by 1, 2`,
    sql<GroupRow[]>`
      select s.store_id, i.key, min(i.key) as label, count(distinct qa.id)::int as n,
             count(distinct qa.id) filter (where qa.sentiment = 'negative')::int as negative,
             count(distinct qa.id) filter (where qa.sentiment = 'mixed')::int as mixed,
             jsonb_agg(qa.department_mentions) as departments
      ${recent(
        sql`
        select distinct lower(btrim(e.v #>> '{}')) as key
        from jsonb_array_elements(case jsonb_typeof(qa.themes) when 'array' then qa.themes else '[]'::jsonb end) e(v)
        where jsonb_typeof(e.v) = 'string' and btrim(e.v #>> '{}') <> ''`,
        sql`and qa.sentiment in ('negative', 'mixed')`,
      )}
      group by 1, 2
      having count(distinct qa.id) >= ${MIN_RECURRING_ISSUE_SUPPORT}`,
  ]);

  const names = new Map(stores.map((s) => [s.id, s.name]));
  const contextFirst: Recommendation[] = [];
  const rest: Recommendation[] = [];

  for (const st of stores) {
    const completeness = st.has_profile ? Number(st.score ?? 0) : 0;
    if (completeness >= CONTEXT_COMPLETENESS_THRESHOLD) continue;
    const missing = contextGaps(st.has_profile ? st : null);
    const what = missing.length > 0 ? `Lägg till: ${missing.map((g) => GAP_TEXT[g]).join('; ')}.` : 'Gå igenom och komplettera profilen.';
    contextFirst.push({
      recommendation_id: idOf(st.id, 'context_profile'),
      store_id: st.id,
      store_name: st.name,
      category: 'context_profile',
      title: 'Komplettera butikens kontextprofil',
      description:
        `Kontextprofilen för ${st.name} är bara ${Math.round(completeness * 100)} % komplett, så samtalen kan inte ställa ` +
        `bra frågor om butiken. ${what}`,
      priority: 'high',
      departments_involved: [],
      supporting_feedback_count: 0,
      negative_feedback_count: 0,
      source: { kind: 'context_profile', completeness_score: completeness, missing },
    });
  }

  for (const r of reports) {
    for (const advice of readReportAdvice(r.advice)) {
      rest.push({
        recommendation_id: idOf(r.store_id, 'weekly_report', r.week, advice.title),
        store_id: r.store_id,
        store_name: names.get(r.store_id) ?? '',
        category: 'weekly_report',
        title: advice.title,
        description: advice.description,
        priority: advice.priority,
        departments_involved: advice.departments,
        supporting_feedback_count: r.feedback,
        negative_feedback_count: 0,
        source: { kind: 'weekly_report', report_id: r.id, analysis_week: r.week },
      });
    }
  }

  const lastDays = `de senaste ${q.days} dagarna`;
  for (const g of items) {
    const label = text(g.label) ?? g.key;
    const negative = g.negative + g.mixed;
    rest.push({
      recommendation_id: idOf(g.store_id, 'customer_feedback', g.key),
      store_id: g.store_id,
      store_name: names.get(g.store_id) ?? '',
      category: 'customer_feedback',
      title: truncate(capitalize(label), 120),
      description:
        `${plural(g.n, 'kund har', 'kunder har')} ${lastDays} tagit upp: "${truncate(label, 300)}"` +
        `${negative === 0 ? '' : g.n === 1 ? ' (negativt eller blandat)' : ` (${negative} av dem negativa eller blandade)`}.`,
      priority: feedbackPriority(g.n, g.negative, g.mixed),
      departments_involved: topDepartments(g.departments),
      supporting_feedback_count: g.n,
      negative_feedback_count: negative,
      source: { kind: 'feedback', since: sinceDay },
    });
  }

  for (const g of issues) {
    const theme = text(g.label) ?? g.key;
    rest.push({
      recommendation_id: idOf(g.store_id, 'recurring_issue', g.key),
      store_id: g.store_id,
      store_name: names.get(g.store_id) ?? '',
      category: 'recurring_issue',
      title: truncate(`Återkommande klagomål: ${theme}`, 120),
      description:
        `${plural(g.n, 'negativ eller blandad återkoppling', 'negativa eller blandade återkopplingar')} ${lastDays} ` +
        `handlar om "${truncate(theme, 100)}". Ta reda på orsaken och följ upp i nästa veckorapport.`,
      priority: feedbackPriority(g.n, g.negative, g.mixed),
      departments_involved: topDepartments(g.departments),
      supporting_feedback_count: g.n,
      negative_feedback_count: g.n,
      source: { kind: 'feedback', since: sinceDay },
    });
  }

  contextFirst.sort((a, b) => sourceScore(a) - sourceScore(b) || a.store_name.localeCompare(b.store_name, 'sv'));
  rest.sort(
    (a, b) =>
      PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
      b.supporting_feedback_count - a.supporting_feedback_count ||
      b.negative_feedback_count - a.negative_feedback_count ||
      a.title.localeCompare(b.title, 'sv') ||
      a.recommendation_id.localeCompare(b.recommendation_id),
  );
  const all = [...contextFirst, ...rest];
  return { recommendations: all.slice(0, q.max_results), total: all.length, lookback_days: q.days, generated_at: now.toISOString() };
}

const sourceScore = (r: Recommendation) => (r.source.kind === 'context_profile' ? r.source.completeness_score : 1);
