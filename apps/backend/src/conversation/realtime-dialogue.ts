import type { Deps } from '../deps';
import { decideAfterRecording, type Decision, decideOpening, LIMITS } from './dialogue';
import { type CallSnapshot, type EndReason, readCallState, setFields } from './state';
import { detectLanguage, isOptOut } from './understanding';

/**
 * The dialogue as the realtime transport runs it: the model calls tools, and each tool runs the SAME
 * decisions as the record loop (dialogue.ts) on the SAME Redis state — the customer's answer becomes
 * `txt:<turn>` (its audio length `rec:<turn>`), the next question `ask:<turn>`, an ending `end` — and
 * returns the line to say next. So a realtime leg that fails hands the record loop a conversation it
 * simply continues (resumeDecision), and settlement and grading are the record loop's own.
 */

type Ctx = Pick<Deps, 'redis' | 'key'>;

export type DialogueToolOutput = {
  say?: string;
  expect?: 'consent' | 'answer' | 'end';
  question_index?: number;
  end?: boolean;
  reason?: string;
  ok?: boolean;
};

/** What the customer said last (the input transcription), as the bridge saw it. */
export type HeardAnswer = { text: string; durationMs: number } | null;

const END_REASONS: ReadonlySet<string> = new Set(['completed', 'budget', 'declined', 'opt_out', 'non_swedish', 'voicemail', 'silence']);

/** The turn being answered: the newest question asked (0 = the consent after the greeting). */
const currentTurn = (snap: CallSnapshot): number => Math.max(0, ...snap.asks.keys());

/** The decision as a tool output, and the fields that record it. */
function outputOf(snap: CallSnapshot, d: Decision): { out: DialogueToolOutput; fields: Record<string, string> } {
  const text = (id: string) => snap.meta.prompts[id]?.text ?? '';
  if (d.type === 'ask') {
    return {
      out: { say: text(d.promptId), expect: 'answer', question_index: d.turn },
      fields: { [`ask:${d.turn}`]: d.promptId, [`rl:${d.turn}`]: String(d.recordLimitS) },
    };
  }
  if (d.type === 'acknowledge') return outputOf(snap, decideAfterRecording(snap, d.turn, false));
  const promptId = d.type === 'end' ? d.promptId : null;
  return {
    out: { ...(promptId ? { say: text(promptId) } : {}), expect: 'end', end: true, reason: d.reason },
    fields: { end: JSON.stringify({ reason: d.reason, promptId, turn: -1 }) },
  };
}

async function snapshot(ctx: Ctx, sessionId: string, attemptNo: number): Promise<CallSnapshot> {
  const snap = await readCallState(ctx, sessionId, attemptNo);
  if (!snap) throw new Error('the call state is gone (settled, expired or erased)');
  return snap;
}

/** The answer to the current turn, in the state as the record loop would have written it. */
function answerFields(snap: CallSnapshot, turn: number, text: string, durationMs: number): Record<string, string> {
  const transcript = { text, language: detectLanguage(text), sttMs: 0 };
  snap.transcripts.set(turn, transcript);
  const rec = { wav: '', durationS: Math.round(durationMs) / 1000, at: Date.now() };
  snap.recordings.set(turn, rec);
  return { [`txt:${turn}`]: JSON.stringify(transcript), [`rec:${turn}`]: JSON.stringify(rec) };
}

/**
 * Runs one tool of the realtime model. `heard` is the customer's last final utterance (the words the
 * input transcription gave); the model's own rendering of the answer is the fallback.
 */
export async function runDialogueTool(
  ctx: Ctx,
  sessionId: string,
  attemptNo: number,
  name: string,
  args: Record<string, unknown>,
  heard: HeardAnswer,
): Promise<DialogueToolOutput> {
  const snap = await snapshot(ctx, sessionId, attemptNo);
  if (snap.end && name !== 'end_call') {
    // The dialogue already ended: say its ending again rather than start anything new.
    const promptId = snap.end.promptId;
    return { ...(promptId ? { say: snap.meta.prompts[promptId]?.text ?? '' } : {}), expect: 'end', end: true, reason: snap.end.reason };
  }
  const turn = currentTurn(snap);
  const words = (fallback: string) => (heard?.text.trim() ? heard.text.trim() : fallback);
  const ms = heard?.durationMs ?? 0;
  let fields: Record<string, string> = {};
  let decision: Decision;
  switch (name) {
    case 'set_consent': {
      const granted = args.granted === true;
      fields = answerFields(snap, 0, words(granted ? 'ja' : 'nej'), ms);
      // The record loop's judgement first (a mailbox greeting, an opt-out, another language); then the
      // model's: a no it heard is a decline, whatever our word lists make of the words.
      decision = decideAfterRecording(snap, 0, false);
      if (!granted && decision.type === 'ask') decision = { type: 'end', promptId: snap.meta.endings.declineGoodbye, reason: 'declined' };
      break;
    }
    case 'save_answer': {
      // The model's rendering of the answer is what it decided on; the transcription is the fallback.
      const answer = typeof args.answer === 'string' ? args.answer.trim() : '';
      fields = answerFields(snap, Math.max(1, turn), answer || words(''), ms);
      decision = decideAfterRecording(snap, Math.max(1, turn), false);
      break;
    }
    case 'opt_out': {
      const said = words('ring mig inte igen');
      fields = answerFields(snap, turn, isOptOut(said) ? said : `${said} (ring mig inte igen)`, ms);
      decision = { type: 'end', promptId: snap.meta.endings.optOutGoodbye, reason: 'opt_out' };
      break;
    }
    case 'end_call': {
      const reason = typeof args.reason === 'string' && END_REASONS.has(args.reason) ? (args.reason as EndReason) : 'completed';
      if (!snap.end) await setFields(ctx, sessionId, attemptNo, { end: JSON.stringify({ reason, promptId: null, turn: -1 }) });
      return { ok: true };
    }
    default:
      throw new Error(`unknown dialogue tool ${name}`);
  }
  const { out, fields: decided } = outputOf(snap, decision);
  if (!(await setFields(ctx, sessionId, attemptNo, { ...fields, ...decided }))) throw new Error('the call state is gone');
  return out;
}

/** The greeting the realtime leg opens with (ask:0, as in the record loop), or null when the call must end. */
export function realtimeOpening(snap: CallSnapshot): { say: string; fields: Record<string, string> } | null {
  const d = decideOpening(snap);
  if (d.type !== 'ask') return null;
  return { say: snap.meta.prompts[d.promptId]?.text ?? '', fields: { [`ask:${d.turn}`]: d.promptId, [`rl:${d.turn}`]: String(d.recordLimitS) } };
}

/**
 * Where the record loop takes over after a realtime leg (46elks' `next` of the connect): nothing if the
 * dialogue had ended; the question asked but not answered, again; else the dialogue's next step after
 * the last answer; the greeting when not even the consent was answered.
 */
export function resumeDecision(snap: CallSnapshot): Decision {
  if (snap.end) return { type: 'hangup', reason: snap.end.reason };
  const answered = [...snap.transcripts.keys()];
  if (answered.length === 0) return decideOpening(snap);
  const last = Math.max(...answered);
  const pending = snap.asks.get(last + 1);
  if (pending !== undefined && !snap.transcripts.has(last + 1)) {
    return { type: 'ask', promptId: pending, turn: last + 1, recordLimitS: snap.recordLimits.get(last + 1) ?? LIMITS.answerRecordS };
  }
  return decideAfterRecording(snap, last, false);
}
