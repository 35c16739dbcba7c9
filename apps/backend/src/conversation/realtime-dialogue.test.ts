import { resumeDecision } from './realtime-dialogue';
import type { CallMeta, CallSnapshot, RealtimeUtterance } from './state';
import { transcriptMessages } from './transcript';

/** Where the record loop takes over after a realtime leg, and the transcript of a realtime call. */

const prompt = (id: string, kind: string) => ({ id, kind, text: `text of ${id}`, url: `http://x/${id}.wav`, durationMs: 4000 });
const META: CallMeta = {
  sessionId: 's',
  attemptNo: 1,
  storeId: 'st',
  placedAt: 0,
  greeting: 'greeting',
  questions: ['q1', 'q2', 'q3'],
  followUps: ['fu:1'],
  acknowledgements: ['ack:1'],
  endings: { closing: 'closing', budgetClosing: 'closing', declineGoodbye: 'bye', optOutGoodbye: 'bye', nonSwedishGoodbye: 'bye', cancelledGoodbye: 'bye' },
  prompts: Object.fromEntries(
    [prompt('greeting', 'greeting'), prompt('q1', 'question'), prompt('q2', 'question'), prompt('q3', 'question'), prompt('fu:1', 'follow_up'), prompt('ack:1', 'acknowledgement'), prompt('closing', 'closing'), prompt('bye', 'closing')].map((p) => [p.id, p]),
  ),
};

function snap(asks: string[], said: string[], extra: Partial<CallSnapshot> = {}): CallSnapshot {
  const s: CallSnapshot = {
    meta: META, callId: null, answeredAt: 1, asks: new Map(), recordLimits: new Map(), acks: new Map(), responses: new Map(), awaiting: null,
    failures: new Set(), recordings: new Map(), transcripts: new Map(), end: null, cancelled: false, hangup: null, latencies: {}, transport: 'realtime', ...extra,
  };
  asks.forEach((a, n) => {
    s.asks.set(n, a);
  });
  said.forEach((t, n) => {
    s.transcripts.set(n, { text: t, language: 'sv', sttMs: 0 });
    s.recordings.set(n, { wav: '', durationS: 2, at: 0 });
  });
  return s;
}

describe('resuming a conversation in the record loop after the realtime leg', () => {
  it('nothing answered yet: from the greeting', () => {
    expect(resumeDecision(snap(['greeting'], []))).toMatchObject({ type: 'ask', promptId: 'greeting', turn: 0 });
  });
  it('a question asked but not answered: that question again, never one already answered', () => {
    const d = resumeDecision(snap(['greeting', 'q1', 'q2'], ['Ja, det går bra.', 'Frukten var fin och fräsch idag, tyckte jag.']));
    expect(d).toMatchObject({ type: 'ask', promptId: 'q2', turn: 2 });
  });
  it('the last question answered: the dialogue’s next step', () => {
    const d = resumeDecision(snap(['greeting', 'q1'], ['Ja, det går bra.', 'Frukten var fin och fräsch idag, tyckte jag.']));
    expect(d).toMatchObject({ type: 'ask', promptId: 'q2', turn: 2 });
  });
  it('the dialogue ended in the realtime leg: hang up', () => {
    expect(resumeDecision(snap(['greeting'], ['Nej.'], { end: { reason: 'declined', promptId: 'bye', turn: -1 } }))).toEqual({ type: 'hangup', reason: 'declined' });
  });
});

describe('the transcript of a realtime call', () => {
  const u = (speaker: 'ai' | 'customer', text: string, ms: number, status: 'final' | 'truncated' = 'final'): RealtimeUtterance => ({ speaker, text, ms, status });
  it('utterances in spoken order by audio time (not arrival order), the AI first on a tie, empty ones dropped', () => {
    const s = snap(['greeting', 'q1'], ['Ja.', 'Bra.'], {
      utterances: [u('customer', 'Bra.', 9000), u('ai', 'Hej! Får vi spela in?', 1000), u('customer', 'Ja.', 4000), u('ai', 'Hur var frukten?', 4000, 'truncated'), u('customer', '', 12000)],
    });
    const rows = transcriptMessages(s);
    expect(rows.map((r) => [r.speaker, r.content, r.timestamp_ms, r.message_type])).toEqual([
      ['ai', 'Hej! Får vi spela in?', 1000, 'greeting'],
      ['ai', 'Hur var frukten?', 4000, 'interrupted'],
      ['customer', 'Ja.', 4000, 'consent'],
      ['customer', 'Bra.', 9000, 'answer'],
    ]);
    expect(rows.map((r) => r.message_order)).toEqual([0, 1, 2, 3]);
  });
  it('after a fallback, the record loop’s turns follow the realtime ones', () => {
    const s = snap(['greeting', 'q1', 'q2'], ['Ja.', 'Bra.', 'Allt fanns.'], { utterances: [u('ai', 'Hej!', 0), u('customer', 'Ja.', 3000), u('ai', 'Frukten?', 5000), u('customer', 'Bra.', 8000)], resumedAt: 2 });
    const rows = transcriptMessages(s);
    expect(rows.map((r) => r.content)).toEqual(['Hej!', 'Ja.', 'Frukten?', 'Bra.', 'text of q2', 'Allt fanns.']);
    expect(rows.at(-2)!.timestamp_ms).toBeGreaterThan(8000);
  });
});
