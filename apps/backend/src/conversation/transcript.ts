import type { CallSnapshot } from './state';
import { detectLanguage } from './understanding';

export type TranscriptRow = {
  speaker: 'ai' | 'customer';
  message_order: number;
  content: string;
  timestamp_ms: number;
  confidence_score: number | null;
  language_detected: string | null;
  message_type: string;
};

/**
 * The conversation as ordered messages: each prompt, then the customer's answer to it, with
 * timestamps from the audio durations (not the wall clock), ending with the closing if one played.
 */
export function transcriptMessages(snap: CallSnapshot): TranscriptRow[] {
  const rows = realtimeMessages(snap);
  // A realtime leg's utterances come first (audio time since its hello); the record loop, if it took
  // over, continues after them with the turns the realtime leg had not answered.
  const resumeTurn = rows.length === 0 ? 0 : (snap.resumedAt ?? Number.POSITIVE_INFINITY);
  let at = rows.length > 0 ? rows[rows.length - 1]!.timestamp_ms + 1 : 0;
  const push = (row: Omit<TranscriptRow, 'message_order' | 'timestamp_ms'>, durationMs: number) => {
    rows.push({ ...row, message_order: rows.length, timestamp_ms: Math.round(at) });
    at += durationMs;
  };
  for (const [n, promptId] of [...snap.asks.entries()].sort((a, b) => a[0] - b[0])) {
    if (n < resumeTurn) continue;
    const prompt = snap.meta.prompts[promptId];
    if (prompt) push({ speaker: 'ai', content: prompt.text, confidence_score: null, language_detected: 'sv', message_type: prompt.kind }, prompt.durationMs);
    const answer = snap.transcripts.get(n);
    const rec = snap.recordings.get(n);
    if (answer) {
      push(
        {
          speaker: 'customer',
          content: answer.text,
          confidence_score: null,
          language_detected: answer.language,
          message_type: n === 0 ? 'consent' : 'answer',
        },
        (rec?.durationS ?? 0) * 1000,
      );
    }
    const ack = snap.acks.get(n);
    if (ack) at += snap.meta.prompts[ack]?.durationMs ?? 0;
  }
  const ending = snap.end?.promptId && (snap.utterances?.length ?? 0) === 0 ? snap.meta.prompts[snap.end.promptId] : undefined;
  if (ending) push({ speaker: 'ai', content: ending.text, confidence_score: null, language_detected: 'sv', message_type: ending.kind }, ending.durationMs);
  return rows;
}

/**
 * The realtime leg's utterances as rows, in spoken order: by audio time, the AI first on a tie (it
 * spoke, the customer answered). Arrival order is not conversation order (a transcription can land
 * after the next AI turn). A line the customer cut short is kept with what was heard of it.
 */
function realtimeMessages(snap: CallSnapshot): TranscriptRow[] {
  const spoken = (snap.utterances ?? []).filter((u) => u.text.trim() !== '');
  spoken.sort((a, b) => a.ms - b.ms || (a.speaker === b.speaker ? 0 : a.speaker === 'ai' ? -1 : 1));
  let customerTurns = 0;
  let aiTurns = 0;
  return spoken.map((u, i) => {
    const type =
      u.speaker === 'customer'
        ? customerTurns++ === 0
          ? 'consent'
          : 'answer'
        : u.status === 'truncated'
          ? 'interrupted'
          : aiTurns++ === 0
            ? 'greeting'
            : 'question';
    return {
      speaker: u.speaker,
      message_order: i,
      content: u.text,
      timestamp_ms: Math.max(0, Math.round(u.ms)),
      confidence_score: null,
      language_detected: u.speaker === 'customer' ? detectLanguage(u.text) : 'sv',
      message_type: type,
    };
  });
}
