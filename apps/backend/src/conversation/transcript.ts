import type { CallSnapshot } from './state';

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
  const rows: TranscriptRow[] = [];
  let at = 0;
  const push = (row: Omit<TranscriptRow, 'message_order' | 'timestamp_ms'>, durationMs: number) => {
    rows.push({ ...row, message_order: rows.length, timestamp_ms: Math.round(at) });
    at += durationMs;
  };
  for (const [n, promptId] of [...snap.asks.entries()].sort((a, b) => a[0] - b[0])) {
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
  const ending = snap.end?.promptId ? snap.meta.prompts[snap.end.promptId] : undefined;
  if (ending) push({ speaker: 'ai', content: ending.text, confidence_score: null, language_detected: 'sv', message_type: ending.kind }, ending.durationMs);
  return rows;
}
