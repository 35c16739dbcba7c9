import { SignJWT } from 'jose';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import { buildApp } from '../../src/http/app';
import { sameSecret } from '../../src/http/auth';
import { createTenant, tokenFor } from '../helpers/business';
import { createTestContext, type TestContext } from '../helpers/context';
import { freePort } from '../helpers/processes';
import { testEnv } from '../helpers/env';

/** The HTTP surface as an attacker probes it: tokens, keys, guesses, anonymous endpoints, roles. */

const sign = (secret: string, claims: Record<string, unknown>, build: (j: SignJWT) => SignJWT) =>
  build(new SignJWT({ role: 'authenticated', ...claims }).setProtectedHeader({ alg: 'HS256' }).setAudience('authenticated')).sign(new TextEncoder().encode(secret));

describe('business tokens', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ SUPABASE_URL: 'https://abcd.supabase.co' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('need exp and sub, the project’s issuer (when SUPABASE_URL is set), and an iat not in the future', async () => {
    const t = await createTenant(ctx.deps, 'Epsilon');
    const secret = ctx.config.SUPABASE_JWT_SECRET!;
    const iss = 'https://abcd.supabase.co/auth/v1';
    const get = (token: string) => request(ctx.app).get('/api/ai/business/reports').set('Authorization', `Bearer ${token}`);
    const now = Math.floor(Date.now() / 1000);
    const good = await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuer(iss).setIssuedAt().setExpirationTime('5m'));
    expect((await get(good)).status).toBe(200);
    const cases: Array<[string, string]> = [
      ['no exp (valid for ever)', await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuer(iss).setIssuedAt())],
      ['no sub', await sign(secret, {}, (j) => j.setIssuer(iss).setIssuedAt().setExpirationTime('5m'))],
      ['another project', await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuer('https://other.supabase.co/auth/v1').setIssuedAt().setExpirationTime('5m'))],
      ['no issuer', await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuedAt().setExpirationTime('5m'))],
      ['issued in the future', await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuer(iss).setIssuedAt(now + 3600).setExpirationTime(now + 7200))],
      ['expired', await sign(secret, {}, (j) => j.setSubject(t.userId).setIssuer(iss).setIssuedAt(now - 7200).setExpirationTime(now - 3600))],
    ];
    for (const [what, token] of cases) expect({ what, status: (await get(token)).status }).toEqual({ what, status: 401 });
  });
});

describe('keys and guesses', () => {
  it('the key comparison does not depend on the guess’s length (both sides hashed first)', () => {
    const key = 'test-admin-key-0123456789';
    expect(sameSecret('a', key)).toBe(false);
    expect(sameSecret(`${key}x`, key)).toBe(false);
    expect(sameSecret(key, key)).toBe(true);
  });

  it('guessed X-API-Keys share the caller’s IP bucket instead of opening a new one each', async () => {
    const ctx = await createTestContext({ RATE_LIMIT_INTERNAL: '4', RATE_LIMIT_AUTH_FAILURES: '1000' });
    try {
      const status = async (key: string) => (await request(ctx.app).get(`/api/ai/calls/${crypto.randomUUID()}/status`).set('X-API-Key', key)).status;
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push(await status(`guess-${i}-${crypto.randomUUID()}`));
      expect(codes).toEqual([401, 401, 401, 401, 429, 429]);
      // The real key has a bucket of its own.
      expect(await status(ctx.config.ADMIN_API_KEY)).toBe(404);
    } finally {
      await ctx.close();
    }
  });

  it('after RATE_LIMIT_AUTH_FAILURES failed authentications an address gets 429 for the window, even with the right key', async () => {
    const ctx = await createTestContext({ RATE_LIMIT_AUTH_FAILURES: '3' });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await request(ctx.app).get('/api/ai/business/reports').set('Authorization', 'Bearer a.b.c')).status).toBe(401);
      }
      const refused = await request(ctx.app).get(`/api/ai/calls/${crypto.randomUUID()}/status`).set('X-API-Key', ctx.config.ADMIN_API_KEY);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.message).toMatch(/too many failed authentications/);
      expect((await request(ctx.app).get('/openapi.json')).status).toBe(429);
      // The 46elks webhooks and liveness are not caught by it.
      expect((await request(ctx.app).get('/health')).status).toBe(200);
    } finally {
      await ctx.close();
    }
  });
});

describe('operations endpoints', () => {
  it('/metrics needs the scraper token or the API key; /ready names no host, port or driver error', async () => {
    const ctx = await createTestContext({ METRICS_TOKEN: 'metrics-token-0123456789abcdef' });
    const closedPort = await freePort();
    const down = createDeps({ ...ctx.config, DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/gone` }, { log: ctx.deps.log });
    try {
      expect((await request(ctx.app).get('/metrics')).status).toBe(401);
      expect((await request(ctx.app).get('/metrics').set('Authorization', 'Bearer nope')).status).toBe(401);
      expect((await request(ctx.app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789abcdef')).status).toBe(200);
      expect((await request(ctx.app).get('/metrics').set('X-API-Key', ctx.config.ADMIN_API_KEY)).status).toBe(200);
      const ready = await request(buildApp(down.deps)).get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details.checks.postgres).toMatchObject({ ok: false, error: 'unreachable' });
      expect(JSON.stringify(ready.body)).not.toMatch(new RegExp(`${closedPort}|ECONNREFUSED|127\\.0\\.0\\.1|gone`));
      expect(ctx.logs.some((l) => l.message === 'not ready' && String(l.postgres).length > 0)).toBe(true);
    } finally {
      await down.close();
      await ctx.close();
    }
  });

  it('PUBLIC_BASE_URL must be https in production (loopback excepted)', () => {
    expect(() => loadConfig(testEnv({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://samtal.example.se' }))).toThrow(ConfigError);
    expect(() => loadConfig(testEnv({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://samtal.example.se' }))).toThrow(/PUBLIC_BASE_URL is invalid: must be https in production/);
    expect(loadConfig(testEnv({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://samtal.example.se' })).PUBLIC_BASE_URL).toBe('https://samtal.example.se');
    // A loopback address (a local run against the simulators) is no exposure.
    expect(loadConfig(testEnv({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' })).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });
});

describe('business roles', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('a viewer cannot force a rebuild (a model call); an owner can, once per store-week per 10 minutes', async () => {
    const owner = await createTenant(ctx.deps, 'Zeta');
    const viewerId = crypto.randomUUID();
    await ctx.deps.sql`insert into business_users (user_id, business_id, role) values (${viewerId}, ${owner.businessId}, 'viewer')`;
    const viewer = await tokenFor(ctx.deps, viewerId);
    const generate = (token: string, force: boolean) =>
      request(ctx.app).post('/api/ai/business/reports/generate').set('Authorization', `Bearer ${token}`).send({ store_id: owner.storeId, analysis_week: '2026-11-16', force });
    // Reading, and building a report that does not exist yet, are open to a viewer.
    expect((await generate(viewer, false)).status).toBe(201);
    expect((await generate(viewer, false)).status).toBe(200);
    const refused = await generate(viewer, true);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/owner or admin/);
    expect((await generate(owner.token, true)).status).toBe(201);
    const again = await generate(owner.token, true);
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(500);
  });
});
