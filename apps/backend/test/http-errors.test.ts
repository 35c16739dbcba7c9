import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { AppError, notFound, upstream } from '../src/http/errors';
import { errorHandler } from '../src/http/error-handler';
import { requestContext } from '../src/http/request-context';
import { createLogger } from '../src/observability/logger';
import { createTestContext, type TestContext } from './helpers/context';

const Body = z.object({ phone_number: z.string().min(5), store_id: z.uuid(), amount: z.number().positive() });

/** A tiny app using the real middleware, with routes that fail each way. */
function failingApp() {
  const app = express();
  app.use(requestContext(createLogger({ level: 'error', silent: true })));
  app.use(express.json({ limit: '1kb' }));
  app.post('/validate', (req, res) => {
    res.json(Body.parse(req.body));
  });
  app.get('/missing', () => {
    throw notFound('call session', 'abc');
  });
  app.get('/upstream', async () => {
    throw upstream('46elks', 'POST /calls answered 503');
  });
  app.get('/boom', async () => {
    throw new Error('secret connection string postgres://admin:hunter2@db');
  });
  app.get('/conflict', () => {
    throw new AppError('conflict', 'already has a transcript', { transcript_id: 't1' });
  });
  app.use(errorHandler);
  return app;
}

describe('error mapping to ErrorResponse', () => {
  const app = failingApp();

  it('zod errors → 400 validation_error naming each bad field', async () => {
    const res = await request(app).post('/validate').send({ phone_number: '1', amount: -3 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_error', timestamp: expect.any(String) });
    const fields = res.body.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['amount', 'phone_number', 'store_id']);
    expect(res.body.message).toMatch(/phone_number/);
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
  });

  it('typed errors keep their status, code and details', async () => {
    expect((await request(app).get('/missing')).body).toMatchObject({ error: 'not_found', message: 'call session abc not found' });
    expect((await request(app).get('/missing')).status).toBe(404);
    const up = await request(app).get('/upstream');
    expect(up.status).toBe(502);
    expect(up.body).toMatchObject({ error: 'upstream_error', details: { service: '46elks' } });
    const c = await request(app).get('/conflict');
    expect(c.status).toBe(409);
    expect(c.body.details).toEqual({ transcript_id: 't1' });
  });

  it('unknown errors → 500 without internals', async () => {
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal_error', message: 'internal server error', timestamp: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|stack|postgres/);
  });

  it('bad JSON → 400 invalid_json; too large → 413', async () => {
    const bad = await request(app).post('/validate').set('content-type', 'application/json').send('{"phone_number":');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_json');
    const big = await request(app).post('/validate').send({ phone_number: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('payload_too_large');
  });
});

describe('the service app', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('answers an unknown route with a 404 ErrorResponse, a request id and helmet headers', async () => {
    const res = await request(ctx.app).get('/nope').set('X-Request-Id', 'req-12345678');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', message: 'no route for GET /nope' });
    expect(res.headers['x-request-id']).toBe('req-12345678');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('writes one JSON access line per request with the request id', async () => {
    await request(ctx.app).get('/health').set('X-Request-Id', 'req-access-0001');
    const line = ctx.logs.find((l) => l.message === 'request' && l.requestId === 'req-access-0001');
    expect(line).toMatchObject({ method: 'GET', path: '/health', status: 200, level: 'http', service: 'samtal-backend' });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('replaces a missing or unsafe request id with a new one', async () => {
    const res = await request(ctx.app).get('/health').set('X-Request-Id', 'bad id <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
