import { type Simulators, startSimulators } from '../src/index';
import { type FakeBackend, startFakeBackend } from './helpers/backend';

let sims: Simulators;
let backend: FakeBackend;
const auth = `Basic ${Buffer.from('u_test:p_test').toString('base64')}`;

beforeAll(async () => {
  sims = await startSimulators({ timeScale: 0.005, seed: 11, elksUsername: 'u_test', elksPassword: 'p_test', duplicateHangupRate: 0 });
  backend = await startFakeBackend(sims, { questions: 1 });
});
afterAll(async () => {
  await backend.close();
  await sims.stop();
});

const post = (body: Record<string, string>, authorization: string | null = auth) =>
  fetch(`${sims.elksUrl}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(body).toString(),
  });

const validCall = (to: string) => ({ from: '+46766860000', to, voice_start: `${backend.url}/vs`, whenhangup: `${backend.url}/hangup` });

describe('POST /a1/calls', () => {
  test('the URLs are what the backend puts in ELKS_API_URL / OPENAI_BASE_URL', () => {
    expect(sims.elksUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/a1$/);
    expect(sims.openaiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  test.each([
    ['missing', null],
    ['wrong password', `Basic ${Buffer.from('u_test:nope').toString('base64')}`],
    ['not basic', 'Bearer abc'],
  ])('401 plain text when auth is %s', async (_label, authorization) => {
    const res = await post(validCall('+46700000001'), authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Unauthorized');
  });

  test.each(['from', 'to', 'voice_start'])('400 plain text when %s is missing', async (field) => {
    const body: Record<string, string> = validCall('+46700000002');
    delete body[field];
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(`Missing key ${field}`);
  });

  test('400 for a JSON body (46elks takes form fields only), bad numbers, bad voice_start, bad timeout', async () => {
    const json = await fetch(`${sims.elksUrl}/calls`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(validCall('+46700000003')),
    });
    expect(json.status).toBe(400);
    expect(await json.text()).toBe('Missing key from');
    expect(await (await post({ ...validCall('+46700000003'), to: '0700000003' })).text()).toBe('Invalid to number');
    expect(await (await post({ ...validCall('+46700000003'), voice_start: '{not json' })).text()).toMatch(/Invalid voice_start/);
    expect(await (await post({ ...validCall('+46700000003'), voice_start: 'ftp://x/y' })).text()).toMatch(/Invalid voice_start/);
    expect((await post({ ...validCall('+46700000003'), timeout: 'ten' })).status).toBe(400);
  });

  test('200 JSON like 46elks: id c + 32 hex, created without zone with microseconds, state ongoing, timeout', async () => {
    const res = await post({ ...validCall('+46700000004'), timeout: '40' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['created', 'direction', 'from', 'id', 'state', 'timeout', 'to']);
    expect(body).toMatchObject({ direction: 'outgoing', from: '+46766860000', to: '+46700000004', state: 'ongoing', timeout: 40 });
    expect(body.id).toMatch(/^c[0-9a-f]{32}$/);
    expect(body.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    await sims.elks.waitForCall(String(body.id));
  });

  test('timeout defaults to 60', async () => {
    const body = (await (await post(validCall('+46700000005'))).json()) as { id: string; timeout: number };
    expect(body.timeout).toBe(60);
    await sims.elks.waitForCall(body.id);
  });

  test('fault knobs: next n creates answer 503 / 400 text, or 200 with state failed', async () => {
    sims.elks.setFaults({ createCall5xx: 2, createCall4xx: 1, createCallFailed: 1 });
    const a = await post(validCall('+46700000006'));
    const b = await post(validCall('+46700000006'));
    const c = await post(validCall('+46700000006'));
    expect([a.status, b.status, c.status]).toEqual([503, 503, 400]);
    expect(a.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await c.text()).toBe('Invalid request.');
    const failed = (await (await post(validCall('+46700000006'))).json()) as { id: string; state: string };
    expect(failed.state).toBe('failed');
    const done = await sims.elks.waitForCall(failed.id);
    expect(done.state).toBe('failed');
    expect(done.answered).toBe(false);
    expect((await post(validCall('+46700000007'))).status).toBe(200); // knobs used up
    expect(sims.elks.setFaults({})).toEqual({
      createCall5xx: 0,
      createCall4xx: 0,
      createCallFailed: 0,
      createCallLost503: 0,
      createCallLostReset: 0,
      callHistory5xx: 0,
      playFailures: 0,
      recordFailures: 0,
    });
  });
});

describe('GET /a1/calls, recordings', () => {
  test('GET /a1/calls/:id: ongoing while live, then the final Call JSON with real arrays', async () => {
    const { json } = await backend.placeCall('+46700000010');
    const id = String(json?.id);
    const live = await fetch(`${sims.elksUrl}/calls/${id}`, { headers: { authorization: auth } });
    expect(((await live.json()) as { state: string }).state).toBe('ongoing');
    await sims.elks.waitForCall(id);
    const res = await fetch(`${sims.elksUrl}/calls/${id}`, { headers: { authorization: auth } });
    const call = (await res.json()) as Record<string, unknown>;
    expect(call).toMatchObject({ id, direction: 'outgoing', state: 'success', to: '+46700000010', timeout: 60 });
    expect(typeof call.start).toBe('string');
    expect(Number.isInteger(call.duration)).toBe(true);
    expect(Number.isInteger(call.cost)).toBe(true);
    expect(Array.isArray(call.actions)).toBe(true);
    expect((await fetch(`${sims.elksUrl}/calls/${id}`)).status).toBe(401);
  });

  test('GET /a1/calls/:id for an unknown id is 404 text; unanswered calls have no start/duration/cost/actions', async () => {
    const res = await fetch(`${sims.elksUrl}/calls/cdeadbeefdeadbeefdeadbeefdeadbeef`, { headers: { authorization: auth } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    sims.elks.setPersona('+46700000011', 'no_answer');
    const { json } = await backend.placeCall('+46700000011', { timeout: '20' });
    await sims.elks.waitForCall(String(json?.id));
    const call = (await (await fetch(`${sims.elksUrl}/calls/${json?.id}`, { headers: { authorization: auth } })).json()) as Record<string, unknown>;
    expect(call.state).toBe('failed');
    for (const key of ['start', 'duration', 'cost', 'actions']) expect(call).not.toHaveProperty(key);
  });

  test('GET /a1/calls lists newest first with data/next paging', async () => {
    const res = await fetch(`${sims.elksUrl}/calls?limit=2`, { headers: { authorization: auth } });
    const body = (await res.json()) as { data: Array<{ created: string }>; next?: string };
    expect(body.data).toHaveLength(2);
    expect(body.data[0]!.created >= body.data[1]!.created).toBe(true);
    expect(body.next).toBe(body.data[1]!.created);
    const page2 = (await (await fetch(`${sims.elksUrl}/calls?limit=2&start=${body.next}`, { headers: { authorization: auth } })).json()) as { data: Array<{ created: string }> };
    expect(page2.data[0]!.created < body.data[1]!.created).toBe(true);
  });

  test('recording WAV (at the URL 46elks documents, capital R) needs Basic auth; recordings cannot be deleted', async () => {
    const { json } = await backend.placeCall('+46700000012');
    const call = await sims.elks.waitForCall(String(json?.id));
    const rec = call.recordings[0]!;
    expect(rec.wav).toBe(`${sims.elksUrl}/Recordings/${rec.id}.wav`);
    expect(rec.id).toBe(`${call.id}-r0`);
    const noAuth = await backend.downloadRecording(rec.wav, false);
    expect(noAuth.status).toBe(401);
    expect(noAuth.bytes.toString()).toBe('Unauthorized');
    const ok = await backend.downloadRecording(rec.wav);
    expect(ok.status).toBe(200);
    expect(ok.bytes.toString('ascii', 0, 4)).toBe('RIFF');
    const lower = await backend.downloadRecording(`${sims.elksUrl}/recordings/${rec.id}.wav`);
    expect(lower.status).toBe(200);
    const meta = (await (await fetch(`${sims.elksUrl}/recordings/${rec.id}`, { headers: { authorization: auth } })).json()) as Record<string, unknown>;
    expect(meta).toEqual({ id: rec.id, duration: rec.duration, created: rec.created });
    // 46elks documents GET only for recordings: no DELETE, as the real API.
    for (const path of [`/recordings/${rec.id}`, `/recordings/${rec.id}.wav`, `/Recordings/${rec.id}.wav`]) {
      const del = await fetch(`${sims.elksUrl}${path}`, { method: 'DELETE', headers: { authorization: auth } });
      expect(del.status).toBe(404);
    }
    expect((await backend.downloadRecording(rec.wav)).status).toBe(200);
  });

  test('an empty balance refuses every call (403 text) and GET /a1/me shows it; topped up, calls go through', async () => {
    sims.elks.setBalance(0);
    try {
      const refused = await backend.placeCall('+46700000013');
      expect(refused.status).toBe(403);
      const me = (await (await fetch(`${sims.elksUrl}/me`, { headers: { authorization: auth } })).json()) as Record<string, unknown>;
      expect(me.balance).toBe(0);
    } finally {
      sims.elks.setBalance(1_000_000_000);
    }
    expect((await backend.placeCall('+46700000013')).status).toBe(200);
  });

  test('"created, answer lost": the call rings although the create answered 503 or the connection reset', async () => {
    sims.elks.setFaults({ createCallLost503: 1, createCallLostReset: 1 });
    const before = sims.elks.listCalls({ to: '+46700000014' }).length;
    const lost503 = await backend.placeCall('+46700000014');
    expect(lost503.status).toBe(503);
    await expect(backend.placeCall('+46700000014')).rejects.toThrow();
    expect(sims.elks.listCalls({ to: '+46700000014' }).length - before).toBe(2);
  });

  test('GET /a1/me answers for a credentials health check', async () => {
    const me = (await (await fetch(`${sims.elksUrl}/me`, { headers: { authorization: auth } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ id: 'u_test', currency: 'SEK' });
  });
});

describe('control API', () => {
  test('POST /sim/personas validates; GET /sim/calls?to= and /sim/calls/:id return the record', async () => {
    const base = sims.elksUrl.replace(/\/a1$/, '/sim');
    const bad = await fetch(`${base}/personas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '+46700000020', persona: 'pirate' }) });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${base}/personas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '+46700000020', persona: 'brief' }) });
    expect(await ok.json()).toEqual({ phone: '+46700000020', persona: 'brief' });
    const { json } = await backend.placeCall('+46700000020');
    await sims.elks.waitForCall(String(json?.id));
    const list = (await (await fetch(`${base}/calls?to=${encodeURIComponent('+46700000020')}`)).json()) as { data: Array<{ id: string; persona: string }> };
    expect(list.data.map((c) => c.id)).toEqual([json?.id]);
    expect(list.data[0]!.persona).toBe('brief');
    const one = (await (await fetch(`${base}/calls/${json?.id}`)).json()) as { said: unknown[]; played: unknown[]; webhooks: unknown[] };
    expect(one.said.length).toBeGreaterThan(0);
    expect(one.played.length).toBeGreaterThan(0);
    expect(one.webhooks.length).toBeGreaterThan(0);
    expect((await fetch(`${base}/calls/nope`)).status).toBe(404);
    expect(sims.elks.listCalls({ to: '+46700000020' })).toHaveLength(1);
  });

  test('waitForCall with a predicate, and its timeout', async () => {
    const { json } = await backend.placeCall('+46700000021');
    const call = await sims.elks.waitForCall((c) => c.to === '+46700000021');
    expect(call.id).toBe(json?.id);
    await expect(sims.elks.waitForCall('cnever', { timeoutMs: 50 })).rejects.toThrow(/timed out/);
  });
});
