import type { CallSnapshot, EndReason } from './state';
import { conversationSeconds } from './state';
import { classifyConsent, detectLanguage, isOptOut, isVague, isVoicemailGreeting, wordCount } from './understanding';

/**
 * The dialogue's decisions, as pure functions of the call's state snapshot — independent of the
 * transport (46elks record loop today, a realtime audio bridge later). No decision waits on an
 * LLM or on speech-to-text: it uses whichever transcripts have already landed.
 */

export const LIMITS = {
  /** The call never exceeds this much conversation (prompts + answers). */
  maxSeconds: 120,
  /** Past this, the next step is the closing. */
  closingAfterSeconds: 90,
  /** Long enough to hear a whole mailbox greeting; a person's yes ends it early (silence detection). */
  consentRecordS: 12,
  answerRecordS: 25,
  minRecordS: 5,
} as const;

export type Decision =
  | { type: 'ask'; promptId: string; turn: number; recordLimitS: number }
  | { type: 'acknowledge'; promptId: string; turn: number }
  | { type: 'end'; promptId: string; reason: EndReason }
  | { type: 'hangup'; reason: EndReason };

/** Reasons that end the call early, judged from the transcripts available now. */
export function judgeTranscripts(snap: CallSnapshot): EndReason | null {
  const first = snap.transcripts.get(0);
  if (first) {
    if (isVoicemailGreeting(first.text) || first.text.trim() === '') return 'voicemail';
    const consent = classifyConsent(first.text);
    if (consent === 'opt_out') return 'opt_out';
    if (consent === 'no') return 'declined';
  }
  const ordered = [...snap.transcripts.entries()].sort((a, b) => a[0] - b[0]);
  if (ordered.some(([, t]) => isOptOut(t.text))) return 'opt_out';
  if (ordered.some(([, t]) => wordCount(t.text) >= 3 && detectLanguage(t.text) === 'en')) return 'non_swedish';
  for (let i = 1; i < ordered.length; i++) {
    const [n, t] = ordered[i]!;
    const prev = ordered[i - 1]!;
    if (n >= 2 && prev[0] === n - 1 && t.text.trim() === '' && prev[1].text.trim() === '') return 'silence';
  }
  return null;
}

const endingPrompt = (snap: CallSnapshot, reason: EndReason): string => {
  const e = snap.meta.endings;
  switch (reason) {
    case 'declined':
      return e.declineGoodbye;
    case 'opt_out':
      return e.optOutGoodbye;
    case 'non_swedish':
      return e.nonSwedishGoodbye;
    case 'cancelled':
      return e.cancelledGoodbye;
    case 'budget':
      return e.budgetClosing;
    default:
      return e.closing;
  }
};

/** voice-start: the greeting (with the recording notice and consent question), then record. */
export function decideOpening(snap: CallSnapshot): Decision {
  if (snap.cancelled) return { type: 'end', promptId: snap.meta.endings.cancelledGoodbye, reason: 'cancelled' };
  return { type: 'ask', promptId: snap.meta.greeting, turn: 0, recordLimitS: LIMITS.consentRecordS };
}

/**
 * `next` after recording `turn`: the next question, one follow-up, or an ending. When the answer's
 * transcript has not landed yet (and `mayAcknowledge`), first a short "Tack." whose own `next`
 * comes back here — speech-to-text gets that moment, and nothing ever waits on it.
 */
export function decideAfterRecording(snap: CallSnapshot, turn: number, mayAcknowledge = false): Decision {
  if (snap.cancelled) return { type: 'end', promptId: snap.meta.endings.cancelledGoodbye, reason: 'cancelled' };
  const acks = snap.meta.acknowledgements;
  if (mayAcknowledge && acks.length > 0 && !snap.transcripts.has(turn) && conversationSeconds(snap, turn, LIMITS.answerRecordS) < LIMITS.closingAfterSeconds) {
    return { type: 'acknowledge', promptId: acks[turn % acks.length]!, turn };
  }
  const early = judgeTranscripts(snap);
  if (early === 'voicemail' || early === 'silence') return { type: 'hangup', reason: early };
  if (early) return { type: 'end', promptId: endingPrompt(snap, early), reason: early };

  const asked = new Set(snap.asks.values());
  const remaining = snap.meta.questions.filter((q) => !asked.has(q));
  const seconds = conversationSeconds(snap, turn, LIMITS.answerRecordS);
  if (remaining.length === 0) return { type: 'end', promptId: snap.meta.endings.closing, reason: 'completed' };
  if (seconds >= LIMITS.closingAfterSeconds) return { type: 'end', promptId: snap.meta.endings.budgetClosing, reason: 'budget' };

  const lastAsk = snap.asks.get(turn);
  const answer = snap.transcripts.get(turn);
  const followUpUsed = snap.meta.followUps.some((f) => asked.has(f));
  const wantsFollowUp =
    lastAsk !== undefined && snap.meta.questions.includes(lastAsk) && answer !== undefined && isVague(answer.text) && !followUpUsed;
  const next = wantsFollowUp && snap.meta.followUps[0] ? snap.meta.followUps[0] : remaining[0]!;

  const promptS = (id: string) => (snap.meta.prompts[id]?.durationMs ?? 0) / 1000;
  const room = LIMITS.maxSeconds - seconds - promptS(next) - promptS(snap.meta.endings.closing);
  const recordLimitS = Math.floor(Math.min(LIMITS.answerRecordS, room));
  if (recordLimitS < LIMITS.minRecordS) return { type: 'end', promptId: snap.meta.endings.budgetClosing, reason: 'budget' };
  return { type: 'ask', promptId: next, turn: turn + 1, recordLimitS };
}

/**
 * After hang-up, once every transcript is in: why the conversation ended. Transcripts that
 * landed late can overrule the ending chosen during the call (a "nej" heard only afterwards).
 */
export function finalReason(snap: CallSnapshot): EndReason | 'hung_up' {
  const judged = judgeTranscripts(snap);
  if (judged) return judged;
  // No yes to the recording notice and not one word after it: nobody was there to talk to
  // (an unrecognised mailbox greeting, a line that picked up and went quiet). Try again later.
  const first = snap.transcripts.get(0);
  const laterWords = [...snap.transcripts.entries()].some(([n, t]) => n > 0 && wordCount(t.text) > 0);
  if (first && classifyConsent(first.text) !== 'yes' && !laterWords && snap.end?.reason !== 'cancelled') return 'voicemail';
  if (snap.end) return snap.end.reason;
  return 'hung_up';
}
