import express from 'express';
import request from 'supertest';
import type { Deps } from '../../src/deps';
import { requireBusinessUser } from '../../src/http/business-auth';
import { errorHandler } from '../../src/http/error-handler';
import { businessInsightsRoutes } from '../../src/reports/insights.routes';
import { toReport } from '../../src/reports/reports.repo';
import { buildWeeklyReport } from '../../src/reports/weekly-report';
import { weekOf } from '../../src/reports/week';
import { findPhoneLeaks } from '../drills/support/log-guard';
import { createTenant, type Tenant } from '../helpers/business';
import { createTestContext, type TestContext } from '../helpers/context';

/**
 * Text a business sees — search snippets and echoes, trends, recommendations, the weekly report
 * and what its model is shown — never holds a phone number, in any form, Swedish or foreign: the
 * business scrubber removes it whole (not the log masker, which keeps a prefix and two digits).
 */

const NOW = new Date('2026-11-25T12:00:00Z');
const FULL_WIDTH = (s: string) => s.replace(/[0-9+\-() ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

/** One number per form, each different, so a leak names its form. */
const FORMS: ReadonlyArray<readonly [form: string, e164: string]> = [
  ['+46701234501', '+46701234501'],
  ['+46 70 123 45 02', '+46701234502'],
  ['0046701234503', '+46701234503'],
  ['46701234504', '+46701234504'],
  ['%2B46701234505', '+46701234505'],
  ['%2B46%2070%20123%2045%2006', '+46701234506'],
  ['070-123 45 07', '+46701234507'],
  ['070\u2013123 45 08', '+46701234508'],
  ['070.123.45.09', '+46701234509'],
  ['(070) 123 45 10', '+46701234510'],
  ['08-123 456 11', '+46812345611'],
  ['031-123 45 12', '+46311234512'],
  ['tel0701234513x', '+46701234513'],
  [FULL_WIDTH('070-123 45 14'), '+46701234514'],
  ['+1 415 555 2615', '+14155552615'],
  ['0044 20 7946 0916', '+442079460916'],
];
const KNOWN = FORMS.map(([, e164]) => e164);
const sentence = (form: string) => `Kunden vill att kassan ringer upp på ${form} om kvittot.`;

/** Every phone number in `body`, in any form: the generic patterns and each number used here. */
const leaksIn = (body: string) => findPhoneLeaks([body], KNOWN);

let ctx: TestContext;
let tenant: Tenant;
let app: express.Express;
/** What the stub model was shown. */
const prompts: string[] = [];

/** A model that repeats what it was shown, and invents a number of its own. */
const echoingModel = {
  chat: {
    completions: {
      parse: async (body: { messages: Array<{ role: string; content: string }> }) => {
        const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
        prompts.push(user);
        const lines = user.split('\n').filter((l) => l.startsWith('- ') || l.startsWith('Vanligaste teman'));
        return {
          model: 'stub-echo',
          usage: { total_tokens: 1 },
          choices: [
            {
              message: {
                refusal: null,
                parsed: {
                  positive_trends: lines.slice(0, 5),
                  negative_issues: [...lines.slice(5, 9), 'Ring 070-123 45 99 om kassan.'],
                  actionable_recommendations: [
                    { title: `Ring kunden på ${FORMS[0]![0]}`, description: lines.join(' '), priority: 'high', departments: ['Kassa 0701234599'] },
                  ],
                  predictive_insights: lines.slice(9, 12),
                },
              },
            },
          ],
        };
      },
    },
  },
} as unknown as Deps['openai'];

async function seedFeedback(at: string, form: string, sentiment: string) {
  const sql = ctx.deps.sql;
  const [v] = await sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, created_at)
    values (${tenant.storeId}, '+46701234567', 100, ${at}, ${at}, ${at}) returning id`;
  const [s] = await sql<{ id: string }[]>`
    insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, session_status, retry_count, created_at)
    values (${v!.id}, ${tenant.storeId}, '+46701234567', 'completed', 1, ${at}) returning id`;
  await sql`insert into call_attempts (call_session_id, attempt_no, outcome) values (${s!.id}, 1, 'answered')`;
  await sql`
    insert into quality_assessments (call_session_id, overall_quality_score, usefulness_score, analysis_summary, sentiment, themes,
      business_actionable_items, department_mentions, created_at)
    values (${s!.id}, 0.7, 0.7, ${sentence(form)}, ${sentiment}, ${sql.json([`återuppringning ${form}`, 'kassa'])},
      ${sql.json([`Ring tillbaka på ${form}`, { title: `Kassa ${form}`, description: sentence(form) }])},
      ${sql.json([`Kassa ${form}`])}, ${at})`;
}

beforeAll(async () => {
  ctx = await createTestContext({}, { clock: () => NOW });
  tenant = await createTenant(ctx.deps, 'Gamma');
  app = express()
    .use(express.json())
    .use('/api/ai/business', requireBusinessUser(ctx.deps), businessInsightsRoutes(ctx.deps))
    .use(errorHandler);
  for (const [i, [form]] of FORMS.entries()) {
    await seedFeedback(`2026-11-2${3 + (i % 3)}T1${i % 10}:00:00Z`, form, i % 2 === 0 ? 'negative' : 'mixed');
  }
  // last week's report, whose advice the recommendations read
  await ctx.deps.sql`
    insert into weekly_analysis_reports (store_id, analysis_week, total_feedback_count, negative_issues, actionable_recommendations)
    values (${tenant.storeId}, '2026-11-16', ${FORMS.length}, ${ctx.deps.sql.json(FORMS.map(([f]) => sentence(f)))},
      ${ctx.deps.sql.json(FORMS.map(([f]) => ({ title: `Ring ${f}`, description: sentence(f), priority: 'high', departments: [`Kassa ${f}`] })))})`;
});
afterAll(async () => {
  await ctx?.close();
});

const get = (path: string, query: Record<string, string | number> = {}) =>
  request(app).get(`/api/ai/business${path}`).query(query).set('Authorization', `Bearer ${tenant.token}`);

describe('business-facing text never holds a phone number', () => {
  it('checks what it should: the seeded rows hold every form', async () => {
    const [row] = await ctx.deps.sql<{ text: string }[]>`
      select string_agg(analysis_summary || ' ' || themes::text || ' ' || business_actionable_items::text, ' ') as text from quality_assessments`;
    expect(leaksIn(row!.text).length).toBeGreaterThanOrEqual(FORMS.length);
  });

  it('search: snippets, themes and the echoed query', async () => {
    const res = await get('/search', { q: 'kassan kvittot', max_results: 50 });
    expect(res.status).toBe(200);
    expect(res.body.results.length).toBeGreaterThanOrEqual(FORMS.length);
    expect(JSON.stringify(res.body)).toContain('[telefonnummer]');
    expect(leaksIn(JSON.stringify(res.body))).toEqual([]);
    for (const [form] of FORMS) {
      const echoed = await get('/search', { q: `kassan ${form}` });
      expect(echoed.status).toBe(200);
      expect(leaksIn(JSON.stringify(echoed.body.search_metadata))).toEqual([]);
    }
  });

  it('trends: theme names', async () => {
    const res = await get('/trends', { weeks: 2 });
    expect(res.status).toBe(200);
    const body = JSON.stringify(res.body);
    expect(body).toContain('återuppringning [telefonnummer]');
    expect(leaksIn(body)).toEqual([]);
  });

  it('recommendations: from feedback items, recurring themes and the last report', async () => {
    const res = await get('/recommendations', { max_results: 50 });
    expect(res.status).toBe(200);
    const body = JSON.stringify(res.body);
    expect(body).toContain('[telefonnummer]');
    expect(leaksIn(body)).toEqual([]);
  });

  it('the weekly report: what the model is shown, what it writes back, themes and departments', async () => {
    const row = await buildWeeklyReport({ ...ctx.deps, openai: echoingModel }, tenant.storeId, weekOf('2026-11-23', 'Europe/Stockholm'));
    expect(row.total_feedback_count).toBe(FORMS.length);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('ringer upp på [telefonnummer] om kvittot');
    expect(leaksIn(prompts[0]!)).toEqual([]);
    const report = JSON.stringify(toReport(row));
    expect(report).toContain('[telefonnummer]');
    expect(leaksIn(report)).toEqual([]);
    expect(report).not.toMatch(/0701234599|123 45 99/);
  });
});
