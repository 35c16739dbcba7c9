import { BusinessSearchResponse, RecommendationsResponse, TrendsResponse } from '@samtal/types';
import express from 'express';
import { SignJWT } from 'jose';
import request from 'supertest';
import { requireBusinessUser } from '../../src/http/business-auth';
import { errorHandler } from '../../src/http/error-handler';
import { businessInsightsRoutes } from '../../src/reports/insights.routes';
import { toSafeSnippet } from '../../src/reports/search';
import { parseSearchQuery, swedishVariants } from '../../src/reports/search-query';
import { createTestContext, type TestContext } from '../helpers/context';

/**
 * Business insights: search, trends and recommendations (DESIGN §3), through the real business
 * JWT middleware. Two businesses; every answer is checked for the other's rows, transcripts and
 * phone numbers.
 */

/** Wednesday 2026-11-25 13:00 in Stockholm (CET): the current week starts Monday 2026-11-23. */
const NOW = new Date('2026-11-25T12:00:00Z');
const PHONE = '+46701234567';
const TRANSCRIPT_MARK = 'TRANSKRIPTHEMLIS';
const ENDPOINTS = ['/search?q=kassa', '/trends', '/recommendations'] as const;

type Feedback = {
  at: string;
  status?: string;
  quality?: number;
  summary?: string | null;
  sentiment?: 'positive' | 'neutral' | 'negative' | 'mixed' | null;
  themes?: string[];
  items?: unknown[];
  departments?: string[];
  fraud?: boolean;
};

let ctx: TestContext;
let app: express.Express;
const ids: Record<string, string> = {};
let tokenA: string;
let tokenB: string;
/** Every body any test received, checked at the end for transcripts and phone numbers. */
const bodies: string[] = [];

const sign = (sub: string, opts: { exp?: string | number; secret?: string } = {}) =>
  new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience('authenticated')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(new TextEncoder().encode(opts.secret ?? ctx.config.SUPABASE_JWT_SECRET));

type Query = Record<string, string | number | undefined>;

async function get(path: string, token: string | null, query: Query = {}) {
  const req = request(app).get(`/api/ai/business${path}`).query(query);
  const res = await (token === null ? req : req.set('Authorization', `Bearer ${token}`));
  bodies.push(JSON.stringify(res.body));
  return res;
}
const search = (query: Query, token = tokenA) => get('/search', token, query);

async function seedFeedback(store: string, f: Feedback): Promise<string> {
  const sql = ctx.deps.sql;
  const [v] = await sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, created_at)
    values (${store}, ${PHONE}, 250, ${f.at}, ${f.at}, ${f.at}) returning id`;
  const [s] = await sql<{ id: string }[]>`
    insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, session_status, retry_count, created_at)
    values (${v!.id}, ${store}, ${PHONE}, ${f.status ?? 'completed'}, 1, ${f.at}) returning id`;
  await sql`insert into conversation_transcripts (call_session_id, speaker, message_order, content, timestamp_ms)
            values (${s!.id}, 'customer', 0, ${`${TRANSCRIPT_MARK} kassa kassan kassorna ${PHONE} bröd`}, 0)`;
  if (f.quality === undefined) return s!.id;
  const [qa] = await sql<{ id: string }[]>`
    insert into quality_assessments (call_session_id, overall_quality_score, analysis_summary, sentiment, themes,
      business_actionable_items, department_mentions, is_fraudulent)
    values (${s!.id}, ${f.quality}, ${f.summary ?? null}, ${f.sentiment === undefined ? 'neutral' : f.sentiment},
      ${sql.json(f.themes ?? [])}, ${sql.json((f.items ?? []) as never)}, ${sql.json(f.departments ?? [])}, ${f.fraud ?? false})
    returning id`;
  return qa!.id;
}

async function seedReport(store: string, week: string, r: { negative?: string[]; advice?: unknown; count?: number; avg?: number }) {
  const sql = ctx.deps.sql;
  const [row] = await sql<{ id: string }[]>`
    insert into weekly_analysis_reports (store_id, analysis_week, total_feedback_count, average_quality_score, negative_issues,
      actionable_recommendations)
    values (${store}, ${week}, ${r.count ?? 0}, ${r.avg ?? null}, ${sql.json(r.negative ?? [])}, ${sql.json((r.advice ?? []) as never)})
    returning id`;
  return row!.id;
}

beforeAll(async () => {
  ctx = await createTestContext({}, { clock: () => NOW });
  app = express()
    .use(express.json())
    .use('/api/ai/business', requireBusinessUser(ctx.deps), businessInsightsRoutes(ctx.deps))
    .use(errorHandler);
  const sql = ctx.deps.sql;
  const [a] = await sql<{ id: string }[]>`insert into businesses (name) values ('Alfa Livs') returning id`;
  const [b] = await sql<{ id: string }[]>`insert into businesses (name) values ('Beta Bygg') returning id`;
  ids.userA = crypto.randomUUID();
  ids.userB = crypto.randomUUID();
  await sql`insert into business_users (user_id, business_id) values (${ids.userA}, ${a!.id}), (${ids.userB}, ${b!.id})`;
  const store = async (business: string, name: string) =>
    (await sql<{ id: string }[]>`insert into stores (business_id, name) values (${business}, ${name}) returning id`)[0]!.id;
  ids.A1 = await store(a!.id, 'Alfa Centrum');
  ids.A2 = await store(a!.id, 'Alfa Hamnen');
  ids.A3 = await store(a!.id, 'Alfa Torget');
  ids.B1 = await store(b!.id, 'Beta Lager');

  // A1: a thin profile; A2 and B1 complete; A3 none at all
  await sql`insert into business_context_profiles (store_id, departments, question_configuration, context_completeness_score)
            values (${ids.A1}, ${sql.json(['kassa'])}, ${sql.json({ custom_questions: [] })}, 0.2)`;
  for (const s of [ids.A2, ids.B1]) {
    await sql`insert into business_context_profiles (store_id, operating_hours, departments, question_configuration, baseline_facts,
                context_completeness_score)
              values (${s!}, ${sql.json({ monday: { open: '08:00', close: '21:00' }, sunday: null })},
                ${sql.json(['kassa', 'mejeri', 'bageri', 'ost'])},
                ${sql.json({ custom_questions: [{ id: 'q1', text: 'Hur var ostdisken?', priority: 1 }] })},
                ${sql.json(['Butiken säljer inte fisk'])}, 0.9)`;
  }

  // ── A1 feedback (search, recommendations)
  ids.F1 = await seedFeedback(ids.A1, {
    at: '2026-11-24T09:00:00Z',
    quality: 0.8,
    sentiment: 'negative',
    summary: 'Kunden väntade länge vid kassa nummer två. Kassa två var obemannad och kassa tre stängd.',
    themes: ['kassa', 'väntetid'],
    items: ['Bemanna fler kassor vid lunch'],
    departments: ['kassa'],
  });
  ids.F2 = await seedFeedback(ids.A1, {
    at: '2026-11-17T10:00:00Z',
    quality: 0.6,
    sentiment: 'mixed',
    summary: 'Trevlig personal i frukt och grönt, men kassan kunde vara snabbare.',
    themes: ['personal', 'kassa'],
    items: ['Öppna en extra kassa vid kö'],
    departments: ['frukt och grönt', 'kassa'],
  });
  ids.F4 = await seedFeedback(ids.A1, {
    at: '2026-11-03T10:00:00Z',
    quality: 0.3,
    sentiment: 'neutral',
    summary: 'Parkeringen var full hela förmiddagen.',
    themes: ['parkering'],
    items: ['Se över kassorna i självscanningen'],
  });
  ids.F5 = await seedFeedback(ids.A1, {
    at: '2026-11-24T10:00:00Z',
    quality: 0.1,
    fraud: true,
    sentiment: 'negative',
    summary: 'Bedrägligt påhitt om kassa och flygande elefanter.',
    themes: ['kassa'],
    items: ['Köp flygande elefanter'],
  });
  ids.F6 = await seedFeedback(ids.A1, {
    at: '2026-11-20T10:00:00Z',
    quality: 0.5,
    sentiment: 'neutral',
    summary:
      'Kunden bad om återuppringning på 070-123 45 67 om kvittot vid kassan & "returer" <script>alert(1)</script> ' +
      '<img src=x onerror=alert(2)> \uE000smuggel\uE001 slut.',
    themes: ['återuppringning'],
  });
  ids.F7 = await seedFeedback(ids.A1, {
    at: '2026-11-23T12:00:00Z',
    quality: 0.7,
    sentiment: 'negative',
    summary: 'Lång kö, bara en kassa öppen.',
    themes: ['kassa'],
    items: ['Öppna en extra kassa vid kö.'],
    departments: ['kassa'],
  });
  ids.F8 = await seedFeedback(ids.A1, {
    at: '2026-11-22T12:00:00Z',
    quality: 0.7,
    sentiment: 'negative',
    summary: 'Kön ringlade förbi entrén eftersom kassorna var stängda.',
    themes: ['Kassa '],
    items: ['öppna en extra kassa vid kö'],
    departments: ['kassa', 'entré'],
  });
  ids.F3 = await seedFeedback(ids.A2, {
    at: '2026-11-10T10:00:00Z',
    quality: 0.9,
    sentiment: 'positive',
    summary: 'Bra sortiment av bröd och ost.',
    themes: ['sortiment'],
  });
  ids.FB = await seedFeedback(ids.B1, {
    at: '2026-11-24T09:00:00Z',
    quality: 0.9,
    sentiment: 'negative',
    summary: 'Betahemlighet: kassan i lagret var långsam och kassa två stängd.',
    themes: ['kassa', 'betahemlighet'],
    items: ['Betahemlighet: öppna en extra kassa vid kö'],
  });

  // ── reports
  ids.RA1 = await seedReport(ids.A1, '2026-11-16', {
    count: 5,
    avg: 0.7,
    negative: ['Långa köer vid kassorna under lunchtid'],
    advice: [
      { title: 'Bemanna kassorna vid lunch', description: 'Lägg in en extra kassör 11–13.', priority: 'high', departments: ['kassa'] },
    ],
  });
  ids.RA1old = await seedReport(ids.A1, '2026-11-09', { count: 2, avg: 0.4, advice: ['Gammal rekommendation om skyltning'] });
  ids.RA2 = await seedReport(ids.A2, '2026-11-16', {
    count: 3,
    avg: 0.9,
    advice: ['Fler provsmakningar i ostdisken', { foo: 1 }, 42, { description: 'Skylta tydligare vid bageriet', departments: 'bageri' }],
  });
  ids.RB1 = await seedReport(ids.B1, '2026-11-16', { count: 9, avg: 0.8, advice: ['Betahemlighet: kassa-åtgärd'] });

  // ── A3: hand-computed trends (no profile). Weeks in Stockholm time; November is CET (UTC+1).
  const a3: Feedback[] = [
    // week 2026-11-23 (current): Monday 00:30 local is still this week
    { at: '2026-11-22T23:30:00Z', quality: 0.8, sentiment: 'positive', themes: ['kö', 'kassa'] },
    { at: '2026-11-24T10:00:00Z', quality: 0.6, sentiment: 'negative', themes: ['kö'] },
    { at: '2026-11-24T11:00:00Z', status: 'failed' },
    { at: '2026-11-25T08:00:00Z', status: 'pending' },
    { at: '2026-11-25T13:00:00Z', status: 'pending' }, // after NOW: not counted
    // week 2026-11-16: Sunday 23:30 local
    { at: '2026-11-22T22:30:00Z', quality: 0.9, sentiment: 'neutral', themes: ['parkering'] },
    { at: '2026-11-17T10:00:00Z', quality: 0.5, sentiment: 'mixed', themes: ['parkering', ' Kassa'] },
    { at: '2026-11-18T10:00:00Z', status: 'abandoned' },
    // week 2026-11-09
    { at: '2026-11-10T10:00:00Z', quality: 0.4, sentiment: null, themes: ['parkering'] },
    // week 2026-11-02 (baseline only)
    { at: '2026-11-03T10:00:00Z', quality: 0.7, sentiment: 'positive', themes: ['parkering'] },
  ];
  for (const f of a3) await seedFeedback(ids.A3, f);

  tokenA = await sign(ids.userA);
  tokenB = await sign(ids.userB);
});

afterAll(async () => {
  await ctx?.close();
});

describe('authentication (the middleware, on these routes)', () => {
  it.each(ENDPOINTS)('%s refuses missing, malformed, expired, wrongly signed and unknown-user tokens with 401', async (path) => {
    const expired = await sign(ids.userA!, { exp: Math.floor(Date.now() / 1000) - 600 });
    const forged = await sign(ids.userA!, { secret: 'another-secret-another-secret-0123456789' });
    const stranger = await sign(crypto.randomUUID());
    for (const token of [null, 'not-a-jwt', expired, forged, stranger]) {
      const res = await get(path, token);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    }
    expect((await get(path, tokenA)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it.each(ENDPOINTS)("%s with another business's store_id → 404, like a store that does not exist", async (path) => {
    const [p, qs] = path.split('?');
    const base = Object.fromEntries(new URLSearchParams(qs ?? ''));
    const theirs = await get(p!, tokenA, { ...base, store_id: ids.B1! });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ error: 'not_found', message: `store ${ids.B1} not found` });
    const nowhere = await get(p!, tokenA, { ...base, store_id: crypto.randomUUID() });
    expect(nowhere.status).toBe(404);
    const mine = await get(p!, tokenB, { ...base, store_id: ids.B1! });
    expect(mine.status).toBe(200);
  });

  it.each(ENDPOINTS)('%s without a filter never returns the other business', async (path) => {
    const forA = JSON.stringify((await get(path, tokenA)).body);
    const forB = JSON.stringify((await get(path, tokenB)).body);
    for (const leak of [ids.B1!, ids.FB!, ids.RB1!, 'Beta', 'betahemlighet', 'Betahemlighet']) expect(forA).not.toContain(leak);
    for (const leak of [ids.A1!, ids.A2!, ids.A3!, ids.F1!, ids.RA1!, 'Alfa']) expect(forB).not.toContain(leak);
  });

  it('search results carry only the caller’s stores', async () => {
    const res = await search({ q: 'kassa', max_results: 100 });
    expect(res.status).toBe(200);
    expect(res.body.results.length).toBeGreaterThan(0);
    for (const r of res.body.results) expect([ids.A1, ids.A2, ids.A3]).toContain(r.store_id);
    const b = await search({ q: 'kassa', max_results: 100 }, tokenB);
    expect(b.body.results.map((r: { result_id: string }) => r.result_id).sort()).toEqual([ids.FB, ids.RB1].sort());
  });
});

describe('query expansion (pure)', () => {
  it.each([
    ['kassan', ['kassan', 'kassa']],
    ['kassa', ['kassa', 'kassan']],
    ['kassans', ['kassans', 'kassan', 'kassa']],
    ['kön', ['kön', 'kö']],
    ['kö', ['kö', 'kön']],
    ['huset', ['huset', 'hus', 'huse', 'husen']],
    ['pris', ['pris', 'priset']],
    ['äpplet', ['äpplet', 'äppl', 'äpple', 'äpplen']],
  ])('%s → %j', (word, variants) => {
    expect(swedishVariants(word)).toEqual(variants);
  });

  it('reaches definite and plural forms both ways, but not irregular ones (documented limit)', () => {
    expect(swedishVariants('köerna')).toEqual(expect.arrayContaining(['kö', 'kön']));
    expect(swedishVariants('kassorna')).toEqual(expect.arrayContaining(['kassa', 'kassan']));
    expect(swedishVariants('mannen')).not.toContain('män');
    expect(swedishVariants('bok')).not.toContain('böcker');
    expect(swedishVariants('中文')).toEqual(['中文']);
  });

  it('parses words, phrases, -negation and or; drops everything else before SQL', () => {
    const p = parseSearchQuery('Kassan -"lång kö" or PERSONAL; <b>x</b> 46701234567');
    expect(p.groups.map((g) => g.map((t) => `${t.negated ? '-' : ''}${t.kind}:${t.text}`))).toEqual([
      ['word:kassan'],
      ['-phrase:lång kö', 'word:personal'],
      ['word:b'],
      ['word:x'],
      ['word:b'],
    ]);
    expect(p.ignored).toEqual(['46701234567']);
  });

  it('only our own markers become tags in a snippet', () => {
    expect(toSafeSnippet('a \uE000kassa\uE001 <i>&"\'</i>')).toBe("a <b>kassa</b> &lt;i&gt;&amp;&quot;&#39;&lt;/i&gt;");
  });
});

describe('GET /search', () => {
  const idsOf = (body: { results: Array<{ result_id: string }> }) => body.results.map((r) => r.result_id);

  it('matches the response schema', async () => {
    const res = await search({ q: 'kassa', max_results: 100 });
    expect(() => BusinessSearchResponse.parse(res.body)).not.toThrow();
    expect(res.body.search_metadata.search_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('"kassan" finds a summary that only says "kassa"; "kassorna" too; "kassa" finds "kassan"', async () => {
    for (const q of ['kassan', 'kassorna', 'Kassans', 'KASSAN']) {
      const res = await search({ q, store_id: ids.A1!, scope: 'feedback' });
      expect(res.status).toBe(200);
      expect(idsOf(res.body)).toContain(ids.F1); // "kassa nummer två"
    }
    // F6 only says "kassan" (the stemmer keeps it whole): found from the bare and the plural form
    for (const q of ['kassa', 'kassorna']) {
      expect(idsOf((await search({ q, store_id: ids.A1!, scope: 'feedback' })).body)).toContain(ids.F6);
    }
    // kön ↔ kö the same way
    expect(idsOf((await search({ q: 'kö', store_id: ids.A1!, scope: 'feedback' })).body)).toEqual(
      expect.arrayContaining([ids.F7, ids.F8]),
    );
    const terms = (await search({ q: 'kassan' })).body.search_metadata.terms;
    expect(terms).toEqual([{ text: 'kassan', kind: 'word', negated: false, variants: ['kassan', 'kassa'] }]);
  });

  it('never returns fraud-flagged feedback', async () => {
    const res = await search({ q: 'kassa elefanter', max_results: 100 });
    expect(idsOf(res.body)).not.toContain(ids.F5);
    expect(idsOf((await search({ q: 'elefanter' })).body)).toEqual([]);
  });

  it('ranks the better match first', async () => {
    const res = await search({ q: 'kassa', store_id: ids.A1!, scope: 'feedback', max_results: 100 });
    const order = idsOf(res.body);
    // F1 says "kassa" three times in its summary (weight A); F4 only in an actionable item (weight B)
    expect(order[0]).toBe(ids.F1);
    expect(order.indexOf(ids.F1!)).toBeLessThan(order.indexOf(ids.F4!));
    const rel = res.body.results.map((r: { relevance: number }) => r.relevance);
    expect(rel).toEqual([...rel].sort((a, b) => b - a));
    for (const r of rel) expect(r).toBeGreaterThan(0);
  });

  it('highlights matches with <b>…</b> in HTML-safe snippets, phone numbers masked', async () => {
    const res = await search({ q: 'kassan', store_id: ids.A1!, scope: 'feedback', max_results: 100 });
    const snippets = new Map(res.body.results.map((r: { result_id: string; snippet: string }) => [r.result_id, r.snippet]));
    expect(snippets.get(ids.F1)).toContain('<b>Kassa</b>');
    const hostile = snippets.get(ids.F6) as string;
    expect(hostile).toContain('<b>kassan</b>');
    expect(hostile).toContain('&amp;');
    expect(hostile).toContain('&quot;returer&quot;');
    expect(hostile).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(hostile).toContain('[telefonnummer]');
    expect(hostile).not.toMatch(/123 45/);
    expect(hostile).not.toContain('<b>smuggel</b>');
    for (const s of snippets.values()) expect((s as string).replace(/<\/?b>/g, '')).not.toMatch(/[<>\uE000\uE001]/);
  });

  it('filters by store, dates, minimum quality, sentiment and scope', async () => {
    expect(idsOf((await search({ q: 'bröd', store_id: ids.A2! })).body)).toEqual([ids.F3]);
    expect(idsOf((await search({ q: 'bröd', store_id: ids.A1! })).body)).toEqual([]);

    const day = await search({ q: 'kassa', store_id: ids.A1!, scope: 'feedback', start_date: '2026-11-17', end_date: '2026-11-17' });
    expect(idsOf(day.body)).toEqual([ids.F2]);
    // a report is in a period its week overlaps
    const week = await search({ q: 'kassorna', store_id: ids.A1!, scope: 'reports', start_date: '2026-11-22', end_date: '2026-11-30' });
    expect(idsOf(week.body)).toEqual([ids.RA1]);
    // Monday 00:30 Stockholm is 2026-11-22 23:30 UTC: the local day counts
    const local = await search({ q: 'kassa', store_id: ids.A3!, scope: 'feedback', start_date: '2026-11-23', end_date: '2026-11-23' });
    expect(local.body.results).toHaveLength(1);
    expect(local.body.results[0].date).toBe('2026-11-23');

    const good = await search({ q: 'kassa', store_id: ids.A1!, scope: 'feedback', min_quality: '0.75' });
    expect(idsOf(good.body)).toEqual([ids.F1]);
    const goodReports = await search({ q: 'kassorna', store_id: ids.A1!, scope: 'reports', min_quality: '0.7' });
    expect(idsOf(goodReports.body)).toEqual([ids.RA1]);

    const negative = await search({ q: 'kassa', store_id: ids.A1!, sentiment: 'negative' });
    expect(idsOf(negative.body).sort()).toEqual([ids.F1, ids.F7, ids.F8].sort());
    expect(negative.body.results.every((r: { sentiment: string }) => r.sentiment === 'negative')).toBe(true);

    const reports = await search({ q: 'kassorna', scope: 'reports' });
    expect(reports.body.results.length).toBeGreaterThan(0);
    expect(reports.body.results.every((r: { result_type: string }) => r.result_type === 'report')).toBe(true);
    expect(reports.body.results[0]).toMatchObject({ result_id: ids.RA1, analysis_week: '2026-11-16', total_feedback_count: 5 });
    const feedback = await search({ q: 'kassorna', scope: 'feedback', max_results: 100 });
    expect(feedback.body.results.every((r: { result_type: string }) => r.result_type === 'feedback')).toBe(true);

    for (const bad of [
      { start_date: '2026-02-30' },
      { start_date: '2026-11-20', end_date: '2026-11-19' },
      { min_quality: '1.5' },
      { min_quality: '' },
      { sentiment: 'angry' },
      { scope: 'transcripts' },
      { store_id: 'not-a-uuid' },
    ]) {
      const res = await search({ q: 'kassa', ...bad });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_error');
    }
  });

  it('supports operators: -exclude, or, "phrase"', async () => {
    const plain = idsOf((await search({ q: 'kassa', store_id: ids.A1!, max_results: 100 })).body);
    const without = idsOf((await search({ q: 'kassa -parkeringen', store_id: ids.A1!, max_results: 100 })).body);
    expect(plain).toContain(ids.F4);
    expect(without).not.toContain(ids.F4);
    expect(without.length).toBe(plain.length - 1);
    const either = idsOf((await search({ q: 'sortiment or obemannad' })).body);
    expect(either.sort()).toEqual([ids.F3, ids.F1].sort());
    expect(idsOf((await search({ q: '"kassa nummer två"', store_id: ids.A1! })).body)).toEqual([ids.F1]);
    expect(idsOf((await search({ q: '"nummer kassa"', store_id: ids.A1! })).body)).toEqual([]);
  });

  it('paginates with max_results and offset or page', async () => {
    const all = await search({ q: 'kassa', store_id: ids.A1!, max_results: 100 });
    const total = all.body.total_matches;
    expect(total).toBe(all.body.results.length);
    expect(total).toBeGreaterThanOrEqual(6);
    const p1 = await search({ q: 'kassa', store_id: ids.A1!, max_results: 2 });
    const p2 = await search({ q: 'kassa', store_id: ids.A1!, max_results: 2, offset: 2 });
    const p2b = await search({ q: 'kassa', store_id: ids.A1!, max_results: 2, page: 2 });
    expect(p1.body.results).toHaveLength(2);
    expect(p1.body.total_matches).toBe(total);
    expect(p1.body.search_metadata.has_more).toBe(true);
    expect(idsOf(p2.body)).toEqual(idsOf(p2b.body));
    expect([...idsOf(p1.body), ...idsOf(p2.body)]).toEqual(idsOf(all.body).slice(0, 4));
    const past = await search({ q: 'kassa', store_id: ids.A1!, max_results: 5, offset: 1000 });
    expect(past.body).toMatchObject({ results: [], total_matches: total, search_metadata: { has_more: false } });
    for (const bad of [{ offset: 1, page: 1 }, { max_results: 0 }, { max_results: 101 }, { page: 0 }, { offset: -1 }, { offset: '1e3' }]) {
      expect((await search({ q: 'kassa', ...bad })).status).toBe(400);
    }
  });

  it('treats any query string as text: hostile input is never a 500 and never SQL', async () => {
    const hostile = [
      "'; drop table stores; --",
      "kassa' or '1'='1",
      '!!!((',
      '<script>alert(1)</script>',
      'kassa & | ! <-> :* ( ) \\',
      "kassa:* | !'x'",
      '"unterminated phrase kassa',
      '- -- or or -"" ""',
      '\u0000 kassa \u0000',
      'kåssa ñandú 中文 😀 \uFFFF \u202E kassa',
      'x'.repeat(500),
      'kassa '.repeat(83),
      '0701234567',
    ];
    for (const q of hostile) {
      const res = await search({ q });
      expect([200]).toContain(res.status);
      expect(() => BusinessSearchResponse.parse(res.body)).not.toThrow();
    }
    const [stores] = await ctx.deps.sql<{ n: number }[]>`select count(*)::int as n from stores`;
    expect(stores!.n).toBe(4);
    // nothing searchable: an empty page, not an error
    const punct = await search({ q: '!!!((' });
    expect(punct.body).toMatchObject({ results: [], total_matches: 0, search_metadata: { terms: [] } });
    // the injection attempt is searched as the words it contains
    expect((await search({ q: "'; drop table stores; --" })).body.search_metadata.terms.map((t: { text: string }) => t.text)).toEqual([
      'drop',
      'table',
      'stores',
    ]);
    // phone-like digit runs are never searched
    expect((await search({ q: '0701234567' })).body.search_metadata).toMatchObject({ query: '[telefonnummer]', ignored_words: ['[telefonnummer]'] });
  });

  it('refuses an empty, missing, repeated or 5,000-character q with a clear 400', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ q: '' }, /q must not be empty/],
      [{ q: '    ' }, /q must not be empty/],
      [{}, /q is required/],
      [{ q: 'x'.repeat(5_000) }, /at most 500 characters/],
    ];
    for (const [query, message] of cases) {
      const res = await search(query);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_error');
      expect(res.body.details.fields[0]).toMatchObject({ field: 'q', message: expect.stringMatching(message) });
    }
    const repeated = await request(app).get('/api/ai/business/search?q=a&q=b').set('Authorization', `Bearer ${tokenA}`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.details.fields[0].message).toMatch(/single string/);
  });
});

describe('GET /trends', () => {
  const zeroSentiment = { positive: 0, neutral: 0, negative: 0, mixed: 0, unknown: 0 };

  it('a week series per store, checked against hand-computed figures', async () => {
    const res = await get('/trends', tokenA, { store_id: ids.A3!, weeks: 3 });
    expect(res.status).toBe(200);
    expect(() => TrendsResponse.parse(res.body)).not.toThrow();
    expect(res.body).toMatchObject({ time_zone: 'Europe/Stockholm', weeks: 3, generated_at: NOW.toISOString() });
    expect(res.body.stores).toHaveLength(1);
    expect(res.body.stores[0]).toMatchObject({ store_id: ids.A3, store_name: 'Alfa Torget' });
    expect(res.body.stores[0].weeks).toEqual([
      {
        week_start: '2026-11-09',
        iso_week: '2026-W46',
        is_partial: false,
        calls: 1,
        completed: 1,
        completion_rate: 1,
        feedback_count: 1,
        average_quality: 0.4,
        sentiment: { ...zeroSentiment, unknown: 1 },
        themes_rising: [],
        themes_falling: [],
      },
      {
        week_start: '2026-11-16',
        iso_week: '2026-W47',
        is_partial: false,
        calls: 3,
        completed: 2,
        completion_rate: 0.67,
        feedback_count: 2,
        average_quality: 0.7,
        sentiment: { ...zeroSentiment, neutral: 1, mixed: 1 },
        // parkering 2 vs (1 + 1 + 0 + 0) / 4; kassa 1 vs 0
        themes_rising: [
          { theme: 'parkering', count: 2, baseline_average: 0.5, change: 1.5 },
          { theme: 'kassa', count: 1, baseline_average: 0, change: 1 },
        ],
        themes_falling: [],
      },
      {
        week_start: '2026-11-23',
        iso_week: '2026-W48',
        is_partial: true,
        calls: 4,
        completed: 2,
        completion_rate: 0.5,
        feedback_count: 2,
        average_quality: 0.7,
        sentiment: { ...zeroSentiment, positive: 1, negative: 1 },
        // kö 2 vs 0; kassa 1 vs 0.25 (under the minimum change); parkering 0 vs (1 + 1 + 2) / 4
        themes_rising: [{ theme: 'kö', count: 2, baseline_average: 0, change: 2 }],
        themes_falling: [{ theme: 'parkering', count: 0, baseline_average: 1, change: -1 }],
      },
    ]);
  });

  it('every store of the caller, sorted by name; default 12 weeks; weeks bounded', async () => {
    const res = await get('/trends', tokenA);
    expect(res.body.weeks).toBe(12);
    expect(res.body.stores.map((s: { store_name: string }) => s.store_name)).toEqual(['Alfa Centrum', 'Alfa Hamnen', 'Alfa Torget']);
    for (const s of res.body.stores) {
      expect(s.weeks).toHaveLength(12);
      expect(s.weeks.at(-1).week_start).toBe('2026-11-23');
      expect(s.weeks[0].week_start).toBe('2026-09-07');
    }
    // A1: the fraud-flagged call is still a call and a grade (as in the weekly report)
    // A1 this week: F1 0.8, F5 0.1 (fraud-flagged), F7 0.7
    const a1 = res.body.stores[0].weeks.at(-1);
    expect(a1).toMatchObject({ calls: 3, completed: 3, completion_rate: 1, feedback_count: 3, average_quality: 0.53 });
    const empty = res.body.stores[1].weeks[0];
    expect(empty).toMatchObject({ calls: 0, completed: 0, completion_rate: null, feedback_count: 0, average_quality: null });
    for (const weeks of ['0', '53', 'abc', '']) expect((await get('/trends', tokenA, { weeks })).status).toBe(400);
    expect((await get('/trends', tokenA, { weeks: 52 })).body.stores[0].weeks).toHaveLength(52);
  });
});

describe('GET /recommendations', () => {
  type Rec = { category: string; store_id: string; title: string; priority: string; supporting_feedback_count: number; source: Record<string, unknown> };

  it('a thin context profile comes first and names what is missing', async () => {
    const res = await get('/recommendations', tokenA, { store_id: ids.A1! });
    expect(res.status).toBe(200);
    expect(() => RecommendationsResponse.parse(res.body)).not.toThrow();
    const [first, ...rest] = res.body.recommendations as Rec[];
    expect(first).toMatchObject({
      category: 'context_profile',
      store_id: ids.A1,
      priority: 'high',
      source: { kind: 'context_profile', completeness_score: 0.2, missing: ['custom_questions', 'departments', 'baseline_facts', 'operating_hours'] },
    });
    expect((first as unknown as { description: string }).description).toMatch(/20 %.*frågor.*avdelningar.*grundfakta.*öppettider/s);
    expect(rest.every((r) => r.category !== 'context_profile')).toBe(true);
  });

  it('combines the latest report with recurring feedback, by priority and support', async () => {
    const res = await get('/recommendations', tokenA, { store_id: ids.A1! });
    const recs = res.body.recommendations as Rec[];
    const byTitle = (t: string) => recs.find((r) => r.title === t);
    // the latest report only (not 2026-11-09's)
    expect(byTitle('Bemanna kassorna vid lunch')).toMatchObject({
      category: 'weekly_report',
      priority: 'high',
      departments_involved: ['kassa'],
      supporting_feedback_count: 5,
      source: { kind: 'weekly_report', report_id: ids.RA1, analysis_week: '2026-11-16' },
    });
    expect(recs.some((r) => r.title.includes('skyltning'))).toBe(false);
    // three feedbacks said it (one mixed, two negative), however punctuated or cased
    expect(byTitle('Öppna en extra kassa vid kö')).toMatchObject({
      category: 'customer_feedback',
      priority: 'high',
      supporting_feedback_count: 3,
      negative_feedback_count: 3,
      departments_involved: ['kassa', 'entré', 'frukt och grönt'],
      source: { kind: 'feedback', since: '2026-10-28' },
    });
    // "kassa" as a theme of four negative/mixed feedbacks (the fraud-flagged one not counted)
    expect(byTitle('Återkommande klagomål: kassa')).toMatchObject({ category: 'recurring_issue', priority: 'high', supporting_feedback_count: 4 });
    // said once, neutral: low, after every high one
    const once = recs.findIndex((r) => r.title === 'Se över kassorna i självscanningen');
    expect(recs[once]).toMatchObject({ priority: 'low', supporting_feedback_count: 1 });
    const rank = { high: 0, medium: 1, low: 2 } as Record<string, number>;
    const priorities = recs.slice(1).map((r) => rank[r.priority]!);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    expect(recs.some((r) => r.title.includes('elefanter'))).toBe(false);
    // stable ids
    const again = await get('/recommendations', tokenA, { store_id: ids.A1! });
    expect(again.body.recommendations.map((r: { recommendation_id: string }) => r.recommendation_id)).toEqual(
      res.body.recommendations.map((r: { recommendation_id: string }) => r.recommendation_id),
    );
  });

  it('reads report advice of any shape; a complete profile gets no profile advice', async () => {
    const res = await get('/recommendations', tokenA, { store_id: ids.A2! });
    const recs = res.body.recommendations as Rec[];
    expect(recs.map((r) => r.title)).toEqual(['Fler provsmakningar i ostdisken', 'Skylta tydligare vid bageriet']);
    expect(recs[1]).toMatchObject({ departments_involved: ['bageri'], priority: 'medium' });
  });

  it('without a filter: every thin store first (least complete first), then the rest; max_results bounds it', async () => {
    const res = await get('/recommendations', tokenA);
    const recs = res.body.recommendations as Rec[];
    expect(recs.slice(0, 2).map((r) => [r.category, r.store_id])).toEqual([
      ['context_profile', ids.A3], // no profile at all: 0
      ['context_profile', ids.A1], // 0.2
    ]);
    expect(recs[0]!.source).toMatchObject({ completeness_score: 0, missing: ['custom_questions', 'departments', 'baseline_facts', 'operating_hours'] });
    expect(recs.filter((r) => r.category === 'context_profile')).toHaveLength(2);
    const one = await get('/recommendations', tokenA, { max_results: 1 });
    expect(one.body.recommendations).toHaveLength(1);
    expect(one.body.total).toBe(res.body.total);
    for (const bad of [{ days: '0' }, { days: '91' }, { max_results: '51' }]) expect((await get('/recommendations', tokenA, bad)).status).toBe(400);
  });
});

describe('privacy', () => {
  it('no response ever held a transcript or a phone number', () => {
    expect(bodies.length).toBeGreaterThan(50);
    for (const body of bodies) {
      expect(body).not.toContain(TRANSCRIPT_MARK);
      expect(body).not.toContain('701234567');
      expect(body).not.toMatch(/\+46\d/);
      expect(body).not.toMatch(/123 45 67/);
    }
  });
});
