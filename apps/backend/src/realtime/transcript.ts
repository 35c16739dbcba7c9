import type { RealtimeUsage, Utterance } from './types';
import type { RealtimeResponseUsage } from 'openai/resources/realtime/realtime';

/**
 * Per-utterance transcript bookkeeping (REALTIME.md §3.4). Arrival order is not conversation order
 * (a customer's transcription may come after the next AI turn), so every utterance carries its
 * audio-time `timestampMs` and the assembler orders by it.
 *
 * - customer: reserved at speech_started (its start in our audio clock), final when its
 *   transcription arrives; empty or failed transcriptions are dropped.
 * - ai: reserved at its first audio delta (playStartMs). It is reported once its text is known
 *   (transcript done, or the response ended) AND its playout is settled: played to the end, or cut
 *   by a barge-in (`truncated` + `heardMs`). A call that ends mid-line reports what was heard.
 */
type AiItem = {
  itemId: string;
  responseId: string;
  startMs: number;
  playEndMs: number;
  sentMs: number;
  text: string;
  hasText: boolean;
  heardMs: number | null;
};

export type TranscriptTracker = ReturnType<typeof createTranscript>;

export function createTranscript(emit: (u: Utterance) => void) {
  const customers = new Map<string, number>();
  const ai: AiItem[] = [];

  const emitAi = (item: AiItem, truncatedAt: number | null) => {
    const text = item.text.trim();
    if (text === '') return;
    const heard = item.heardMs ?? truncatedAt;
    emit(
      heard === null
        ? { speaker: 'ai', text, timestampMs: item.startMs, status: 'final', itemId: item.itemId }
        : { speaker: 'ai', text, timestampMs: item.startMs, status: 'truncated', heardMs: heard, itemId: item.itemId },
    );
  };
  const find = (itemId: string) => ai.find((i) => i.itemId === itemId);

  return {
    customerStarted(itemId: string, startMs: number) {
      if (!customers.has(itemId)) customers.set(itemId, startMs);
    },
    customerText(itemId: string, text: string, fallbackMs: number) {
      const startMs = customers.get(itemId) ?? fallbackMs;
      customers.delete(itemId);
      const clean = text.trim();
      if (clean !== '') emit({ speaker: 'customer', text: clean, timestampMs: startMs, status: 'final', itemId });
    },
    customerFailed(itemId: string) {
      customers.delete(itemId);
    },
    aiStarted(itemId: string, responseId: string, startMs: number) {
      if (!find(itemId))
        ai.push({ itemId, responseId, startMs, playEndMs: startMs, sentMs: 0, text: '', hasText: false, heardMs: null });
    },
    aiAudio(itemId: string, playEndMs: number, sentMs: number) {
      const item = find(itemId);
      if (item) {
        item.playEndMs = playEndMs;
        item.sentMs = sentMs;
      }
    },
    aiTextDelta(itemId: string, delta: string) {
      const item = find(itemId);
      if (item && !item.hasText) item.text += delta;
    },
    aiTextDone(itemId: string, text: string) {
      const item = find(itemId);
      if (item) {
        // after a truncate OpenAI's transcript may be the full line: keep it, heardMs says how much played
        item.text = text;
        item.hasText = true;
      }
    },
    aiResponseDone(responseId: string) {
      for (const item of ai) if (item.responseId === responseId) item.hasText = true;
    },
    aiTruncated(itemId: string, heardMs: number) {
      const item = find(itemId);
      if (item) item.heardMs = heardMs;
    },
    /** Reports AI lines whose text is known and whose playout is over by audio time `inMs`. */
    settle(inMs: number) {
      for (let i = 0; i < ai.length; ) {
        const item = ai[i]!;
        if (item.hasText && (item.heardMs !== null || inMs >= item.playEndMs)) {
          ai.splice(i, 1);
          emitAi(item, null);
        } else i++;
      }
    },
    /** At the end of the call: every AI line with text; one still playing counts as truncated. */
    flush(inMs: number) {
      for (const item of ai.splice(0)) {
        const cut = item.heardMs === null && inMs < item.playEndMs;
        emitAi(item, cut ? Math.max(0, Math.min(inMs - item.startMs, item.sentMs)) : null);
      }
      customers.clear();
    },
    get pendingAi() {
      return ai.length;
    },
  };
}

export const EMPTY_USAGE: RealtimeUsage = {
  responses: 0,
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  inputAudioTokens: 0,
  inputTextTokens: 0,
  inputCachedTokens: 0,
  outputAudioTokens: 0,
  outputTextTokens: 0,
};

/** `sum` plus one response's usage (each response bills the whole conversation as input). */
export function addUsage(sum: RealtimeUsage, u: RealtimeResponseUsage | undefined): RealtimeUsage {
  return {
    responses: sum.responses + 1,
    inputTokens: sum.inputTokens + (u?.input_tokens ?? 0),
    outputTokens: sum.outputTokens + (u?.output_tokens ?? 0),
    totalTokens: sum.totalTokens + (u?.total_tokens ?? 0),
    inputAudioTokens: sum.inputAudioTokens + (u?.input_token_details?.audio_tokens ?? 0),
    inputTextTokens: sum.inputTextTokens + (u?.input_token_details?.text_tokens ?? 0),
    inputCachedTokens: sum.inputCachedTokens + (u?.input_token_details?.cached_tokens ?? 0),
    outputAudioTokens: sum.outputAudioTokens + (u?.output_token_details?.audio_tokens ?? 0),
    outputTextTokens: sum.outputTextTokens + (u?.output_token_details?.text_tokens ?? 0),
  };
}
