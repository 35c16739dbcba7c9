import type { BusinessSearchQuery, BusinessSearchResponse, SearchResult, Sentiment } from '@samtal/types';
import type postgres from 'postgres';
import type { Deps } from '../deps';
import type { Sql } from '../db/client';
import type { BusinessPrincipal } from '../http/business-auth';
import { scrubForBusiness } from '../observability/mask';
import { storesInScope } from './scope';
import { type ParsedQuery, type ParsedTerm, parseSearchQuery } from './search-query';

/**
 * GET /api/ai/business/search: Swedish full-text search over the caller's feedback (summary,
 * actionable items, themes: `quality_assessments.search_vector`) and weekly reports
 * (`weekly_analysis_reports.search_vector`) — never transcripts.
 *
 * Safety: the query string never becomes SQL or tsquery syntax. It is split here into words
 * (letters/digits only); each word and each of its variants is a bound parameter of
 * `plainto_tsquery('swedish', $n)` (phrases of `phraseto_tsquery`), and the operators between
 * them (`||`, `&&`, `!!`) come from this code.
 *
 * Inflections: PostgreSQL's Swedish snowball stemmer folds plurals ("kassor", "kassorna" → kass)
 * but keeps a definite -n/-t after a vowel and -et ("kassan", "kön", "huset" stay whole), so
 * "kassan" alone would not find "kassa". Each word is therefore ORed with the forms left after
 * stripping a definite/plural suffix (-n -en -et -t -na -rna -erna -arna -orna, and a genitive
 * -s after them) and, for a bare form, with its definite forms (+n after a vowel, +t after -e,
 * +et after a consonant) — see `swedishVariants`. Limits: irregular forms (man → männen,
 * bok → böcker) are not derived; a variant can be another word (kö → kön, "gender"); phrases are
 * matched as written.
 */

type Ctx = Pick<Deps, 'sql' | 'config'>;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** ts_rank weights {D, C, B, A}: feedback's summary is A, its items and themes B (PostgreSQL's defaults). */
const FEEDBACK_WEIGHTS = '{0.1,0.2,0.4,1.0}';
/** Report vectors carry no weights (all D); ranked as if B, like feedback's items and themes. */
const REPORT_WEIGHTS = '{0.4,0.4,0.4,0.4}';
/**
 * ts_rank normalisation 32: rank / (rank + 1) ∈ [0, 1). No length normalisation: summaries are
 * short and alike in length, and a summary that keeps coming back to the words is the better hit.
 */
const RANK_NORMALIZATION = 32;

/** Highlight sentinels from Unicode's private-use area: stripped from the source, escaped around. */
const START = '\uE000';
const STOP = '\uE001';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

/** The tsquery as SQL: operators from here, every piece of text a bound parameter. */
function tsqueryOf(sql: Sql, parsed: ParsedQuery): Fragment {
  const empty = sql`plainto_tsquery('swedish', '')`;
  const any = (parts: Fragment[]) => parts.reduce((a, b) => sql`(${a} || ${b})`);
  const all = (parts: Fragment[]) => parts.reduce((a, b) => sql`(${a} && ${b})`);
  const termSql = (t: ParsedTerm): Fragment => {
    const positive =
      t.kind === 'phrase'
        ? sql`phraseto_tsquery('swedish', ${t.text})`
        : // a stop word ("och", "vid") is dropped whole, as websearch_to_tsquery does, even if a variant is not one
          sql`case when numnode(plainto_tsquery('swedish', ${t.text})) = 0 then ${empty}
                else ${any(t.variants.map((v) => sql`plainto_tsquery('swedish', ${v})`))} end`;
    return t.negated ? sql`(!! ${positive})` : positive;
  };
  if (parsed.groups.length === 0) return empty;
  return all(parsed.groups.map((g) => any(g.map(termSql))));
}

/**
 * Relevance without a bias toward the expansion: ts_rank of an OR of variants grows with the number
 * of *different* variants a text contains ("kassan … kassa" beats "kassa kassa kassa"). So each
 * positive term group is ranked by its best single variant, and the groups are averaged.
 * Returns the rows (group, tsquery) of a `rq` CTE, or null when nothing positive is searched.
 */
function rankQueriesOf(sql: Sql, parsed: ParsedQuery): { rows: Fragment; groups: number } | null {
  const rows: Fragment[] = [];
  let groups = 0;
  parsed.groups.forEach((group, g) => {
    const before = rows.length;
    for (const t of group) {
      if (t.negated) continue;
      if (t.kind === 'phrase') rows.push(sql`(${g}::int, phraseto_tsquery('swedish', ${t.text}))`);
      else for (const v of t.variants) rows.push(sql`(${g}::int, plainto_tsquery('swedish', ${v}))`);
    }
    if (rows.length > before) groups += 1;
  });
  if (rows.length === 0) return null;
  return { rows: rows.reduce((a, b) => sql`${a}, ${b}`), groups };
}

// ── search ────────────────────────────────────────────────────────────────────────────────────

type HitRow = {
  result_type: 'feedback' | 'report';
  result_id: string;
  store_id: string;
  store_name: string;
  relevance: number;
  day: string;
  quality: string | null;
  sentiment: Sentiment | null;
  themes: unknown;
  feedback_count: number | null;
  doc: string | null;
};

const r4 = (v: number) => Math.round(v * 10_000) / 10_000;
const num = (v: string | null) => (v === null ? null : Number(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(scrubForBusiness) : []);
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/**
 * The snippet is built so user data can't smuggle markup: the source text (phone numbers masked,
 * sentinels removed) is highlighted by ts_headline with private-use sentinels, then *all* of it is
 * HTML-escaped, and only then do the sentinels become `<b>` and `</b>`.
 */
export function toSafeSnippet(headline: string): string {
  return escapeHtml(headline).replaceAll(START, '<b>').replaceAll(STOP, '</b>').replace(/\s+/g, ' ').trim();
}
const stripSentinels = (s: string) => s.replaceAll(START, '').replaceAll(STOP, '');

export async function searchBusiness(ctx: Ctx, who: BusinessPrincipal, q: BusinessSearchQuery): Promise<BusinessSearchResponse> {
  const started = performance.now();
  const { sql } = ctx;
  const tz = ctx.config.TZ_CALLS;
  if (q.store_id) await storesInScope(sql, who, q.store_id);
  const parsed = parseSearchQuery(q.q);
  const offset = q.offset ?? ((q.page ?? 1) - 1) * q.max_results;
  const meta = (total: number, shown: number): BusinessSearchResponse['search_metadata'] => ({
    search_time_ms: Math.round((performance.now() - started) * 100) / 100,
    // the caller's own words, echoed; masked all the same (DESIGN: no phone numbers in answers)
    query: scrubForBusiness(parsed.normalized),
    terms: parsed.groups.flat().map((t) => ({ ...t, text: scrubForBusiness(t.text), variants: t.variants.map(scrubForBusiness) })),
    ignored_words: parsed.ignored.map(scrubForBusiness),
    scope: q.scope,
    offset,
    max_results: q.max_results,
    has_more: offset + shown < total,
  });
  if (parsed.groups.length === 0) return { results: [], total_matches: 0, search_metadata: meta(0, 0) };

  const query = tsqueryOf(sql, parsed);
  const ranking = rankQueriesOf(sql, parsed);
  const rank = (weights: string, vector: Fragment) =>
    ranking
      ? sql`coalesce((select sum(m) / ${ranking.groups}::float8 from (
          select max(ts_rank(${weights}::float4[], ${vector}, rq.tq, ${RANK_NORMALIZATION})) as m from rq group by rq.g) x), 0)`
      : sql`0::float8`;
  const fromDay = q.start_date ? sql`(${q.start_date}::date::timestamp at time zone ${tz})` : null;
  const toDay = q.end_date ? sql`((${q.end_date}::date + 1)::timestamp at time zone ${tz})` : null;
  const includeFeedback = q.scope !== 'reports';
  const includeReports = q.scope !== 'feedback' && q.sentiment === undefined;

  // `ranked` false for the count: it needs the matches, not their ranks
  const feedback = (ranked: boolean) => sql`
    select 'feedback' as result_type, qa.id as result_id, st.id as store_id, st.name as store_name,
           ${ranked ? rank(FEEDBACK_WEIGHTS, sql`qa.search_vector`) : sql`0::float8`} as relevance,
           (s.created_at at time zone ${tz})::date::text as day
    from q, quality_assessments qa
    join feedback_call_sessions s on s.id = qa.call_session_id
    join stores st on st.id = s.store_id
    where st.business_id = any(${who.businessIds})
      and qa.search_vector @@ q.query
      and not qa.is_fraudulent and qa.text_removed_at is null
      ${q.store_id ? sql`and st.id = ${q.store_id}` : sql``}
      ${fromDay ? sql`and s.created_at >= ${fromDay}` : sql``}
      ${toDay ? sql`and s.created_at < ${toDay}` : sql``}
      ${q.min_quality !== undefined ? sql`and qa.overall_quality_score >= ${q.min_quality}` : sql``}
      ${q.sentiment ? sql`and qa.sentiment = ${q.sentiment}` : sql``}`;
  const reports = (ranked: boolean) => sql`
    select 'report' as result_type, r.id as result_id, st.id as store_id, st.name as store_name,
           ${ranked ? rank(REPORT_WEIGHTS, sql`r.search_vector`) : sql`0::float8`} as relevance,
           r.analysis_week::text as day
    from q, weekly_analysis_reports r
    join stores st on st.id = r.store_id
    where st.business_id = any(${who.businessIds})
      and r.search_vector @@ q.query
      ${q.store_id ? sql`and st.id = ${q.store_id}` : sql``}
      ${q.start_date ? sql`and r.analysis_week + 6 >= ${q.start_date}::date` : sql``}
      ${q.end_date ? sql`and r.analysis_week <= ${q.end_date}::date` : sql``}
      ${q.min_quality !== undefined ? sql`and r.average_quality_score >= ${q.min_quality}` : sql``}`;
  if (!includeFeedback && !includeReports) return { results: [], total_matches: 0, search_metadata: meta(0, 0) };
  const hits = (ranked: boolean) => {
    const parts = [...(includeFeedback ? [feedback(ranked)] : []), ...(includeReports ? [reports(ranked)] : [])];
    return sql`with q as (select ${query} as query),
      rq(g, tq) as (${ranking ? sql`values ${ranking.rows}` : sql`select 0, plainto_tsquery('swedish', '')`}),
      hits as (${parts.reduce((a, b) => sql`${a} union all ${b}`)})`;
  };

  const [[counted], rows] = await Promise.all([
    sql<{ total: number }[]>`${hits(false)} select count(*)::int as total from hits`,
    sql<HitRow[]>`${hits(true)}
      select h.*,
        coalesce(qa.overall_quality_score, r.average_quality_score) as quality,
        qa.sentiment, qa.themes, r.total_feedback_count as feedback_count,
        case h.result_type
          when 'feedback' then concat_ws(' · ', qa.analysis_summary,
            (select string_agg(v #>> '{}', ' · ') from jsonb_path_query(qa.business_actionable_items, 'strict $.**') v
              where jsonb_typeof(v) = 'string'),
            (select string_agg(v #>> '{}', ', ') from jsonb_path_query(qa.themes, 'strict $.**') v
              where jsonb_typeof(v) = 'string'))
          else (select string_agg(v #>> '{}', ' · ')
                from jsonb_path_query(jsonb_build_array(r.negative_issues, r.new_issues, r.positive_trends, r.actionable_recommendations),
                                      'strict $.**') v
                where jsonb_typeof(v) = 'string')
        end as doc
      from hits h
      left join quality_assessments qa on h.result_type = 'feedback' and qa.id = h.result_id
      left join weekly_analysis_reports r on h.result_type = 'report' and r.id = h.result_id
      order by h.relevance desc, h.day desc, h.result_id
      limit ${q.max_results} offset ${offset}`,
  ]);
  const total = counted?.total ?? 0;

  const docs = rows.map((r) => stripSentinels(scrubForBusiness(r.doc ?? '')));
  const headlines =
    rows.length === 0
      ? []
      : await sql<{ ord: string; headline: string }[]>`
          with q as (select ${query} as query)
          select u.ord, ts_headline('swedish', u.doc, q.query, ${HEADLINE_OPTIONS}) as headline
          from q, unnest(${docs}::text[]) with ordinality as u(doc, ord)
          order by u.ord`;

  const results = rows.map((r, i): SearchResult => {
    const base = {
      result_id: r.result_id,
      store_id: r.store_id,
      store_name: r.store_name,
      snippet: toSafeSnippet(headlines[i]?.headline ?? ''),
      relevance: r4(Number(r.relevance)),
      date: r.day,
    };
    return r.result_type === 'feedback'
      ? { ...base, result_type: 'feedback', quality_score: num(r.quality), sentiment: r.sentiment, themes: strings(r.themes) }
      : {
          ...base,
          result_type: 'report',
          analysis_week: r.day,
          average_quality_score: num(r.quality),
          total_feedback_count: r.feedback_count ?? 0,
        };
  });
  return { results, total_matches: total, search_metadata: meta(total, results.length) };
}
