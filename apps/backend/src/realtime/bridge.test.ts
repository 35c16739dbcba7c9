import { flush, harness, pcm } from './bridge.harness';
import type { ToolOutput } from './types';

const GREETING = 'Säg exakt: "Hej, vill du svara på några frågor?"';

const dialogue = async (name: string): Promise<ToolOutput> => {
  if (name === 'set_consent') return { say: 'Hur var ditt besök?', expect: 'answer', question_index: 0 };
  if (name === 'save_answer') return { say: 'Tack för dina svar, hej då!', expect: 'end', end: true, reason: 'completed' };
  return { ok: true };
};

describe('realtime bridge: audio path', () => {
  it('announces listening + sending, holds caller frames until session.updated, then forwards them untouched', () => {
    const h = harness({ maxHeldFrames: 200 });
    expect(h.elks).toEqual([
      { t: 'listening', format: 'pcm_24000' },
      { t: 'sending', format: 'pcm_24000' },
    ]);
    const frames = ['AAECAwQF', pcm(20), 'AAAA//8=', pcm(20)];
    for (const data of frames) h.bridge.onElks({ t: 'audio', data });
    expect(h.oai).toEqual([]);
    h.ev({ type: 'session.created', session: {} });
    expect(h.oaiTypes()).toEqual(['session.update']);
    h.ev({ type: 'session.updated', session: {} });
    const appended = h.oai.filter((e) => e.type === 'input_audio_buffer.append');
    expect(appended.map((e) => (e as { audio: string }).audio)).toEqual(frames);
    h.bridge.onElks({ t: 'audio', data: 'BQYHCA==' });
    expect(h.oai.at(-1)).toEqual({ type: 'input_audio_buffer.append', audio: 'BQYHCA==' });
  });

  it('holds at most maxHeldFrames, dropping the oldest', () => {
    const h = harness({ maxHeldFrames: 3 });
    for (const data of ['AQ==', 'Ag==', 'Aw==', 'BA==', 'BQ==']) h.bridge.onElks({ t: 'audio', data });
    h.ready();
    const appended = h.oai.filter((e) => e.type === 'input_audio_buffer.append');
    expect(appended.map((e) => (e as { audio: string }).audio)).toEqual(['Aw==', 'BA==', 'BQ==']);
  });

  it('greets once, after session.updated and greetingDelayMs of caller audio', () => {
    const h = harness({ greetingDelayMs: 1000 });
    h.audio(1200);
    expect(h.responseCreates()).toEqual([]);
    h.ready();
    expect(h.responseCreates()).toEqual([{ type: 'response.create', response: { instructions: GREETING } }]);
    h.audio(2000);
    expect(h.responseCreates()).toHaveLength(1);
  });

  it('forwards AI deltas as 46elks audio, re-arming nothing when already sending', () => {
    const h = harness();
    h.ready();
    h.audio(1000);
    h.aiLine('r1', 'a1', 300, 'Hej');
    expect(h.elksTypes()).toEqual(['listening', 'sending', 'audio', 'audio', 'audio']);
    expect(h.elks[2]).toEqual({ t: 'audio', data: pcm(100) });
  });
});

describe('realtime bridge: a whole call', () => {
  it('consent → answer → goodbye: tool outputs, response.create after each, sync, bye, end', async () => {
    const h = harness({}, dialogue);
    h.audio(200);
    h.ready();
    h.audio(800);
    h.aiLine('r1', 'a1', 2000, 'Hej, vill du svara på några frågor?');
    h.audio(2000);
    h.customerSays('c1', 600, 'Ja, absolut');
    expect(h.responseCreates()).toHaveLength(2);
    expect(h.responseCreates()[1]).toEqual({ type: 'response.create' });

    h.toolCall('r2', 'call1', 'set_consent', { granted: true });
    await flush();
    expect(h.toolCalls).toEqual([{ name: 'set_consent', args: { granted: true }, callId: 'call1' }]);
    expect(h.oai.slice(-2)).toEqual([
      {
        type: 'conversation.item.create',
        item: {
          type: 'function_call_output',
          call_id: 'call1',
          output: JSON.stringify({ say: 'Hur var ditt besök?', expect: 'answer', question_index: 0 }),
        },
      },
      { type: 'response.create' },
    ]);
    h.aiLine('r3', 'a3', 1500, 'Hur var ditt besök?');
    h.audio(1500);
    h.customerSays('c2', 1000, 'Personalen var trevlig');
    h.toolCall('r4', 'call2', 'save_answer', { question_index: 0, answer: 'Personalen var trevlig' });
    await flush();
    expect(h.responseCreates()).toHaveLength(5);

    h.aiLine('r5', 'a5', 1000, 'Tack för dina svar, hej då!');
    expect(h.elks.at(-1)).toEqual({ t: 'sync' });
    h.toolCall('r6', 'call3', 'end_call', { reason: 'completed' });
    await flush();
    expect(h.oai.at(-1)).toMatchObject({ item: { type: 'function_call_output', call_id: 'call3' } });
    expect(h.responseCreates()).toHaveLength(5);
    h.audio(1000);
    expect(h.elksTypes().filter((t) => t === 'bye')).toEqual([]);
    h.bridge.onElks({ t: 'sync' });
    expect(h.elks.at(-1)).toEqual({ t: 'bye' });
    h.bridge.onElks({ t: 'bye', reason: 'done' });
    expect(h.ends).toEqual([
      expect.objectContaining({ reason: 'completed', fallback: false, dialogueReason: 'completed', talkMs: h.inMs }),
    ]);

    const ordered = [...h.utterances].sort((a, b) => a.timestampMs - b.timestampMs);
    expect(ordered.map((u) => [u.speaker, u.text, u.timestampMs, u.status])).toEqual([
      ['ai', 'Hej, vill du svara på några frågor?', 1000, 'final'],
      ['customer', 'Ja, absolut', 3000, 'final'],
      ['ai', 'Hur var ditt besök?', 3900, 'final'],
      ['customer', 'Personalen var trevlig', 5400, 'final'],
      ['ai', 'Tack för dina svar, hej då!', 6700, 'final'],
    ]);
  });

  it('ends after the bye wait when 46elks never answers our bye', () => {
    const h = harness({ byeWaitMs: 5000 }, dialogue);
    h.ready();
    h.ev({ type: 'response.function_call_arguments.done', call_id: 'x', name: 'end_call', arguments: '{}' });
    return flush().then(() => {
      h.bridge.onElks({ t: 'sync' });
      expect(h.elks.at(-1)).toEqual({ t: 'bye' });
      h.timers.advance(4999);
      expect(h.ends).toHaveLength(0);
      h.timers.advance(1);
      expect(h.ends).toEqual([expect.objectContaining({ reason: 'completed', fallback: false })]);
    });
  });

  it('answers a repeated call_id once', async () => {
    const h = harness({}, dialogue);
    h.ready();
    h.audio(1000);
    h.toolCall('r2', 'call1', 'set_consent', { granted: true });
    h.toolCall('r2', 'call1', 'set_consent', { granted: true });
    await flush();
    expect(h.toolCalls).toHaveLength(1);
    expect(h.oai.filter((e) => e.type === 'conversation.item.create')).toHaveLength(1);
    expect(h.responseCreates()).toHaveLength(2); // greeting + after the one output
  });

  it('sums usage over every response.done', () => {
    const h = harness();
    h.ready();
    h.audio(1000);
    h.aiLine('r1', 'a1', 200, 'Hej');
    h.aiLine('r2', 'a2', 200, 'Hej igen');
    expect(h.usages).toHaveLength(2);
    expect(h.usages[1]).toEqual({
      responses: 2,
      inputTokens: 20,
      outputTokens: 10,
      totalTokens: 30,
      inputAudioTokens: 12,
      inputTextTokens: 8,
      inputCachedTokens: 4,
      outputAudioTokens: 8,
      outputTextTokens: 2,
    });
    h.bridge.end('hangup');
    expect(h.ends[0]?.usage.totalTokens).toBe(30);
  });
});

describe('realtime bridge: ending and fallback', () => {
  it('falls back on an OpenAI error right after session.update: bye to 46elks, fallback reported', () => {
    const h = harness();
    h.ev({ type: 'session.created', session: {} });
    h.ev({ type: 'error', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: 'x' } });
    expect(h.elks.at(-1)).toEqual({ t: 'bye' });
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'openai_error', fallback: true })]);
  });

  it('falls back when session.updated does not come within readyTimeoutMs', () => {
    const h = harness({ readyTimeoutMs: 10_000 });
    h.ev({ type: 'session.created', session: {} });
    h.timers.advance(9_999);
    expect(h.ends).toHaveLength(0);
    h.timers.advance(1);
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'openai_timeout', fallback: true })]);
    expect(h.elks.at(-1)).toEqual({ t: 'bye' });
  });

  it('falls back when the OpenAI socket closes mid-call; end is idempotent', () => {
    const h = harness();
    h.ready();
    h.audio(1500);
    h.ev({ type: 'error', error: { type: 'invalid_request_error', code: 'x', message: 'after ready: only logged' } });
    expect(h.ends).toHaveLength(0);
    h.bridge.end('openai_closed');
    h.bridge.end('openai_closed');
    h.bridge.onElks({ t: 'bye', reason: 'done' });
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'openai_closed', fallback: true, talkMs: 1500 })]);
    expect(h.elksTypes().filter((t) => t === 'bye')).toHaveLength(1);
    expect(h.timers.pending()).toBe(0);
  });

  it('falls back when a tool fails', async () => {
    const h = harness({}, async () => {
      throw new Error('redis down');
    });
    h.ready();
    h.toolCall('r1', 'c1', 'set_consent', { granted: true });
    await flush();
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'tool_failed', fallback: true })]);
  });

  it("ends on the caller's hang-up without sending bye", () => {
    const h = harness();
    h.ready();
    h.audio(1000);
    h.aiLine('r1', 'a1', 2000, 'Hej, vill du svara på några frågor?');
    h.audio(500);
    h.bridge.onElks({ t: 'bye', reason: 'hangup' });
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'hangup', fallback: false, talkMs: 1500 })]);
    expect(h.elksTypes()).not.toContain('bye');
    // the greeting was cut by the hang-up: 500 ms of it were heard
    expect(h.utterances).toEqual([expect.objectContaining({ speaker: 'ai', status: 'truncated', heardMs: 500 })]);
  });
});
