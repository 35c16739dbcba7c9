import request from 'supertest';
import { createTestContext, type TestContext } from './helpers/context';

describe('health and readiness', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('GET /health is liveness only', async () => {
    const res = await request(ctx.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', uptime_seconds: expect.any(Number) });
  });

  it('GET /ready checks Postgres and Redis', async () => {
    const res = await request(ctx.app).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true } } });
  });
});

describe('readiness with a dependency down', () => {
  it('→ 503 naming Redis when Redis is unreachable (wrong port)', async () => {
    const ctx = await createTestContext({ REDIS_URL: 'redis://127.0.0.1:6390' });
    try {
      const res = await request(ctx.app).get('/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        error: 'service_unavailable',
        message: 'not ready: redis unreachable',
        details: { checks: { postgres: { ok: true }, redis: { ok: false, error: expect.any(String) } } },
      });
    } finally {
      await ctx.close();
    }
  });

  it('→ 503 naming Postgres when Postgres is unreachable (wrong port)', async () => {
    const ctx = await createTestContext({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5439/none' });
    try {
      const res = await request(ctx.app).get('/ready');
      expect(res.status).toBe(503);
      expect(res.body.message).toBe('not ready: postgres unreachable');
      expect(res.body.details.checks.redis.ok).toBe(true);
    } finally {
      await ctx.close();
    }
  });
});
