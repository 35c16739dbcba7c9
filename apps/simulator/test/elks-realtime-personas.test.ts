import { type BackendSocket, type Harness, startHarness } from './elks-realtime-harness';

const GREETING =
  'Hej! Det här är Samtal som ringer för Lindqvists Livs i Uppsala angående ditt köp idag. Vi vill gärna höra vad du tyckte, och som tack får du cashback. Samtalet spelas in. Går det bra att vi spelar in ett kort samtal?';
const QUESTION = 'Hur var väntetiden i kassan?';
const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 23 });
});
afterAll(async () => {
  await h.close();
});

const start = async (s: BackendSocket): Promise<void> => {
  await s.next('hello');
  s.send({ t: 'listening', format: 'pcm_24000' });
  s.send({ t: 'sending', format: 'pcm_24000' });
};
const end = async (s: BackendSocket): Promise<void> => {
  s.send({ t: 'bye' });
  await s.next('bye');
};

test('interrupter starts a long answer ~1 s into our line, while it still plays', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    const ms = s.say(GREETING);
    s.send({ t: 'sync' });
    const sync = s.next('sync');
    const answer = await s.listen(); // the persona's speech starts while the greeting plays
    const syncedBeforeAnswerEnded = s.messages.some((m) => m.t === 'sync');
    await sync;
    await end(s);
    return { ms, answer, syncedBeforeAnswerEnded };
  });
  const id = await h.placeCall('+46701120001', 'interrupter');
  const r = await script;
  expect(r.answer.text).toMatch(/^(Ja|Visst|Absolut)/); // consent, then it runs on
  expect(wordCount(r.answer.text!)).toBeGreaterThanOrEqual(20);
  const rt = (await h.sims.elks.waitForCall(id)).realtime!;
  const heard = rt.heard[0]!;
  const turn = rt.turns[0]!;
  expect(turn.startMs - heard.startMs).toBeGreaterThanOrEqual(700);
  expect(turn.startMs - heard.startMs).toBeLessThanOrEqual(1400);
  expect(turn.startMs).toBeLessThan(heard.endMs - 2000); // talks over us
  expect(turn.overlapped).toBe(true);
  expect(rt.talkOverMs).toBeGreaterThan(2000);
  expect(heard.text).toBe(GREETING); // it still heard the whole line
});

test('interrupter: barge-in with interrupt stops our audio at once; the persona keeps talking', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.say(GREETING);
    await s.speechStarted();
    s.send({ t: 'interrupt' }); // barge-in
    const answer = await s.listen();
    s.send({ t: 'sending', format: 'pcm_24000' });
    s.say(QUESTION);
    const second = await s.listen();
    await end(s);
    return { answer, second };
  });
  const id = await h.placeCall('+46701120002', 'interrupter');
  const r = await script;
  const rt = (await h.sims.elks.waitForCall(id)).realtime!;
  expect(rt.heard[0]).toMatchObject({ text: null, interrupted: true });
  expect(rt.turns[0]!.startMs).toBeLessThan(rt.heard[0]!.endMs); // it spoke first, then we stopped
  expect(rt.heard[0]!.endMs - rt.heard[0]!.startMs).toBeLessThan(2500);
  expect(wordCount(r.answer.text!)).toBeGreaterThanOrEqual(20);
  expect(r.second.text).toBeTruthy();
  expect(rt.turns).toHaveLength(2);
});

test('slow_thinker waits 3–4 s of silence before answering, and does not hang up', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.say(GREETING);
    const consent = await s.listen();
    s.say(QUESTION);
    const answer = await s.listen();
    await end(s);
    return { consent, answer };
  });
  const id = await h.placeCall('+46701120003', 'slow_thinker');
  const r = await script;
  expect(r.consent.text).toMatch(/^(Ja|Visst|Absolut)/);
  expect(r.answer.text).toMatch(/kass|kö|minut/i);
  const done = await h.sims.elks.waitForCall(id);
  const rt = done.realtime!;
  expect(rt.outcome).toBe('done');
  for (const [i, turn] of rt.turns.entries()) {
    const gap = turn.startMs - rt.heard[i]!.endMs;
    expect(gap).toBeGreaterThanOrEqual(3000);
    expect(gap).toBeLessThanOrEqual(4100);
  }
  expect(rt.voiceToVoiceMs).toHaveLength(1);
});

test('backchannels: short "mm"/"ja"/"okej" while we speak, then the real answer after we finish', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    s.say(GREETING);
    s.send({ t: 'sync' });
    const during: string[] = [];
    let answer = await s.listen();
    while (wordCount(answer.text ?? '') <= 2) {
      during.push(answer.text ?? '?');
      answer = await s.listen();
    }
    await end(s);
    return { during, answer };
  });
  const id = await h.placeCall('+46701120004', 'engaged', { backchannels: true });
  const r = await script;
  expect(r.during.length).toBeGreaterThanOrEqual(2);
  for (const word of r.during) expect(['mm', 'ja', 'okej', 'mm, ja']).toContain(word);
  expect(r.answer.text).toMatch(/^(Ja|Visst|Absolut)/);
  const done = await h.sims.elks.waitForCall(id);
  // every back-channel fell within our line (its voiced part), the answer after it
  const { heard, turns } = done.realtime!;
  expect(turns[0]!.startMs).toBeGreaterThan(heard[0]!.endMs);
  expect(done.realtime!.backchannels).toEqual(r.during);
  expect(done.realtime!.turns).toHaveLength(1); // back-channels are not turns
  expect(done.said.map((x) => x.text)).toEqual([r.answer.text]);
});

test('a playout buffer over 30 MB ends the leg with bye error; next result=failed', async () => {
  const script = h.expectSocket(async (s) => {
    await start(s);
    const chunk = Buffer.alloc(2_000_000, 1).toString('base64');
    for (let i = 0; i < 16; i++) s.send({ t: 'audio', data: chunk });
    const bye = await s.next('bye');
    await s.closed;
    return bye;
  });
  const id = await h.placeCall('+46701120005', 'silent');
  expect(await script).toMatchObject({ t: 'bye', reason: 'error' });
  const done = await h.sims.elks.waitForCall(id);
  expect(h.hooks.find((x) => x.kind === 'next' && x.form.callid === id)!.form.result).toBe('failed');
  expect(done.realtime!.reason).toMatch(/30 MB/);
});

test('the record loop is unchanged for the new personas (they answer like engaged)', async () => {
  h.sims.elks.setPersona('+46701120006', 'slow_thinker');
  const res = await fetch(`${h.sims.elksUrl}/calls`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${h.sims.options.elksUsername}:${h.sims.options.elksPassword}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      from: '+46766860000',
      to: '+46701120006',
      voice_start: JSON.stringify({ play: 'sound/beep', next: { record: 'local/a', next: { hangup: 'reject' } } }),
      timeout: '60',
    }),
  });
  const done = await h.sims.elks.waitForCall(String(((await res.json()) as { id: string }).id));
  expect(done.realtime).toBeNull();
  expect(done.said[0]!.text).toMatch(/^(Ja|Visst)/);
});
