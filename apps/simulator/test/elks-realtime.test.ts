import { performance } from 'node:perf_hooks';
import { type BackendSocket, type Harness, since, startHarness, WS_NUMBER } from './elks-realtime-harness';

const GREETING =
  'Hej! Det här är Samtal som ringer för Lindqvists Livs. Samtalet spelas in. Går det bra att vi spelar in ett kort samtal?';
const QUESTION = 'Hur upplevde du frukt- och gröntavdelningen idag?';
const FILLER = 'Vi vill gärna höra vad du tyckte om ditt besök i butiken, och som tack får du cashback på ditt köp.';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const hooksOf = (id: string) => h.hooks.filter((x) => (x.form.callid ?? x.form.id) === id);
const start = async (s: BackendSocket): Promise<void> => {
  await s.next('hello');
  s.send({ t: 'listening', format: 'pcm_24000' });
  s.send({ t: 'sending', format: 'pcm_24000' });
};

test('hello, no caller audio before listening, a turn, sync after playout, bye → next result=success', async () => {
  const script = h.expectSocket(async (s) => {
    const hello = await s.next('hello');
    await new Promise((r) => setTimeout(r, h.wall(600)));
    const before = s.callerSamples;
    s.send({ t: 'listening', format: 'pcm_24000' });
    s.send({ t: 'sending', format: 'pcm_24000' });
    const ms = s.say(GREETING);
    const t0 = performance.now();
    s.send({ t: 'sync' });
    await s.next('sync');
    const syncWall = since(t0);
    const answer = await s.listen();
    s.send({ t: 'bye' });
    const bye = await s.next('bye');
    const code = await s.closed;
    return { hello, before, ms, syncWall, answer, bye, code };
  });
  const id = await h.placeCall('+46701110001', 'engaged');
  const r = await script;
  expect(r.hello).toEqual({ t: 'hello', callid: id, from: '+46766860000', to: '+46701110001' });
  expect(r.before).toBe(0);
  expect(r.syncWall).toBeGreaterThanOrEqual(h.wall(r.ms) * 0.9); // played at real time × timeScale
  expect(r.answer.text).toMatch(/^(Ja|Visst|Absolut)/);
  expect(r.bye).toMatchObject({ t: 'bye', reason: 'done' });
  expect(r.code).toBe(1000);

  const done = await h.sims.elks.waitForCall(id);
  const hooks = hooksOf(id);
  expect(hooks.map((x) => x.kind)).toEqual(['vs', 'next', 'hangup']);
  const next = hooks[1]!.form;
  expect(Object.keys(next).sort()).toEqual(['callid', 'created', 'direction', 'from', 'result', 'to']);
  expect(next).toMatchObject({ callid: id, result: 'success', direction: 'outgoing', from: '+46766860000', to: '+46701110001', created: done.created });
  expect(done.actions).toEqual([{ connect: WS_NUMBER, result: 'success' }, { play: 'sound/beep', result: 'success' }]);
  const rt = done.realtime!;
  expect(rt).toMatchObject({ outcome: 'done', state: 'ended', listeningFormat: 'pcm_24000', sendingFormat: 'pcm_24000', frameMs: 20 });
  expect(rt.counts.callerFramesBeforeListening).toBeGreaterThanOrEqual(20);
  expect(rt.counts.syncs).toBe(1);
  expect(rt.counts.syncReplies).toBe(1);
  expect(rt.helloToFirstAudioMs).toBeGreaterThanOrEqual(600);
  expect(rt.heard[0]!.text).toBe(GREETING);
  expect(rt.turns).toHaveLength(1);
  expect(rt.turns[0]!.text).toBe(r.answer.text);
  expect(done.said.map((x) => x.text)).toEqual([r.answer.text]);
  expect(done.duration).toBeGreaterThanOrEqual(Math.floor(rt.durationMs / 1000));
});

test('audio before sending and after interrupt (until a new sending) is ignored and counted; interrupt flushes', async () => {
  const script = h.expectSocket(async (s) => {
    await s.next('hello');
    s.send({ t: 'listening', format: 'pcm_24000' });
    s.say('', new Int16Array(2400)); // before any sending: 1 message ignored
    s.send({ t: 'sending', format: 'pcm_24000' });
    s.say(FILLER);
    await new Promise((r) => setTimeout(r, h.wall(1200)));
    s.send({ t: 'interrupt' });
    const ignored = s.say(GREETING) / 100; // 100 ms messages, all ignored
    s.send({ t: 'sending', format: 'pcm_24000' });
    s.say(QUESTION);
    s.send({ t: 'sync' });
    await s.next('sync');
    const answer = await s.listen();
    // v2v: the next line right after the answer
    s.say(FILLER);
    s.send({ t: 'sync' });
    await s.next('sync');
    s.send({ t: 'bye' });
    await s.next('bye');
    return { ignored: Math.ceil(ignored), answer };
  });
  const id = await h.placeCall('+46701110002', 'engaged');
  const r = await script;
  const done = await h.sims.elks.waitForCall(id);
  const rt = done.realtime!;
  expect(rt.counts.ignoredAudioFrames).toBe(1 + r.ignored);
  expect(rt.counts.interrupts).toBe(1);
  expect(rt.counts.sendings).toBe(2);
  expect(rt.heard.map((u) => [u.text, u.interrupted])).toEqual([
    [null, true], // FILLER cut after ~1.2 s: its words never came through
    [QUESTION, false],
    [FILLER, false],
  ]);
  expect(r.answer.text).toMatch(/frukt|grönt|avokado|äpple|sallad/i);
  // voice-to-voice at the customer's ear: end of the answer → first voiced sample of our reply
  expect(rt.voiceToVoiceMs).toHaveLength(1);
  expect(rt.voiceToVoiceMs[0]).toBeGreaterThan(600);
  expect(rt.voiceToVoiceMs[0]).toBeLessThan(3000);
  expect(rt.turns[0]!.voiceToVoiceMs).toBe(rt.voiceToVoiceMs[0]);
});

test('an interrupt answers pending syncs; a sync with nothing queued is answered at once', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.send({ t: 'sync' });
    await s.next('sync', 2000);
    const ms = s.say(FILLER);
    s.send({ t: 'sync' });
    const t0 = performance.now();
    s.send({ t: 'interrupt' });
    await s.next('sync', 2000);
    const wall = since(t0);
    s.send({ t: 'bye' });
    await s.next('bye');
    return { wall, ms };
  });
  const id = await h.placeCall('+46701110003', 'silent');
  const r = await script;
  expect(r.wall).toBeLessThan(h.wall(r.ms) / 2); // not after the line's playout
  const done = await h.sims.elks.waitForCall(id);
  expect(done.realtime!.counts).toMatchObject({ syncs: 2, syncReplies: 2, interrupts: 1 });
  expect(done.realtime!.heard.every((u) => u.interrupted)).toBe(true);
});

test('a refused upgrade (401): busy tone, then next with result=failed', async () => {
  h.sims.elks.setWebsocketNumber('+46766869998', h.wsUrl.replace('s3cret', 'wrong'));
  const prev = h.nextReply;
  h.nextReply = () => ({ hangup: 'reject' });
  const vsReply = { connect: '+46766869998', next: `${h.base}/next` };
  const id = await placeWith(vsReply, '+46701110004');
  const done = await h.sims.elks.waitForCall(id);
  h.nextReply = prev;
  const next = hooksOf(id).find((x) => x.kind === 'next')!;
  expect(next.form.result).toBe('failed');
  expect(done.actions[0]).toEqual({ connect: '+46766869998', result: 'failed' });
  expect(done.realtime).toMatchObject({ outcome: 'failed', busyTone: true, hello: null });
  expect(done.realtime!.reason).toMatch(/401/);
});

test('our socket closing without bye: next with result=failed', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.say(QUESTION);
    await new Promise((r) => setTimeout(r, h.wall(500)));
    s.ws.close(1011);
  });
  const id = await h.placeCall('+46701110005', 'engaged');
  await script;
  const done = await h.sims.elks.waitForCall(id);
  expect(hooksOf(id).find((x) => x.kind === 'next')!.form.result).toBe('failed');
  expect(done.realtime).toMatchObject({ outcome: 'failed', busyTone: false });
  expect(done.realtime!.reason).toMatch(/without bye \(code 1011\)/);
});

test('the caller hangs up (hangs_up): bye reason=hangup, no next, the hangup webhook', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.say(GREETING);
    const consent = await s.listen();
    s.say(QUESTION);
    const bye = await s.next('bye');
    return { consent, bye, code: await s.closed };
  });
  const id = await h.placeCall('+46701110006', 'hangs_up');
  const r = await script;
  expect(r.consent.text).toMatch(/^(Ja|Visst|Absolut)/);
  expect(r.bye).toMatchObject({ t: 'bye', reason: 'hangup' });
  const done = await h.sims.elks.waitForCall(id);
  expect(hooksOf(id).map((x) => x.kind)).toEqual(['vs', 'hangup']);
  expect(hooksOf(id)[1]!.form.state).toBe('success');
  expect(done.actions).toEqual([{ connect: WS_NUMBER, result: 'success' }]);
  expect(done.realtime!.outcome).toBe('hangup');
  expect(done.endReason).toMatch(/hung up/);
});

test('POST /sim/websocket-numbers validates and registers', async () => {
  const base = h.sims.elksUrl.replace(/\/a1$/, '/sim');
  const post = (body: unknown) => fetch(`${base}/websocket-numbers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post({ number: '+46766860001', websocket_url: 'http://x/y' })).status).toBe(400);
  expect((await post({ number: 'abc', websocket_url: 'ws://x/y' })).status).toBe(400);
  const ok = await post({ number: '+46766860001', websocket_url: 'wss://example.test/rt', frame_ms: 40 });
  expect(await ok.json()).toEqual({ number: '+46766860001', websocket_url: 'wss://example.test/rt', frame_ms: 40 });
  const list = (await (await fetch(`${base}/websocket-numbers`)).json()) as { data: Array<{ number: string }> };
  expect(list.data.map((n) => n.number)).toContain('+46766860001');
});

/** Places a call whose voice_start answers `reply` (inline JSON voice_start). */
const placeWith = async (reply: Record<string, unknown>, to: string): Promise<string> => {
  const auth = `Basic ${Buffer.from(`${h.sims.options.elksUsername}:${h.sims.options.elksPassword}`).toString('base64')}`;
  const res = await fetch(`${h.sims.elksUrl}/calls`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ from: '+46766860000', to, voice_start: JSON.stringify(reply), whenhangup: `${h.base}/hangup`, timeout: '60' }),
  });
  return String(((await res.json()) as { id: string }).id);
};
