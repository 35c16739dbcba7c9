import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../src/http/error-handler';
import { requireBusinessUser } from '../../src/http/business-auth';
import { requestContext } from '../../src/http/request-context';
import { enqueueWeeklyReports } from '../../src/reports/report-schedule';
import { reportsRoutes } from '../../src/reports/reports.routes';
import { buildWeeklyReport, sameIssue } from '../../src/reports/weekly-report';
import { weekOf } from '../../src/reports/week';
import { createTestContext, type TestContext } from '../helpers/context';
import { createTenant, insertGradedCall, type Tenant } from '../helpers/business';
import { startSimulators, type Simulators } from '@samtal/simulator';

/** Weekly reports: figures from SQL (checked by hand), prose from the model over summaries. */

// Week 2026-W46: Monday 9 Nov 2026. Stockholm is UTC+1 then.
const W46 = '2026-11-09';
const at = (iso: string) => new Date(iso);

describe('weekly reports', () => {
  let ctx: TestContext;
  let sim: Simulators;
  let a: Tenant;
  let b: Tenant;
  let app: express.Express;

  beforeAll(async () => {
    sim = await startSimulators({ seed: 3 });
    ctx = await createTestContext({ OPENAI_BASE_URL: sim.openaiUrl }, { clock: () => new Date('2026-11-16T05:00:00Z') });
    a = await createTenant(ctx.deps, 'Alfa');
    b = await createTenant(ctx.deps, 'Beta');
    // Week 46 at store A: three graded calls (one fraud), plus one on Sunday night just before W47
    // (local 23:30 Sunday = 22:30Z) and one just after midnight Monday W47 (00:30 local = 23:30Z Sunday).
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-09T08:00:00Z'), { quality: 0.8, summary: 'Kunden berömde bageriets nybakade bröd men kassakön var lång.', sentiment: 'mixed', themes: ['Kassakö', 'bröd'], departments: ['Bageri', 'Kassa'] });
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-11T12:00:00Z'), { quality: 0.6, summary: 'Mjölken i mejeriet hade gått ut och bara en kassa var öppen.', sentiment: 'negative', themes: ['kassakö', 'utgångna varor'], departments: ['Mejeri', 'Kassa'] });
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-15T22:30:00Z'), { quality: 0.1, summary: 'Generisk text om en annan butik.', sentiment: 'positive', fraud: true });
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-15T23:30:00Z'), { quality: 0.9, summary: 'Tillhör vecka 47.', sentiment: 'positive' });
    // The previous week (W45) for the comparison: two calls averaging 0.5.
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-03T10:00:00Z'), { quality: 0.4, summary: 'Rörigt i frukt och grönt.' });
    await insertGradedCall(ctx.deps, a.storeId, at('2026-11-04T10:00:00Z'), { quality: 0.6, summary: 'Bra service i kassan.' });
    await ctx.deps.sql`insert into rewards (store_id, amount_sek, reward_percentage, state, created_at) values
      (${a.storeId}, 25.50, 10, 'approved', '2026-11-10T10:00:00Z'), (${a.storeId}, 9.99, 5, 'reversed', '2026-11-10T11:00:00Z')`;
    app = express()
      .use(requestContext(ctx.deps.log))
      .use(express.json())
      .use('/api/ai/business', requireBusinessUser(ctx.deps), reportsRoutes(ctx.deps))
      .use(errorHandler);
  });
  afterAll(async () => {
    await ctx?.close();
    await sim?.stop();
  });

  it('figures match the hand-computed week (Stockholm week boundaries, fraud counted, reversals not)', async () => {
    const row = await buildWeeklyReport(ctx.deps, a.storeId, weekOf(W46, 'Europe/Stockholm'));
    expect(row.total_feedback_count).toBe(3);
    expect(Number(row.average_quality_score)).toBe(0.5); // (0.8 + 0.6 + 0.1) / 3
    expect(row.report_metadata).toMatchObject({
      iso_week: '2026-W46',
      fraud_count: 1,
      rewards_total_sek: 25.5,
      funnel: { verifications: 3, attempted: 3, answered: 3, completed: 3, answer_rate: 1, completion_rate: 1 },
      sentiment: { mixed: 1, negative: 1, positive: 1 },
    });
    expect(row.department_insights).toMatchObject({
      Kassa: { mentions: 2, average_quality: 0.7, negative_share: 0.5 },
      Bageri: { mentions: 1, average_quality: 0.8, negative_share: 0 },
    });
    expect((row.report_metadata.top_themes as Array<{ theme: string; count: number }>)[0]).toEqual({ theme: 'kassakö', count: 2 });
    expect(row.historical_comparison).toEqual({
      previous_week: { feedback_count: 2, average_quality: 0.5 },
      four_week_average: { feedback_count: 0.5, average_quality: 0.5 },
      twelve_week_average: { feedback_count: 0.17, average_quality: 0.5 },
    });
    // The prose comes from the model, over summaries; fraud summaries are left out.
    expect(row.report_metadata.model).toBeTruthy();
    expect(Array.isArray(row.negative_issues)).toBe(true);
    expect(JSON.stringify(row)).not.toMatch(/annan butik|4670/);
  });

  it('POST generate is idempotent per store-week; force rebuilds the same row', async () => {
    const first = await request(app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${a.token}`).send({ store_id: a.storeId, analysis_week: W46 });
    expect([200, 201]).toContain(first.status);
    const again = await request(app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${a.token}`).send({ store_id: a.storeId, analysis_week: '2026-11-12' });
    expect(again.status).toBe(200);
    expect(again.body.report_id).toBe(first.body.report_id);
    const forced = await request(app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${a.token}`).send({ store_id: a.storeId, analysis_week: W46, force: true });
    expect(forced.status).toBe(201);
    expect(forced.body.report_id).toBe(first.body.report_id);
    const [n] = await ctx.deps.sql`select count(*)::int as n from weekly_analysis_reports where store_id = ${a.storeId}`;
    expect(n!.n).toBe(1);
  });

  it('defaults to the last complete week; an empty week gets a report of zeros without the model', async () => {
    const res = await request(app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${b.token}`).send({ store_id: b.storeId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ analysis_week: W46, total_feedback_count: 0, average_quality_score: null, positive_trends: [], report_metadata: { model: null } });
  });

  it('GET one and a filtered, paginated list — only the caller’s own', async () => {
    const list = await request(app).get('/api/ai/business/reports').query({ page_size: 1 }).set('Authorization', `Bearer ${a.token}`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, page_size: 1 });
    const id = list.body.reports[0].report_id;
    expect((await request(app).get(`/api/ai/business/reports/${id}`).set('Authorization', `Bearer ${a.token}`)).status).toBe(200);
    const period = await request(app).get('/api/ai/business/reports').query({ start_date: '2026-11-10' }).set('Authorization', `Bearer ${a.token}`);
    expect(period.body.total).toBe(0);
  });

  it('cross-tenant: another business’s store or report answers 404, never its data', async () => {
    const theirs = await request(app).get('/api/ai/business/reports').set('Authorization', `Bearer ${b.token}`);
    expect(theirs.body.reports.every((r: { store_id: string }) => r.store_id === b.storeId)).toBe(true);
    const [aReport] = await ctx.deps.sql`select id from weekly_analysis_reports where store_id = ${a.storeId}`;
    expect((await request(app).get(`/api/ai/business/reports/${aReport!.id}`).set('Authorization', `Bearer ${b.token}`)).status).toBe(404);
    expect((await request(app).get('/api/ai/business/reports').query({ store_id: a.storeId }).set('Authorization', `Bearer ${b.token}`)).status).toBe(404);
    const gen = await request(app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${b.token}`).send({ store_id: a.storeId });
    expect(gen.status).toBe(404);
    expect(gen.body.message).toBe(`store ${a.storeId} not found`);
  });

  it('two scheduler instances firing at once enqueue one job per store-week', async () => {
    const now = new Date('2026-11-16T05:00:00Z');
    await Promise.all([enqueueWeeklyReports(ctx.deps, now), enqueueWeeklyReports(ctx.deps, now)]);
    const jobs = await ctx.deps.queues.reports.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.map((j) => j.id).sort()).toEqual([`report-${a.storeId}-2026-W46`, `report-${b.storeId}-2026-W46`].sort());
  });

  it('new issues are those unlike last week’s', () => {
    expect(sameIssue('Lång kö i kassan på lördagar', 'Lång kö i kassan lördagar')).toBe(true);
    expect(sameIssue('Lång kö i kassan', 'Utgångna mejerivaror i kylen')).toBe(false);
  });
});
