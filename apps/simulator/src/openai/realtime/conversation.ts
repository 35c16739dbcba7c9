import type { ConversationItem, RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import type { BrainItem } from './brain';

/** One conversation item: what the client sees (`item`), what the brain sees, and what counts for usage. */
export interface ConvItem {
  id: string;
  item: ConversationItem;
  brain: BrainItem | null;
  /** ms of audio the item holds (user input, or assistant audio sent so far). */
  audioMs: number;
  /** ms of assistant audio the client said it played (after a truncate), else audioMs. */
  audioEndMs?: number;
  role: 'user' | 'assistant' | 'system' | 'tool';
  /** Text that counts as tokens (transcripts, arguments, outputs, typed text). */
  text: string;
}

const tokens = (chars: number): number => Math.ceil(chars / 4);

/**
 * Token usage of one response: input = the whole conversation (1 audio token per 100 ms of user audio,
 * ceil(chars/4) text tokens of instructions + texts), output = 1 audio token per 50 ms produced +
 * ceil(chars/4) of the transcript or arguments. Prompts of 1024+ tokens reuse the previous response's
 * input as cache, in 128-token steps, as OpenAI's prompt caching does.
 */
export const computeUsage = (
  items: readonly ConvItem[],
  instructions: string,
  output: { audioMs: number; text: string },
  previousInput: number,
): RealtimeResponseUsage => {
  const userAudioMs = items.filter((i) => i.role === 'user').reduce((n, i) => n + i.audioMs, 0);
  const inAudio = Math.floor(userAudioMs / 100);
  const inText = tokens(instructions.length + items.reduce((n, i) => n + i.text.length, 0));
  const input = inAudio + inText;
  const cached = previousInput >= 1024 ? Math.min(input, Math.floor(previousInput / 128) * 128) : 0;
  const outAudio = Math.ceil(output.audioMs / 50);
  const outText = tokens(output.text.length);
  return {
    total_tokens: input + outAudio + outText,
    input_tokens: input,
    output_tokens: outAudio + outText,
    input_token_details: {
      text_tokens: inText,
      audio_tokens: inAudio,
      image_tokens: 0,
      cached_tokens: cached,
      cached_tokens_details: { text_tokens: Math.min(cached, inText), audio_tokens: Math.max(0, cached - inText), image_tokens: 0 },
    },
    output_token_details: { text_tokens: outText, audio_tokens: outAudio },
  };
};
