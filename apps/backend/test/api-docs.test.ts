import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import { ROUTES } from '../src/http/api-docs';
import { createTestContext, type TestContext } from './helpers/context';

/** /openapi.json is a valid OpenAPI document covering every route of DESIGN §3, and /docs renders it. */

const DESIGN_ROUTES = [
  'post /webhooks/verification',
  'post /api/ai/calls/erase',
  'post /api/ai/calls/initiate',
  'get /api/ai/calls/{call_session_id}/status',
  'get /api/ai/calls/{call_session_id}/transcript',
  'post /api/ai/calls/{call_session_id}/transcript',
  'put /api/ai/calls/{call_session_id}/retry',
  'delete /api/ai/calls/{call_session_id}',
  'post /api/ai/analysis/quality',
  'post /api/ai/analysis/fraud-detection',
  'post /api/ai/analysis/summarize',
  'delete /api/ai/analysis/cleanup-low-grade',
  'get /api/ai/analysis/metrics',
  'post /api/ai/business/reports/generate',
  'get /api/ai/business/reports/{report_id}',
  'get /api/ai/business/reports',
  'get /api/ai/business/search',
  'get /api/ai/business/trends',
  'get /api/ai/business/recommendations',
  'post /webhooks/46elks/voice-start',
  'post /webhooks/46elks/next',
  'post /webhooks/46elks/recording',
  'post /webhooks/46elks/hangup',
  'get /audio/{file}',
  'get /health',
  'get /ready',
  'get /openapi.json',
  'get /metrics',
  'get /docs',
];

describe('OpenAPI', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await request(ctx.app).get('/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route of the contract, with its schemas', async () => {
    const doc = (await request(ctx.app).get('/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual([...DESIGN_ROUTES].sort());
    expect(doc.paths['/api/ai/calls/initiate']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/api/ai/calls/initiate']!.post!.responses['202']).toBeDefined();
    expect(doc.paths['/api/ai/calls/initiate']!.post!.responses['400']).toEqual({ $ref: '#/components/responses/Error400' });
  });

  it.each(ROUTES.map((r) => [r.method, r.path]))('%s %s is served by the app', async (method, path) => {
    const concrete = path.replace('{call_session_id}', crypto.randomUUID()).replace('{report_id}', crypto.randomUUID()).replace('{file}', `${'0'.repeat(32)}.wav`);
    const res = await request(ctx.app)[method as 'get'](concrete);
    // Anything but the catch-all "no route" answer: 401/403/404-of-a-resource/400 all prove a handler.
    expect(res.body?.message ?? '').not.toMatch(/^no route for/);
  });

  it('GET /docs renders the document with assets served locally', async () => {
    const res = await request(ctx.app).get('/docs/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/swagger-ui/);
    const init = await request(ctx.app).get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toMatch(/Samtal API/);
  });
});
