import { type SimulatorOptions, type Simulators, startSimulators } from '../src/index';
import { type BackendOptions, CLOSING, type FakeBackend, type Received, SCRIPTS, startFakeBackend } from './helpers/backend';

const FAST: SimulatorOptions = { timeScale: 0.004, seed: 7, duplicateHangupRate: 0 };
const open: Array<{ close(): Promise<void> } | { stop(): Promise<void> }> = [];

const setup = async (simOpts: SimulatorOptions = {}, backendOpts: BackendOptions = {}): Promise<{ sims: Simulators; backend: FakeBackend }> => {
  const sims = await startSimulators({ ...FAST, ...simOpts });
  const backend = await startFakeBackend(sims, backendOpts);
  open.push(backend, sims);
  return { sims, backend };
};
afterAll(async () => {
  for (const o of open) await ('stop' in o ? o.stop() : o.close());
});

const ofCall = (received: Received[], id: string): Received[] => received.filter((r) => r.callId === id);
const call = async (sims: Simulators, backend: FakeBackend, to: string, extra: Record<string, string> = {}) => {
  const placed = await backend.placeCall(to, extra);
  expect(placed.status).toBe(200);
  const done = await sims.elks.waitForCall(String(placed.json?.id));
  return { done, hooks: ofCall(backend.received, done.id) };
};

describe('webhook payloads', () => {
  let sims: Simulators;
  let backend: FakeBackend;
  beforeAll(async () => {
    ({ sims, backend } = await setup({}, { questions: 2 }));
  });

  test('voice_start, next, recording and hangup carry exactly the 46elks fields', async () => {
    const { done, hooks } = await call(sims, backend, '+46701000001');
    const vs = hooks.find((h) => h.kind === 'voice_start')!;
    expect(Object.keys(vs.form).sort()).toEqual(['callid', 'created', 'direction', 'from', 'result', 'to']);
    expect(vs.form).toMatchObject({ callid: done.id, direction: 'outgoing', from: '+46766860000', to: '+46701000001', result: 'newoutgoing', created: done.created });

    const nexts = hooks.filter((h) => h.kind === 'next');
    expect(nexts).toHaveLength(3); // after consent + 2 questions
    for (const n of nexts) {
      expect(Object.keys(n.form).sort()).toEqual(['callid', 'direction', 'from', 'result', 'to']);
      expect(n.form).toMatchObject({ callid: done.id, result: 'success', direction: 'outgoing', to: '+46701000001' });
    }

    const recs = hooks.filter((h) => h.kind === 'recording');
    expect(recs).toHaveLength(3);
    for (const r of recs) {
      expect(Object.keys(r.form).sort()).toEqual(['callid', 'created', 'direction', 'duration', 'from', 'to', 'wav']);
      expect(r.form.duration).toMatch(/^\d+$/);
      expect(r.form.wav).toMatch(new RegExp(`^${sims.elksUrl}/Recordings/${done.id}-r\\d\\.wav$`));
      expect(r.form.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    }

    const hangups = hooks.filter((h) => h.kind === 'hangup');
    expect(hangups).toHaveLength(1);
    const h = hangups[0]!.form;
    expect(Object.keys(h).sort()).toEqual(['actions', 'cost', 'created', 'direction', 'duration', 'from', 'id', 'start', 'state', 'to']);
    expect(h).not.toHaveProperty('callid');
    expect(h).toMatchObject({ id: done.id, state: 'success', direction: 'outgoing', created: done.created, start: done.start! });
    expect(Number(h.duration)).toBe(done.duration);
    expect(h.duration).toMatch(/^\d+$/);
    expect(Number(h.cost)).toBe(Number(h.duration) * 100);
    const actions = JSON.parse(h.actions!) as Array<Record<string, string>>;
    expect(actions.map((a) => Object.keys(a)[0])).toEqual(['play', 'record', 'play', 'record', 'play', 'record', 'play']);
    expect(actions.every((a) => a.result === 'success')).toBe(true);
    expect(actions[0]!.play).toBe(backend.audioUrl(SCRIPTS.grocery.greeting));
    expect(actions[6]!.play).toBe(backend.audioUrl(CLOSING));
  });

  test('durations are simulated seconds: the call lasts its prompts + recordings, whatever the time scale', async () => {
    const { done } = await call(sims, backend, '+46701000002');
    const prompts = done.played.reduce((s, p) => s + p.durationSec, 0);
    const recordings = done.recordings.reduce((s, r) => s + r.exactSec, 0);
    expect(done.duration).toBeGreaterThanOrEqual(Math.floor(prompts + recordings));
    expect(done.duration).toBeLessThanOrEqual(Math.ceil(prompts + recordings) + 2);
    for (const r of done.recordings) expect(r.duration).toBe(Math.max(1, Math.round(r.exactSec)));
  });

  test.each([
    ['no_answer', 'failed'],
    ['busy', 'busy'],
  ] as const)('%s: hangup has only id/direction/from/to/created/state (no start, duration, cost, actions)', async (persona, state) => {
    sims.elks.setPersona('+46701000003', persona);
    const { done, hooks } = await call(sims, backend, '+46701000003', { timeout: '15' });
    expect(hooks.map((h) => h.kind)).toEqual(['hangup']);
    expect(Object.keys(hooks[0]!.form).sort()).toEqual(['created', 'direction', 'from', 'id', 'state', 'to']);
    expect(hooks[0]!.form.state).toBe(state);
    expect(done.answered).toBe(false);
  });

  test('a ring longer than `timeout` is unanswered', async () => {
    const { done, hooks } = await call(sims, backend, '+46701000004', { timeout: '1' });
    expect(done.state).toBe('failed');
    expect(hooks.map((h) => h.kind)).toEqual(['hangup']);
  });

  test('Basic auth in a webhook URL is sent as an Authorization header', async () => {
    const url = new URL(backend.url);
    const withCreds = `http://hook:s3cret@${url.host}`;
    const { hooks } = await call(sims, backend, '+46701000005', { voice_start: `${withCreds}/vs`, whenhangup: `${withCreds}/hangup` });
    const expected = `Basic ${Buffer.from('hook:s3cret').toString('base64')}`;
    expect(hooks.find((h) => h.kind === 'voice_start')!.authorization).toBe(expected);
    expect(hooks.find((h) => h.kind === 'hangup')!.authorization).toBe(expected);
  });
});

describe('recording vs next order', () => {
  test.each([
    ['before_next', ['recording', 'next']],
    ['after_next', ['next', 'recording']],
  ] as const)('recordingOrder %s', async (order, pair) => {
    const { sims, backend } = await setup({ recordingOrder: order }, { questions: 2 });
    const { hooks } = await call(sims, backend, '+46701000010');
    const kinds = hooks.filter((h) => h.kind === 'recording' || h.kind === 'next').map((h) => h.kind);
    expect(kinds).toEqual([...pair, ...pair, ...pair]);
  });

  test('random order (seeded) produces both orders across calls', async () => {
    const { sims, backend } = await setup({ recordingOrder: 'random', seed: 3 }, { questions: 3 });
    const seen = new Set<string>();
    for (const to of ['+46701000011', '+46701000012']) {
      const { hooks } = await call(sims, backend, to);
      const kinds = hooks.filter((h) => h.kind === 'recording' || h.kind === 'next').map((h) => h.kind);
      for (let i = 0; i < kinds.length; i += 2) seen.add(`${kinds[i]}>${kinds[i + 1]}`);
    }
    expect(seen).toEqual(new Set(['recording>next', 'next>recording']));
  });
});

describe('delivery: duplicates and retries', () => {
  test('duplicateHangupRate 1: the hangup webhook arrives twice with the same fields', async () => {
    const { sims, backend } = await setup({ duplicateHangupRate: 1 }, { questions: 1 });
    const { done, hooks } = await call(sims, backend, '+46701000020');
    const hangups = hooks.filter((h) => h.kind === 'hangup');
    expect(hangups).toHaveLength(2);
    expect(hangups[1]!.form).toEqual(hangups[0]!.form);
    expect(done.hangupDeliveries).toBe(2);
  });

  test('hangup and recording webhooks answered 500 (or unreachable) are retried with back-off', async () => {
    const { sims, backend } = await setup(
      { webhookRetry: { attempts: 4, baseDelayMs: 1000 } },
      { questions: 1, override: (kind, _f, nth) => ((kind === 'hangup' && nth <= 2) || (kind === 'recording' && nth === 1) ? { status: 500, body: 'boom' } : undefined) },
    );
    const { done, hooks } = await call(sims, backend, '+46701000021');
    expect(hooks.filter((h) => h.kind === 'hangup')).toHaveLength(3);
    const hangupAttempts = done.webhooks.filter((w) => w.kind === 'hangup');
    expect(hangupAttempts.map((w) => [w.attempt, w.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
    const recAttempts = done.webhooks.filter((w) => w.kind === 'recording');
    expect(recAttempts[0]).toMatchObject({ attempt: 1, status: 500 });
    expect(recAttempts[1]).toMatchObject({ attempt: 2, status: 200 });
    expect(done.recordings.every((r) => r.delivered)).toBe(true);
    expect(done.hangupDeliveries).toBe(1);
    expect(done.state).toBe('success'); // a failing recording webhook does not end the call
  });

  test('gives up after `attempts`; a network error counts as a failure', async () => {
    const { sims, backend } = await setup({ webhookRetry: { attempts: 3, baseDelayMs: 500 } }, { questions: 1 });
    const { done } = await call(sims, backend, '+46701000022', { whenhangup: 'http://127.0.0.1:9/unreachable' });
    const attempts = done.webhooks.filter((w) => w.kind === 'hangup');
    expect(attempts).toHaveLength(3);
    expect(attempts.every((w) => w.status === null && typeof w.error === 'string')).toBe(true);
    expect(done.hangupDeliveries).toBe(0);
    expect(done.settled).toBe(true);
  });
});

describe('actions', () => {
  const first = (body: unknown) => (kind: string, _f: unknown, nth: number) =>
    kind === 'voice_start' && nth === 1 ? { status: 200, body: typeof body === 'string' ? body : JSON.stringify(body) } : undefined;

  test('a play URL that is not audio fails the call (answered, state failed, play result failed, no next)', async () => {
    let url = '';
    const { sims, backend } = await setup({}, { override: (k, f, n) => first({ play: url, next: 'http://127.0.0.1:9/never' })(k, f, n) });
    url = `${backend.url}/not-audio.mp3`;
    const { done, hooks } = await call(sims, backend, '+46701000030');
    expect(done.state).toBe('failed');
    expect(done.answered).toBe(true);
    expect(done.played[0]).toMatchObject({ ok: false });
    expect(done.played[0]!.error).toMatch(/not WAV\/MP3\/OGG audio/);
    const h = hooks.find((x) => x.kind === 'hangup')!.form;
    expect(h.state).toBe('failed');
    expect(h.start).toBeDefined();
    expect(JSON.parse(h.actions!)).toEqual([{ play: url, result: 'failed' }]);
    expect(hooks.some((x) => x.kind === 'next')).toBe(false);
  });

  test('a 404 play URL fails the call too; playFailure next_failed POSTs next with result=failed instead', async () => {
    let url = '';
    const { sims, backend } = await setup({ playFailure: 'next_failed' }, { override: (k, f, n) => first({ play: url, next: `${url.split('/audio')[0]}/next` })(k, f, n) });
    url = `${backend.url}/audio/missing.wav`;
    const { done, hooks } = await call(sims, backend, '+46701000031');
    const next = hooks.find((x) => x.kind === 'next')!;
    expect(next.form.result).toBe('failed');
    expect(done.played[0]!.error).toMatch(/HTTP 404/);
  });

  test.each([
    ['not JSON', 'Hello there'],
    ['no known action', { say: 'hej' }],
    ['two primary actions', { play: 'sound/beep', hangup: 'reject' }],
    ['an invalid option', { record: 'http://x/y', timelimit: 'lots' }],
  ])('a malformed action (%s) ends the call as failed', async (_label, body) => {
    const { sims, backend } = await setup({}, { override: first(body) });
    const { done, hooks } = await call(sims, backend, '+46701000032');
    expect(done.state).toBe('failed');
    expect(done.warnings.join(' ')).toMatch(/malformed action/);
    expect(hooks.filter((h) => h.kind !== 'hangup').map((h) => h.kind)).toEqual(['voice_start']);
  });

  test('a non-2xx voice_start answer ends the call; a webhook timeout too', async () => {
    const a = await setup({}, { override: (k) => (k === 'voice_start' ? { status: 500 } : undefined) });
    expect((await call(a.sims, a.backend, '+46701000033')).done.state).toBe('failed');
    const b = await setup({ webhookTimeoutMs: 100 }, { override: (k) => (k === 'voice_start' ? { status: 0, delayMs: 400 } : undefined) });
    const { done } = await call(b.sims, b.backend, '+46701000034');
    expect(done.state).toBe('failed');
    expect(done.webhooks[0]!.error).toMatch(/timeout/);
  });

  test('inline voice_start JSON runs directly (no voice_start webhook); inline next objects too', async () => {
    const { sims, backend } = await setup();
    const greeting = backend.audioUrl(SCRIPTS.grocery.greeting);
    const inline = JSON.stringify({ play: greeting, next: { record: `${backend.url}/rec`, timelimit: 5, next: { play: 'sound/beep' } } });
    const { done, hooks } = await call(sims, backend, '+46701000035', { voice_start: inline });
    expect(hooks.map((h) => h.kind).sort()).toEqual(['hangup', 'recording']);
    expect(done.actions).toEqual([
      { play: greeting, result: 'success' },
      { record: `${backend.url}/rec`, result: 'success' },
      { play: 'sound/beep', result: 'success' },
    ]);
    expect(done.said[0]!.text).toMatch(/^(Ja|Visst|Absolut)/);
    expect(done.recordings[0]!.duration).toBeLessThanOrEqual(5); // timelimit caps the recording
  });

  test('ivr: nobody presses a key → next with result=failed, why=noinput after timeout × repeat', async () => {
    const { sims, backend } = await setup({}, { override: (k, f, n) => first({ ivr: 'sound/beep', timeout: 4, repeat: 2, next: `${url}/next` })(k, f, n) });
    const url = backend.url;
    const { done, hooks } = await call(sims, backend, '+46701000036');
    const next = hooks.find((h) => h.kind === 'next')!;
    expect(next.form).toMatchObject({ result: 'failed', why: 'noinput', callid: done.id });
    expect(done.actions[0]).toEqual({ ivr: 'sound/beep', result: 'failed' });
    expect(done.duration).toBeGreaterThanOrEqual(9); // 2 × (0.5 s beep + 4 s)
  });

  test('hangup action ends the call; connect is not simulated (reported failed, takes the failed branch)', async () => {
    const a = await setup({}, { override: first({ hangup: 'reject' }) });
    const hung = (await call(a.sims, a.backend, '+46701000037')).done;
    expect(hung.state).toBe('success');
    expect(hung.actions).toEqual([{ hangup: 'reject' }]);
    const b = await setup({}, { override: first({ connect: '+46700000999', failed: { play: 'sound/beep' } }) });
    const conn = (await call(b.sims, b.backend, '+46701000038')).done;
    expect(conn.actions).toEqual([{ connect: '+46700000999', result: 'failed' }, { play: 'sound/beep', result: 'success' }]);
    expect(conn.warnings.join(' ')).toMatch(/not simulated/);
  });

  test('whenhangup on an action overrides the one given to POST /calls (last value wins)', async () => {
    const { sims, backend } = await setup({}, { override: (k, f, n) => first({ play: 'sound/beep', whenhangup: `${url}/hangup/override` })(k, f, n) });
    const url = backend.url;
    const { hooks } = await call(sims, backend, '+46701000039');
    expect(hooks.find((h) => h.kind === 'hangup')!.path).toBe('/hangup/override');
  });
});

describe('/sim/stats', () => {
  test('webhook latency percentiles per kind', async () => {
    const { sims, backend } = await setup({}, { questions: 2, override: (k) => (k === 'next' ? { status: 0, delayMs: 25 } : undefined) });
    await Promise.all(['+46701000040', '+46701000041'].map((to) => call(sims, backend, to)));
    const stats = (await (await fetch(sims.elksUrl.replace(/\/a1$/, '/sim/stats'))).json()) as ReturnType<Simulators['elks']['stats']>;
    expect(stats.calls).toEqual({ total: 2, active: 0, by_state: { ongoing: 0, success: 2, busy: 0, failed: 0 } });
    const { webhooks } = stats;
    expect(webhooks.by_kind.voice_start!.count).toBe(2);
    expect(webhooks.by_kind.next!.count).toBe(6);
    expect(webhooks.by_kind.recording!.count).toBe(6);
    expect(webhooks.by_kind.hangup!.count).toBe(2);
    expect(webhooks.count).toBe(16);
    expect(webhooks.by_kind.next!.p50_ms).toBeGreaterThanOrEqual(25);
    expect(webhooks.by_kind.voice_start!.p50_ms).toBeLessThan(25);
    expect(webhooks.p50_ms).toBeLessThanOrEqual(webhooks.p95_ms);
    expect(webhooks.p95_ms).toBeLessThanOrEqual(webhooks.p99_ms);
    expect(webhooks.p99_ms).toBeGreaterThanOrEqual(25);
    expect(sims.elks.stats().webhooks.count).toBe(16);
  });
});
