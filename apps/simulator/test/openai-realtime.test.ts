import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import WebSocket from 'ws';
import { decodeVoice, encodeVoice, voiceDurationSec } from '../src/audio/voice';
import { type Simulators, startSimulators } from '../src/index';

type Ev = RealtimeServerEvent;
type Of<T extends Ev['type']> = Extract<Ev, { type: T }>;
const KEY = 'sk-realtime-key-123456';
const MODEL = 'gpt-realtime-2.1-mini';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators({ seed: 11, openaiApiKey: KEY });
});
afterAll(() => sims.stop());
afterEach(() => {
  sims.openai.realtime.setFaults({ refuseConnect: 0, closeAfterMs: null, firstAudioDelayMs: 0, sessionUpdateError: 0 });
});

const wsUrl = (query = `model=${MODEL}`) => `${sims.openaiUrl.replace(/^http/, 'ws')}/realtime?${query}`;

/** A plain `ws` client that keeps every server event and waits for the ones a test needs. */
class Client {
  readonly events: Ev[] = [];
  private wake = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.events.push(JSON.parse(data.toString()) as Ev);
      for (const w of this.wake) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
  static open(headers: Record<string, string> = { Authorization: `Bearer ${KEY}` }, url = wsUrl()): Promise<Client> {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }
  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }
  mark(): number {
    return this.events.length;
  }
  /** The first event of `type` at or after index `from` that matches `pred`. */
  waitFor<T extends Ev['type']>(type: T, from = 0, pred: (e: Of<T>) => boolean = () => true, timeoutMs = 10_000): Promise<Of<T>> {
    const find = () => this.events.slice(from).find((e): e is Of<T> => e.type === type && pred(e as Of<T>));
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (!hit) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${type} within ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.wake.delete(check);
      };
      this.wake.add(check);
      check();
    });
  }
  between<T extends Ev['type']>(type: T, from: number, to = this.events.length): Of<T>[] {
    return this.events.slice(from, to).filter((e): e is Of<T> => e.type === type);
  }
  close(): void {
    this.ws.close();
  }
}

const sessionUpdate = (td: Record<string, unknown> = {}) => ({
  type: 'session.update',
  session: {
    type: 'realtime',
    instructions: 'Du är Samtal.',
    output_modalities: ['audio'],
    tools: ['set_consent', 'save_answer', 'opt_out', 'end_call'].map((name) => ({ type: 'function', name, description: name, parameters: { type: 'object', properties: {} } })),
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: { model: 'gpt-realtime-whisper', language: 'sv' },
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 300, create_response: false, interrupt_response: false, ...td },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
    },
  },
});

/** Appends the customer's words as simulated voice in 20 ms frames, then `silenceMs` of silence. */
const speak = (c: Client, text: string, silenceMs = 600): number => {
  const samples = encodeVoice(text, 24000, voiceDurationSec(text) + 0.2);
  const bytes = Buffer.concat([Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), Buffer.alloc(silenceMs * 48)]);
  for (let at = 0; at < bytes.length; at += 960) c.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(at, at + 960).toString('base64') });
  return bytes.length / 48;
};

const pcm = (deltas: Of<'response.output_audio.delta'>[]): Int16Array => {
  const buf = Buffer.concat(deltas.map((d) => Buffer.from(d.delta, 'base64')));
  return new Int16Array(buf.buffer, buf.byteOffset, buf.length / 2);
};

const open = async (td: Record<string, unknown> = {}) => {
  const c = await Client.open();
  await c.waitFor('session.created');
  const m = c.mark();
  c.send(sessionUpdate(td));
  await c.waitFor('session.updated', m);
  return c;
};

/** Runs one response.create and returns its events (until response.done). */
const respond = async (c: Client, response?: Record<string, unknown>) => {
  const m = c.mark();
  c.send({ type: 'response.create', ...(response ? { response } : {}) });
  const done = await c.waitFor('response.done', m);
  return { m, done, end: c.events.indexOf(done) + 1 };
};

test('a full turn: greeting, customer speech, set_consent, tool output, spoken say, end_call', async () => {
  const c = await Client.open();
  const created = await c.waitFor('session.created');
  expect(created.session).toMatchObject({ type: 'realtime', model: MODEL });
  let m = c.mark();
  c.send(sessionUpdate());
  const updated = await c.waitFor('session.updated', m);
  expect(updated.session.type === 'realtime' && updated.session.audio?.input?.turn_detection).toMatchObject({ type: 'server_vad', silence_duration_ms: 300, create_response: false });

  const greeting = 'Hej! Det här är Samtal. Får jag ställa några frågor?';
  const g = await respond(c, { instructions: `Säg exakt: "${greeting}"` });
  const gDeltas = c.between('response.output_audio.delta', g.m, g.end);
  expect(gDeltas.length).toBeGreaterThan(3);
  expect(decodeVoice(pcm(gDeltas), 24000)).toBe(greeting);
  expect((await c.waitFor('response.output_audio_transcript.done', g.m)).transcript).toBe(greeting);
  expect(g.done.response.status).toBe('completed');
  const audioMs = pcm(gDeltas).length / 24;
  expect(g.done.response.usage?.output_token_details?.audio_tokens).toBe(Math.ceil(audioMs / 50));
  expect(audioMs).toBeGreaterThanOrEqual(greeting.split(' ').length * 300);

  m = c.mark();
  const sent = speak(c, 'Ja, det går bra');
  const started = await c.waitFor('input_audio_buffer.speech_started', m);
  const stopped = await c.waitFor('input_audio_buffer.speech_stopped', m);
  const committed = await c.waitFor('input_audio_buffer.committed', m);
  expect(stopped.item_id).toBe(started.item_id);
  expect(committed.item_id).toBe(started.item_id);
  expect(stopped.audio_end_ms).toBeGreaterThan(started.audio_start_ms);
  expect(stopped.audio_end_ms).toBeLessThanOrEqual(sent - 300);
  await c.waitFor('conversation.item.added', m, (e) => e.item.id === started.item_id);
  const tr = await c.waitFor('conversation.item.input_audio_transcription.completed', m);
  expect(tr).toMatchObject({ item_id: started.item_id, content_index: 0, transcript: 'Ja, det går bra' });

  const r1 = await respond(c);
  const call = await c.waitFor('response.function_call_arguments.done', r1.m);
  expect(call.name).toBe('set_consent');
  expect(JSON.parse(call.arguments)).toEqual({ granted: true });
  expect(c.between('response.output_audio.delta', r1.m, r1.end)).toHaveLength(0);
  expect(r1.done.response.output?.[0]).toMatchObject({ type: 'function_call', call_id: call.call_id });

  const question = 'Vad tyckte du om kassan?';
  m = c.mark();
  c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ say: question, expect: 'answer', question_index: 0 }) } });
  await c.waitFor('conversation.item.done', m, (e) => e.item.type === 'function_call_output');
  const r2 = await respond(c);
  expect(decodeVoice(pcm(c.between('response.output_audio.delta', r2.m, r2.end)), 24000)).toBe(question);
  const usage = r2.done.response.usage;
  expect(usage?.input_token_details?.audio_tokens).toBe(Math.floor((stopped.audio_end_ms - started.audio_start_ms) / 100));
  expect(usage?.input_tokens).toBe((usage?.input_token_details?.audio_tokens ?? 0) + (usage?.input_token_details?.text_tokens ?? 0));
  expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));

  m = c.mark();
  speak(c, 'Kassan var snabb');
  await c.waitFor('input_audio_buffer.committed', m);
  const r3 = await respond(c);
  const save = await c.waitFor('response.function_call_arguments.done', r3.m);
  expect(save.name).toBe('save_answer');
  expect(JSON.parse(save.arguments)).toEqual({ question_index: 0, answer: 'Kassan var snabb' });

  m = c.mark();
  c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: save.call_id, output: JSON.stringify({ say: 'Tack, hej då!', expect: 'end', end: true, reason: 'completed' }) } });
  c.send({ type: 'response.create' });
  const bye = await c.waitFor('response.output_audio_transcript.done', m);
  expect(bye.transcript).toBe('Tack, hej då!');
  const end = await c.waitFor('response.function_call_arguments.done', m);
  expect(end).toMatchObject({ name: 'end_call' });
  expect(JSON.parse(end.arguments)).toEqual({ reason: 'completed' });
  expect(c.events.indexOf(end)).toBeGreaterThan(c.events.indexOf(bye));
  c.close();
  await c.closed;
});

test('an unanswered function call stalls the next response until its output arrives', async () => {
  const c = await open();
  speak(c, 'Nej, inte nu');
  await c.waitFor('input_audio_buffer.committed');
  const r = await respond(c);
  const call = await c.waitFor('response.function_call_arguments.done', r.m);
  expect(JSON.parse(call.arguments)).toEqual({ granted: false });
  const m = c.mark();
  c.send({ type: 'response.create' });
  await c.waitFor('response.created', m);
  await new Promise((r) => setTimeout(r, 500));
  expect(c.between('response.done', m)).toHaveLength(0);
  c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ say: 'Okej, hej då.', expect: 'end' }) } });
  expect((await c.waitFor('response.output_audio_transcript.done', m)).transcript).toBe('Okej, hej då.');
  c.close();
});

test('opt-out words call opt_out; create_response lets the server answer a turn by itself', async () => {
  const c = await open({ create_response: true });
  const m = c.mark();
  speak(c, 'Ring inte mig igen, ta bort mitt nummer');
  const call = await c.waitFor('response.function_call_arguments.done', m);
  expect(call.name).toBe('opt_out');
  expect(JSON.parse(call.arguments)).toEqual({});
  c.close();
});

test('barge-in: cancel mid-response (stale deltas, then cancelled), truncate ok and past the end', async () => {
  const c = await open();
  const line = 'Det här är en ganska lång mening som tar flera sekunder att säga i telefonen.';
  const m = c.mark();
  const before = sims.openai.realtime.stats();
  c.send({ type: 'response.create', response: { instructions: `Säg exakt: "${line}"` } });
  const first = await c.waitFor('response.output_audio.delta', m);
  c.send({ type: 'response.cancel' });
  const cancelAt = c.mark();
  const done = await c.waitFor('response.done', m);
  expect(done.response.status).toBe('cancelled');
  expect(done.response.status_details).toMatchObject({ type: 'cancelled', reason: 'client_cancelled' });
  const after = sims.openai.realtime.stats();
  expect(after.stale_deltas - before.stale_deltas).toBe(2);
  expect(after.cancelled_responses - before.cancelled_responses).toBe(1);
  const doneAt = c.events.indexOf(done);
  expect(c.between('response.output_audio.delta', cancelAt, doneAt).length).toBeGreaterThanOrEqual(1);
  const deltas = c.between('response.output_audio.delta', m, doneAt);
  const total = deltas.length * 100;
  expect(total).toBeLessThan(line.split(' ').length * 300);
  const itemDone = await c.waitFor('conversation.item.done', m, (e) => e.item.id === first.item_id);
  expect(itemDone.item).toMatchObject({ status: 'incomplete' });

  let t = c.mark();
  c.send({ type: 'conversation.item.truncate', item_id: first.item_id, content_index: 0, audio_end_ms: total + 500, event_id: 'ev_past' });
  const err = await c.waitFor('error', t);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'audio_end_ms', event_id: 'ev_past' });
  expect(err.error.message).toMatch(/already shorter than/);
  t = c.mark();
  c.send({ type: 'conversation.item.truncate', item_id: first.item_id, content_index: 0, audio_end_ms: 150 });
  expect(await c.waitFor('conversation.item.truncated', t)).toMatchObject({ item_id: first.item_id, content_index: 0, audio_end_ms: 150 });
  t = c.mark();
  c.send({ type: 'response.cancel' });
  expect((await c.waitFor('error', t)).error.code).toBe('response_cancel_not_active');
  await new Promise((r) => setTimeout(r, 100));
  expect(c.between('response.output_audio.delta', doneAt)).toHaveLength(0);
  c.close();
});

test('interrupt_response: customer speech cancels the response in progress (turn_detected)', async () => {
  const c = await open({ interrupt_response: true });
  const m = c.mark();
  c.send({ type: 'response.create', response: { instructions: 'Säg exakt: "En lång fråga som kunden avbryter mitt i, för att testa avbrott."' } });
  await c.waitFor('response.output_audio.delta', m);
  speak(c, 'Ja');
  const done = await c.waitFor('response.done', m);
  expect(done.response.status).toBe('cancelled');
  expect(done.response.status_details?.reason).toBe('turn_detected');
  c.close();
});

const upgrade = (headers: Record<string, string>, url = wsUrl()): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });

test('handshake: Bearer required (401), key must match, OpenAI-Beta refused (400), model required', async () => {
  const none = await upgrade({});
  expect(none.status).toBe(401);
  expect(JSON.parse(none.body).error.message).toMatch(/didn't provide an API key/);
  expect((await upgrade({ Authorization: 'Bearer sk-wrong' })).status).toBe(401);
  const beta = await upgrade({ Authorization: `Bearer ${KEY}`, 'OpenAI-Beta': 'realtime=v1' });
  expect(beta.status).toBe(400);
  expect(JSON.parse(beta.body).error.param).toBe('OpenAI-Beta');
  expect((await upgrade({ Authorization: `Bearer ${KEY}` }, wsUrl('foo=1'))).status).toBe(400);
  expect((await upgrade({ Authorization: `Bearer ${KEY}` })).status).toBe(101);
});

test('invalid client events get an error event naming the parameter', async () => {
  const c = await Client.open();
  await c.waitFor('session.created');
  const cases: [unknown, Record<string, unknown>][] = [
    [{ type: 'response.audio.delta', delta: '' }, { code: 'invalid_value', param: 'type' }],
    [{ type: 'session.update', session: { modalities: ['audio'], voice: 'alloy', input_audio_format: 'pcm16' } }, { code: 'unknown_parameter', param: 'session.modalities' }],
    [{ type: 'session.update', session: { instructions: 'x' } }, { code: 'missing_required_parameter', param: 'session.type' }],
    [{ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 2 } } } } }, { param: 'session.audio.input.turn_detection.threshold' }],
    [{ type: 'session.update', session: { type: 'realtime', temperature: 0.8 } }, { code: 'unknown_parameter', param: 'session.temperature' }],
    [{ type: 'input_audio_buffer.append' }, { code: 'missing_required_parameter', param: 'audio' }],
    [{ type: 'conversation.item.truncate', item_id: 'item_x', content_index: 0, audio_end_ms: 10 }, { code: 'item_not_found', param: 'item_id' }],
    [{ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' } }, { param: 'item.call_id' }],
    [{ type: 'input_audio_buffer.commit' }, { code: 'input_audio_buffer_commit_empty' }],
  ];
  for (const [event, expected] of cases) {
    const m = c.mark();
    c.send(event as Record<string, unknown>);
    const err = await c.waitFor('error', m);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', ...expected });
  }
  const m = c.mark();
  c.ws.send('{not json');
  expect((await c.waitFor('error', m)).error.code).toBe('invalid_json');
  c.close();
});

test('faults: refuseConnect (also over HTTP), closeAfterMs, firstAudioDelayMs, sessionUpdateError; stats', async () => {
  const base = sims.openaiUrl.replace(/\/v1$/, '');
  const bad = await fetch(`${base}/sim/realtime/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseConnect: -1 }) });
  expect(bad.status).toBe(400);
  const ok = await fetch(`${base}/sim/realtime/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseConnect: 1 }) });
  expect(((await ok.json()) as { refuseConnect: number }).refuseConnect).toBe(1);
  expect((await upgrade({ Authorization: `Bearer ${KEY}` })).status).toBe(503);
  expect((await upgrade({ Authorization: `Bearer ${KEY}` })).status).toBe(101);

  sims.openai.realtime.setFaults({ closeAfterMs: 500 });
  const doomed = await open();
  speak(doomed, 'Ja, det går bra', 800);
  expect((await doomed.closed).code).toBe(1011);
  sims.openai.realtime.setFaults({ closeAfterMs: null });

  sims.openai.realtime.setFaults({ firstAudioDelayMs: 700 });
  const slow = await open();
  const started = Date.now();
  await respond(slow, { instructions: 'Säg exakt: "Hej"' });
  const first = slow.events.find((e) => e.type === 'response.output_audio.delta');
  expect(first).toBeDefined();
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000 - 20);
  slow.close();
  sims.openai.realtime.setFaults({ firstAudioDelayMs: 0 });

  sims.openai.realtime.setFaults({ sessionUpdateError: 1 });
  const c = await Client.open();
  await c.waitFor('session.created');
  let m = c.mark();
  c.send(sessionUpdate());
  expect((await c.waitFor('error', m)).error.type).toBe('server_error');
  m = c.mark();
  c.send(sessionUpdate());
  await c.waitFor('session.updated', m);
  c.close();
  await c.closed;

  const stats = (await (await fetch(`${base}/sim/realtime/stats`)).json()) as ReturnType<Simulators['openai']['realtime']['stats']>;
  expect(stats.refused).toBeGreaterThanOrEqual(1);
  expect(stats.sessions_opened).toBeGreaterThanOrEqual(5);
  expect(stats.closed_by_fault).toBe(1);
  expect(stats.tool_calls).toBeGreaterThanOrEqual(3);
  expect(stats.truncations).toBeGreaterThanOrEqual(1);
  expect(stats.cancelled_responses).toBeGreaterThanOrEqual(2);
  expect(stats.events_in).toBeGreaterThan(0);
  expect(stats.events_out).toBeGreaterThan(stats.events_in / 10);
});
