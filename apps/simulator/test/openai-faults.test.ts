import OpenAI from 'openai';
import type { APIError } from 'openai/core/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { type Simulators, startSimulators } from '../src/index';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators({ seed: 9, openaiApiKey: 'sk-right-key-123456' });
});
afterAll(() => sims.stop());
afterEach(() => {
  sims.openai.setFaults({ latencyMs: 0, rate429: 0, rate500: 0, next429: 0, next500: 0, malformedRate: 0, refusalRate: 0 });
});

const Out = z.object({ summary: z.string(), depth_score: z.number().min(0).max(1), sentiment: z.enum(['positive', 'neutral', 'negative', 'mixed']) });
const client = (maxRetries = 2) => new OpenAI({ apiKey: 'sk-right-key-123456', baseURL: sims.openaiUrl, maxRetries });
const ask = (c: OpenAI) =>
  c.chat.completions.parse({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Kund: Kassan var snabb och personalen trevlig, jag väntade bara två minuter.' }],
    response_format: zodResponseFormat(Out, 'out'),
  });

test('auth: a wrong or missing Bearer key is a 401 OpenAI error', async () => {
  const wrong = await new OpenAI({ apiKey: 'sk-wrong-key-000000', baseURL: sims.openaiUrl, maxRetries: 0 }).models.list().catch((e: unknown) => e);
  expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
  expect((wrong as APIError).code).toBe('invalid_api_key');
  expect((wrong as Error).message).toMatch(/Incorrect API key provided: sk-\*+0000/);
  const none = await fetch(`${sims.openaiUrl}/models`);
  expect(none.status).toBe(401);
  expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/You didn't provide an API key/);
  expect((await client().models.list()).data.length).toBeGreaterThan(0);
});

test('429s are retried by the SDK (retry-after-ms) and then succeed', async () => {
  sims.openai.setFaults({ next429: 2 });
  const before = sims.openai.stats().faults_injected.rate_limited;
  const res = await ask(client(2));
  expect(res.choices[0]!.message.parsed!.summary).toBeTruthy();
  expect(sims.openai.stats().faults_injected.rate_limited - before).toBe(2);
});

test('500s are retried by the SDK and then succeed', async () => {
  sims.openai.setFaults({ next500: 1 });
  const res = await ask(client(2));
  expect(res.choices[0]!.message.parsed).not.toBeNull();
  expect(sims.openai.stats().endpoints['POST /v1/chat/completions']!.by_status['500']).toBeGreaterThanOrEqual(1);
});

test('with maxRetries 0 the 429 / 500 surfaces, with OpenAI error bodies', async () => {
  sims.openai.setFaults({ rate429: 1 });
  const rate = await ask(client(0)).catch((e: unknown) => e);
  expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
  expect((rate as APIError).code).toBe('rate_limit_exceeded');
  expect((rate as APIError).headers?.get('retry-after-ms')).toBe('20');
  sims.openai.setFaults({ rate429: 0, rate500: 1 });
  const server = await ask(client(0)).catch((e: unknown) => e);
  expect(server).toBeInstanceOf(OpenAI.InternalServerError);
  expect((server as Error).message).toMatch(/The server had an error/);
});

test('malformed content: the SDK parse throws (invalid JSON or schema mismatch)', async () => {
  sims.openai.setFaults({ malformedRate: 1 });
  const errors = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ask(client(0)).then(() => null, (e: unknown) => e)));
  expect(errors.every((e) => e instanceof Error)).toBe(true);
  const kinds = new Set(errors.map((e) => (e as Error).name));
  expect([...kinds].every((k) => k === 'SyntaxError' || k === 'ZodError')).toBe(true);
  const raw = await client(0).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], response_format: zodResponseFormat(Out, 'out') });
  expect(() => Out.parse(JSON.parse(raw.choices[0]!.message.content!))).toThrow();
});

test('refusal: message.refusal is set, content null, parsed null', async () => {
  sims.openai.setFaults({ refusalRate: 1 });
  const res = await ask(client(0));
  const message = res.choices[0]!.message;
  expect(message.refusal).toMatch(/can't help/);
  expect(message.content).toBeNull();
  expect(message.parsed).toBeNull();
});

test('latency is added to every request (real ms)', async () => {
  sims.openai.setFaults({ latencyMs: 150 });
  const started = Date.now();
  await ask(client(0));
  expect(Date.now() - started).toBeGreaterThanOrEqual(145);
});

test('faults can be set over HTTP: POST /sim/faults, GET /sim/stats', async () => {
  const base = sims.openaiUrl.replace(/\/v1$/, '/sim');
  const res = await fetch(`${base}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate500: 0.5 }) });
  expect(((await res.json()) as { rate500: number }).rate500).toBe(0.5);
  expect((await fetch(`${base}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate500: 2 }) })).status).toBe(400);
  const stats = (await (await fetch(`${base}/stats`)).json()) as { requests: number; usage: { total_tokens: number } };
  expect(stats.requests).toBeGreaterThan(0);
  expect(stats.usage.total_tokens).toBeGreaterThan(0);
});
