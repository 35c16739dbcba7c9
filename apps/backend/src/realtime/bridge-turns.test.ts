import { harness, pcm } from './bridge.harness';

/** Ready, greeted at 1000 ms, the greeting (3000 ms, response left open) playing 1000–4000 ms. */
function greeting(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness({ bargeInMs: 700, ...opts });
  h.ready();
  h.audio(1000);
  h.aiLine('r1', 'a1', 3000, 'Hej, vill du svara på några frågor? Det tar bara en minut.', true);
  return h;
}

describe('realtime bridge: barge-in', () => {
  it('cuts the AI once the customer has spoken bargeInMs over it: interrupt, cancel, truncate at the heard ms', () => {
    const h = greeting();
    h.audio(500);
    h.speechStarted('c1'); // at 1500
    h.audio(680);
    expect(h.elksTypes()).not.toContain('interrupt');
    const before = h.oai.length;
    h.audio(20); // 2200: 700 ms of speech
    expect(h.elks.at(-1)).toEqual({ t: 'interrupt' });
    expect(h.oai.slice(before).filter((e) => e.type !== 'input_audio_buffer.append')).toEqual([
      { type: 'response.cancel' },
      { type: 'conversation.item.truncate', item_id: 'a1', content_index: 0, audio_end_ms: 1200 },
    ]);

    // deltas still in flight from the cancelled response are dropped
    const elksBefore = h.elks.length;
    h.ev({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'a1', output_index: 0, content_index: 0,
      delta: pcm(100) });
    expect(h.elks).toHaveLength(elksBefore);
    h.responseDone('r1', 'cancelled');

    // the customer finishes: a real turn, so the model answers; `sending` goes out before its audio
    h.audio(400);
    h.speechStopped('c1', h.inMs);
    h.audio(300);
    expect(h.responseCreates().at(-1)).toEqual({ type: 'response.create' });
    h.aiLine('r2', 'a2', 200, 'Förlåt, varsågod.');
    expect(h.elksTypes().slice(elksBefore)).toEqual(['sending', 'audio', 'audio']);

    h.transcribed('c1', 'Vänta lite, vem är det?');
    h.audio(500);
    h.bridge.end('hangup');
    const ordered = [...h.utterances].sort((a, b) => a.timestampMs - b.timestampMs);
    expect(ordered.map((u) => [u.speaker, u.timestampMs, u.status, u.heardMs])).toEqual([
      ['ai', 1000, 'truncated', 1200],
      ['customer', 1500, 'final', undefined],
      ['ai', 2900, 'final', undefined],
    ]);
  });

  it('answers the turn once a cancelled response that was still winding down is done', () => {
    const h = greeting();
    h.audio(500);
    h.speechStarted('c1');
    h.audio(1000); // cut at 2200
    h.speechStopped('c1', h.inMs);
    expect(h.responseCreates()).toHaveLength(1);
    h.responseDone('r1', 'cancelled');
    expect(h.responseCreates()).toHaveLength(2);
  });

  it('truncates at most what was sent', () => {
    const h = harness({ bargeInMs: 700 });
    h.ready();
    h.audio(1000);
    h.aiLine('r1', 'a1', 200, 'Hej', true); // 1000–1200, response still generating
    h.audio(100);
    h.speechStarted('c1');
    h.audio(800);
    expect(h.oai.find((e) => e.type === 'conversation.item.truncate')).toMatchObject({ audio_end_ms: 200 });
  });

  it('takes a short utterance over AI audio as a back-channel: no interrupt, no response.create', () => {
    const h = greeting();
    h.audio(500);
    h.speechStarted('c1'); // 1500
    h.audio(300);
    const end = h.inMs;
    h.audio(300); // the VAD reports the stop 300 ms later, before bargeInMs
    h.speechStopped('c1', end);
    h.transcribed('c1', 'mm');
    h.audio(1000);
    expect(h.elksTypes()).not.toContain('interrupt');
    expect(h.oaiTypes()).not.toContain('response.cancel');
    expect(h.responseCreates()).toHaveLength(1);
    h.ev({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'a1', output_index: 0, content_index: 0,
      delta: pcm(100) });
    expect(h.elks.at(-1)).toEqual({ t: 'audio', data: pcm(100) });
  });

  it('does not answer a customer turn while the AI is still playing', () => {
    const h = greeting();
    h.speechStarted('c1', 900); // began before the greeting started: not a barge-in candidate
    h.audio(500);
    h.speechStopped('c1', 1400);
    expect(h.responseCreates()).toHaveLength(1);
  });
});

describe('realtime bridge: the 2-minute cap (audio time)', () => {
  const CAP = { wrapUpAtMs: 5_000, forceCloseAtMs: 8_000, hardStopAtMs: 10_000, byeWaitMs: 5_000 };

  it('cues at wrapUpAtMs, forces the closing at forceCloseAtMs, says bye at hardStopAtMs', () => {
    const h = harness(CAP);
    h.ready();
    h.audio(1000);
    h.aiLine('r1', 'a1', 500, 'Hej');
    h.audio(3980);
    expect(h.oaiTypes()).not.toContain('conversation.item.create');
    h.audio(20); // 5000
    expect(h.oai.at(-1)).toEqual({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: expect.any(String) }] },
    });

    h.customerSays('c1', 2000, 'Det var bra'); // 5000–7000, turn at 7300
    h.aiLine('r2', 'a2', 2000, 'Vad tyckte du om kassan?', true); // playing 7300–9300
    h.audio(700); // 8000
    expect(h.elks.at(-1)).toEqual({ t: 'interrupt' });
    expect(h.oaiTypes().slice(-2)).toEqual(['response.cancel', 'conversation.item.truncate']);
    h.responseDone('r2', 'cancelled');
    expect(h.responseCreates().at(-1)).toEqual({
      type: 'response.create',
      response: { instructions: 'Säg exakt: "Tack för din tid, hej då!"' },
    });
    const cut = h.elks.length;
    h.aiLine('r3', 'a3', 1500, 'Tack för din tid, hej då!');
    expect(h.elksTypes().slice(cut)).toEqual(['sending', ...Array(15).fill('audio'), 'sync']);

    h.audio(2000); // 10000: the hard stop, whether or not 46elks has answered the sync
    expect(h.elks.at(-1)).toEqual({ t: 'bye' });
    h.timers.advance(5_000);
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'cap', dialogueReason: 'budget', fallback: false })]);
  });

  it('ends at the hard stop when 46elks answers the bye', () => {
    const h = harness(CAP);
    h.ready();
    h.audio(10_000);
    expect(h.elks.at(-1)).toEqual({ t: 'bye' });
    h.bridge.onElks({ t: 'bye', reason: 'done' });
    expect(h.ends).toEqual([expect.objectContaining({ reason: 'cap', talkMs: 10_000 })]);
  });
});
