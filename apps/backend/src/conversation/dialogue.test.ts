import { decideAfterRecording, decideOpening, finalReason, LIMITS } from './dialogue';
import type { CallMeta, CallSnapshot, Transcript } from './state';

/** The dialogue's decisions as pure functions of a call snapshot. */

const prompt = (id: string, kind: string, seconds: number) => ({ id, kind, text: id, url: `http://x/${id}.wav`, durationMs: seconds * 1000 });
const META: CallMeta = {
  sessionId: 's',
  attemptNo: 1,
  storeId: 'st',
  placedAt: 0,
  greeting: 'greeting',
  questions: ['q1', 'q2', 'q3', 'q4'],
  followUps: ['fu:1', 'fu:2'],
  acknowledgements: ['ack:1', 'ack:2'],
  endings: {
    closing: 'closing',
    budgetClosing: 'closing:budget',
    declineGoodbye: 'bye:declined',
    optOutGoodbye: 'bye:opt_out',
    nonSwedishGoodbye: 'bye:non_swedish',
    cancelledGoodbye: 'bye:cancelled',
  },
  prompts: Object.fromEntries(
    [
      prompt('greeting', 'greeting', 15),
      ...['q1', 'q2', 'q3', 'q4'].map((q) => prompt(q, 'question', 5)),
      prompt('fu:1', 'follow_up', 2),
      prompt('fu:2', 'follow_up', 2),
      prompt('ack:1', 'acknowledgement', 1),
      prompt('ack:2', 'acknowledgement', 1),
      ...['closing', 'closing:budget', 'bye:declined', 'bye:opt_out', 'bye:non_swedish', 'bye:cancelled'].map((p) => prompt(p, 'closing', 6)),
    ].map((p) => [p.id, p]),
  ),
};

const sv = (text: string): Transcript => ({ text, language: 'sv', sttMs: 10 });
function snap(turns: Array<{ ask: string; said?: string; seconds?: number }>, extra: Partial<CallSnapshot> = {}): CallSnapshot {
  const s: CallSnapshot = {
    meta: META,
    callId: null,
    answeredAt: 1,
    asks: new Map(),
    recordLimits: new Map(),
    acks: new Map(),
    responses: new Map(),
    awaiting: null,
    failures: new Set(),
    recordings: new Map(),
    transcripts: new Map(),
    end: null,
    cancelled: false,
    hangup: null,
    latencies: {},
    ...extra,
  };
  turns.forEach((t, n) => {
    s.asks.set(n, t.ask);
    if (t.seconds !== undefined) s.recordings.set(n, { wav: 'w', durationS: t.seconds, at: 0 });
    if (t.said !== undefined) s.transcripts.set(n, sv(t.said));
  });
  return s;
}

const DETAIL = 'Mjölken i mejeridisken hade gått ut och det var bara en kassa öppen, jag stod i kö i tjugo minuter.';

describe('dialogue', () => {
  it('opens with the greeting and a short consent recording', () => {
    expect(decideOpening(snap([]))).toEqual({ type: 'ask', promptId: 'greeting', turn: 0, recordLimitS: LIMITS.consentRecordS });
    expect(decideOpening(snap([], { cancelled: true }))).toMatchObject({ type: 'end', reason: 'cancelled' });
  });

  it('a yes → the first question; a nej → the polite goodbye; opt-out → its goodbye', () => {
    expect(decideAfterRecording(snap([{ ask: 'greeting', said: 'Ja, det går bra.', seconds: 2 }]), 0)).toMatchObject({ type: 'ask', promptId: 'q1', turn: 1 });
    expect(decideAfterRecording(snap([{ ask: 'greeting', said: 'Nej, det vill jag inte.', seconds: 2 }]), 0)).toEqual({ type: 'end', promptId: 'bye:declined', reason: 'declined' });
    expect(decideAfterRecording(snap([{ ask: 'greeting', said: 'Nej tack, ring inte mig igen.', seconds: 2 }]), 0)).toMatchObject({ promptId: 'bye:opt_out', reason: 'opt_out' });
  });

  it('a mailbox greeting or silence as the first answer → hang up (voicemail)', () => {
    const mailbox = 'Hej, du har kommit till Annas röstbrevlåda, lämna ett meddelande efter tonen.';
    expect(decideAfterRecording(snap([{ ask: 'greeting', said: mailbox, seconds: 8 }]), 0)).toEqual({ type: 'hangup', reason: 'voicemail' });
    expect(decideAfterRecording(snap([{ ask: 'greeting', said: '', seconds: 3 }]), 0)).toEqual({ type: 'hangup', reason: 'voicemail' });
  });

  it('English answers end the call politely', () => {
    const s = snap([{ ask: 'greeting', said: 'Yes, that is fine.', seconds: 2 }]);
    s.transcripts.set(0, { text: 'Yes, that is fine.', language: 'en', sttMs: 1 });
    expect(decideAfterRecording(s, 0)).toMatchObject({ type: 'end', promptId: 'bye:non_swedish', reason: 'non_swedish' });
  });

  it('acknowledges while the transcript is pending, then decides without waiting', () => {
    const pending = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', seconds: 5 }]);
    expect(decideAfterRecording(pending, 1, true)).toEqual({ type: 'acknowledge', promptId: 'ack:2', turn: 1 });
    expect(decideAfterRecording(pending, 1, false)).toMatchObject({ type: 'ask', promptId: 'q2', turn: 2 });
  });

  it('one follow-up after a vague answer, never a second', () => {
    const vague = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: 'Det var bra.', seconds: 4 }]);
    expect(decideAfterRecording(vague, 1)).toMatchObject({ type: 'ask', promptId: 'fu:1', turn: 2 });
    const again = snap([
      { ask: 'greeting', said: 'Ja.', seconds: 2 },
      { ask: 'q1', said: 'Det var bra.', seconds: 4 },
      { ask: 'fu:1', said: 'Helt okej.', seconds: 4 },
      { ask: 'q2', said: 'Inget särskilt.', seconds: 4 },
    ]);
    expect(decideAfterRecording(again, 3)).toMatchObject({ type: 'ask', promptId: 'q3' });
    const specific = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: DETAIL, seconds: 12 }]);
    expect(decideAfterRecording(specific, 1)).toMatchObject({ promptId: 'q2' });
  });

  it('closes when the questions run out, and at the 90-second budget', () => {
    const done = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, ...META.questions.map((q) => ({ ask: q, said: DETAIL, seconds: 5 }))]);
    expect(decideAfterRecording(done, 4)).toEqual({ type: 'end', promptId: 'closing', reason: 'completed' });
    const long = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: DETAIL, seconds: 30 }, { ask: 'q2', said: DETAIL, seconds: 30 }]);
    // 15 + 2 + 5 + 30 + 5 + 30 = 87 s; the next question + answer + closing would pass 120 s.
    expect(decideAfterRecording(long, 2)).toMatchObject({ type: 'ask', promptId: 'q3' });
    const over = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: DETAIL, seconds: 35 }, { ask: 'q2', said: DETAIL, seconds: 35 }]);
    expect(decideAfterRecording(over, 2)).toEqual({ type: 'end', promptId: 'closing:budget', reason: 'budget' });
  });

  it('never lets a recording run past the 2-minute budget', () => {
    const s = snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: DETAIL, seconds: 30 }, { ask: 'q2', said: DETAIL, seconds: 30 }]);
    const d = decideAfterRecording(s, 2);
    if (d.type !== 'ask') throw new Error('expected a question');
    // 87 s so far + 5 s question + 6 s closing: at most 22 s of answer fit.
    expect(d.recordLimitS).toBe(22);
  });

  it('final reason: late transcripts overrule the ending; nobody there → voicemail; early hang-up → hung_up', () => {
    const lateNo = snap([{ ask: 'greeting', said: 'Nej, det vill jag inte.', seconds: 2 }, { ask: 'q1', said: '', seconds: 3 }], {
      end: { reason: 'completed', promptId: 'closing', turn: -1 },
    });
    expect(finalReason(lateNo)).toBe('declined');
    expect(finalReason(snap([{ ask: 'greeting', said: 'Hej, det här är Mikael.', seconds: 8 }, { ask: 'q1', said: '', seconds: 3 }]))).toBe('voicemail');
    expect(finalReason(snap([{ ask: 'greeting', said: 'Ja.', seconds: 2 }, { ask: 'q1', said: DETAIL, seconds: 9 }]))).toBe('hung_up');
  });
});
