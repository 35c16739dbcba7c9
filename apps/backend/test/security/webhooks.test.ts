import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';
import { createElksClient } from '../../src/telephony/elks-client';
import { webhookUrl } from '../../src/telephony/webhook-urls';
import { createCallState, readCallState } from '../../src/conversation/state';
import { createLogger } from '../../src/observability/logger';

/**
 * The 46elks webhooks as an attacker would use them: tokens that mean exactly one thing, recording
 * URLs that cannot be pointed at another 46elks endpoint (SSRF with our credentials), hang-ups that
 * name another call, and source addresses that cannot be claimed through X-Forwarded-For.
 */

const CALL = `c${'a'.repeat(32)}`;
const OTHER = `c${'b'.repeat(32)}`;
const path = (u: string) => new URL(u).pathname + new URL(u).search;

/** A stand-in for the 46elks API origin that records every request it gets. */
async function fakeElksApi(): Promise<{ url: string; seen: IncomingMessage[]; close: () => Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    if (req.url?.includes('/redirect/')) {
      res.writeHead(302, { location: '/a1/sms/POST?to=%2B46700000000&message=x' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(44));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a1`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('webhook tokens bind kind, turn, step and expiry', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });
  const url = (...args: Parameters<typeof webhookUrl> extends [string, string, ...infer R] ? R : never) =>
    webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, ...args);

  it('a URL works for its own webhook only: not as another kind, another turn, another step, or after it expires', async () => {
    const s = crypto.randomUUID();
    const post = (u: string, target = u) => {
      const from = new URL(u);
      const to = new URL(target);
      return request(ctx.app).post(to.pathname + from.search).type('form').send({ callid: CALL, result: 'success' });
    };
    expect((await post(url('next', s, 1, 1))).status).toBe(200);
    // A voice-start URL's query on the hangup path.
    const voiceStart = url('voice-start', s, 1);
    expect((await post(voiceStart, url('hangup', s, 1))).status).toBe(403);
    // Turn 1's next URL with its turn changed to 2, or its step changed.
    const turn1 = new URL(url('next', s, 1, 1));
    turn1.searchParams.set('n', '2');
    expect((await request(ctx.app).post(turn1.pathname + turn1.search).type('form').send({})).status).toBe(403);
    const acked = new URL(url('next', s, 1, 1));
    acked.searchParams.set('f', '1');
    expect((await request(ctx.app).post(acked.pathname + acked.search).type('form').send({})).status).toBe(403);
    // The expiry cannot be pushed forward, and a URL made 27 h ago (past 46elks' 24 h of retries) is refused.
    const later = new URL(url('next', s, 1, 1));
    later.searchParams.set('e', String(Number(later.searchParams.get('e')) + 86_400));
    expect((await request(ctx.app).post(later.pathname + later.search).type('form').send({})).status).toBe(403);
    const old = url('hangup', s, 1, undefined, {}, Date.now() - 27 * 3600_000);
    const res = await request(ctx.app).post(path(old)).type('form').send({ id: CALL, state: 'success' });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/expired/);
  });

  it('a hangup naming another call than the attempt’s is refused and changes nothing', async () => {
    const s = crypto.randomUUID();
    const prompt = (id: string) => ({ id, kind: 'question', text: id, url: `${ctx.config.PUBLIC_BASE_URL}/audio/${id}.wav`, durationMs: 3000 });
    const ids = ['greeting', 'q1', 'closing', 'closing:budget', 'bye:declined', 'bye:opt_out', 'bye:non_swedish', 'bye:cancelled'];
    await createCallState(ctx.deps, {
      sessionId: s,
      attemptNo: 1,
      storeId: crypto.randomUUID(),
      placedAt: Date.now(),
      prompts: Object.fromEntries(ids.map((id) => [id, prompt(id)])),
      greeting: 'greeting',
      questions: ['q1'],
      followUps: [],
      acknowledgements: [],
      endings: {
        closing: 'closing',
        budgetClosing: 'closing:budget',
        declineGoodbye: 'bye:declined',
        optOutGoodbye: 'bye:opt_out',
        nonSwedishGoodbye: 'bye:non_swedish',
        cancelledGoodbye: 'bye:cancelled',
      },
    });
    // voice-start binds the call id; a hangup for another call is refused with no state change.
    expect((await request(ctx.app).post(path(url('voice-start', s, 1))).type('form').send({ callid: CALL, result: 'newoutgoing' })).status).toBe(200);
    const before = await ctx.deps.redis.hgetall(ctx.deps.key('call', s, '1'));
    const refused = await request(ctx.app).post(path(url('hangup', s, 1))).type('form').send({ id: OTHER, state: 'success', start: '2026-12-06T10:00:00.000000' });
    expect(refused.status).toBe(403);
    expect(await ctx.deps.redis.hgetall(ctx.deps.key('call', s, '1'))).toEqual(before);
    expect(await ctx.deps.queues.hangup.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });
    expect(ctx.logs.some((l) => l.message === '46elks webhook for another call refused')).toBe(true);
    // A voice-start for another call is refused too, and the call's own hangup is taken.
    expect((await request(ctx.app).post(path(url('voice-start', s, 1))).type('form').send({ callid: OTHER })).status).toBe(403);
    expect((await request(ctx.app).post(path(url('hangup', s, 1))).type('form').send({ id: CALL, state: 'success' })).status).toBe(204);
    expect((await readCallState(ctx.deps, s, 1))!.callId).toBe(CALL);
  });
});

describe('recording URLs: only this call’s documented recordings path gets our credentials (no SSRF)', () => {
  let ctx: TestContext;
  let api: Awaited<ReturnType<typeof fakeElksApi>>;
  beforeAll(async () => {
    api = await fakeElksApi();
    ctx = await createTestContext({ ELKS_API_URL: api.url });
  });
  afterAll(async () => {
    await ctx.close();
    await api.close();
  });

  it('a recording webhook pointing at another 46elks endpoint (a GET form that sends SMS), a query, another call or another host is refused; nothing is fetched', async () => {
    const s = crypto.randomUUID();
    const rec = path(webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, 'recording', s, 1, 0));
    const origin = new URL(api.url).origin;
    const bad = [
      `${api.url}/sms/POST?to=%2B46701234567&message=hej`,
      `${api.url}/calls/POST?to=%2B46701234567&from=%2B46766860000&voice_start=x`,
      `${api.url}/recordings/${CALL}-r0.wav?x=1`,
      `${api.url}/recordings/${OTHER}-r0.wav`,
      `${api.url}/recordings/${CALL}-r0.wav/../../sms/POST`,
      `${origin}/other/recordings/${CALL}-r0.wav`,
      `http://user:pw@${new URL(api.url).host}/a1/recordings/${CALL}-r0.wav`,
      `https://evil.example/a1/recordings/${CALL}-r0.wav`,
    ];
    for (const wav of bad) {
      const res = await request(ctx.app).post(rec).type('form').send({ callid: CALL, wav, duration: '4' });
      expect({ wav, status: res.status }).toEqual({ wav, status: 400 });
    }
    expect(api.seen).toHaveLength(0);
    expect(await ctx.deps.queues.stt.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
  });

  it('the client fetches only that path, follows no redirect, and never sends DELETE', async () => {
    const client = createElksClient({ baseUrl: api.url, username: 'u', password: 'p', log: createLogger({ level: 'error', silent: true }), retries: 0 });
    await expect(client.downloadRecording(`${api.url}/sms/POST?to=x`, CALL)).rejects.toThrow(/not a recording of this call/);
    await expect(client.downloadRecording(`${api.url}/Recordings/${CALL}-r1.wav`, OTHER)).rejects.toThrow(/not a recording of this call/);
    expect(api.seen).toHaveLength(0);
    expect((await client.downloadRecording(`${api.url}/Recordings/${CALL}-r1.wav`, CALL)).length).toBe(44);
    // A redirect (to the SMS endpoint) is an error, not a second request with our credentials.
    api.seen.length = 0;
    const server = api.url.replace(/\/a1$/, '');
    const behindRedirect = createElksClient({ baseUrl: `${server}/redirect/a1`, username: 'u', password: 'p', log: createLogger({ level: 'error', silent: true }), retries: 0 });
    await expect(behindRedirect.downloadRecording(`${server}/redirect/a1/recordings/${CALL}-r0.wav`, CALL)).rejects.toThrow();
    expect(api.seen.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /redirect/a1/recordings/${CALL}-r0.wav`]);
  });
});

describe('client addresses: X-Forwarded-For only from our own proxies; 46elks allow-list in every form', () => {
  it('with no TRUST_PROXY a forged X-Forwarded-For neither passes the allow-list nor changes the rate-limit bucket', async () => {
    const ctx = await createTestContext({ ELKS_ALLOWED_IPS: '176.10.154.199', RATE_LIMIT_IP: '3' });
    try {
      const s = crypto.randomUUID();
      const u = path(webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, 'voice-start', s, 1));
      const res = await request(ctx.app).post(u).set('X-Forwarded-For', '176.10.154.199').type('form').send({});
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/source address/);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await request(ctx.app).get('/ready').set('X-Forwarded-For', `10.0.0.${i}`)).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await ctx.close();
    }
  });

  it('behind a trusted proxy the forwarded address counts; IPv4, IPv4-mapped IPv6 and CIDR forms all match', async () => {
    const ctx = await createTestContext({ ELKS_ALLOWED_IPS: '176.10.154.0/24,2001:db8::1', TRUST_PROXY: '127.0.0.1,::1' });
    try {
      const s = crypto.randomUUID();
      const u = path(webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, 'voice-start', s, 1));
      for (const [xff, status] of [
        ['176.10.154.199', 200],
        ['::ffff:176.10.154.199', 200],
        ['2001:0db8:0000:0000:0000:0000:0000:0001', 200],
        ['176.10.155.1', 403],
        ['8.8.8.8, 176.10.154.199', 200],
      ] as const) {
        expect({ xff, status: (await request(ctx.app).post(u).set('X-Forwarded-For', xff).type('form').send({})).status }).toEqual({ xff, status });
      }
    } finally {
      await ctx.close();
    }
  });
});
