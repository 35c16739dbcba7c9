import request from 'supertest';
import { createDeps } from '../src/deps';
import { buildApp } from '../src/http/app';
import { createLogger } from '../src/observability/logger';
import { webhookUrl } from '../src/telephony/webhook-urls';
import { createTenant } from './helpers/business';
import { createTestContext, type TestContext } from './helpers/context';

/** Rate limits live in Redis, so two instances share them; 429 says when to come back. */

describe('rate limits', () => {
  let ctx: TestContext;
  let second: ReturnType<typeof createDeps>;
  beforeAll(async () => {
    ctx = await createTestContext({ RATE_LIMIT_BUSINESS: '5', RATE_LIMIT_INTERNAL: '4', RATE_LIMIT_IP: '1000' });
    second = createDeps(ctx.config, { log: createLogger({ level: 'error', silent: true }) });
  });
  afterAll(async () => {
    await second.close();
    await ctx.close();
  });

  it('a business user’s limit is shared by two app instances on one Redis', async () => {
    const tenant = await createTenant(ctx.deps, 'Gamma');
    const apps = [ctx.app, buildApp(second.deps)];
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await request(apps[i % 2]!).get('/api/ai/business/reports').set('Authorization', `Bearer ${tenant.token}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/at most 5 per 60 s/) });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Another user of the same business has a budget of their own.
    const other = await createTenant(ctx.deps, 'Delta');
    expect((await request(ctx.app).get('/api/ai/business/reports').set('Authorization', `Bearer ${other.token}`)).status).toBe(200);
  });

  it('internal callers are limited per API key', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push((await request(ctx.app).get(`/api/ai/calls/${crypto.randomUUID()}/status`).set('X-API-Key', ctx.config.ADMIN_API_KEY)).status);
    }
    expect(codes).toEqual([404, 404, 404, 404, 429, 429]);
  });

  it('46elks webhooks are never throttled (their tokens protect them)', async () => {
    const u = new URL(webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, 'next', crypto.randomUUID(), 1, 0));
    const codes = await Promise.all(Array.from({ length: 20 }, () => request(ctx.app).post(u.pathname + u.search).type('form').send({}).then((r) => r.status)));
    expect(new Set(codes)).toEqual(new Set([200]));
  });
});
