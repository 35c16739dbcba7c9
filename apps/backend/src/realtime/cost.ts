import type { RealtimeUsage } from '../conversation/state';

/**
 * OpenAI Realtime list prices, USD per 1M tokens (developers.openai.com model pages, as quoted in
 * REALTIME.md §5; text prices from the same pages). A model not listed is priced as the full model:
 * the estimate errs high, never low.
 */
export const REALTIME_PRICE_PER_MTOK: Record<string, { audioIn: number; cachedIn: number; audioOut: number; textIn: number; textOut: number }> = {
  'gpt-realtime-2.1': { audioIn: 32, cachedIn: 0.4, audioOut: 64, textIn: 4, textOut: 16 },
  'gpt-realtime-2.1-mini': { audioIn: 10, cachedIn: 0.3, audioOut: 20, textIn: 0.6, textOut: 2.4 },
};

/** The estimated cost of one call's usage in SEK (4 decimals). */
export function realtimeCostSek(model: string, u: RealtimeUsage, usdToSek: number): number {
  const p = REALTIME_PRICE_PER_MTOK[model] ?? REALTIME_PRICE_PER_MTOK['gpt-realtime-2.1']!;
  const cached = Math.min(u.inputCachedTokens, u.inputAudioTokens + u.inputTextTokens);
  const usd =
    (u.inputAudioTokens * p.audioIn +
      u.inputTextTokens * p.textIn -
      cached * (p.audioIn - p.cachedIn) * (u.inputAudioTokens / Math.max(1, u.inputAudioTokens + u.inputTextTokens)) -
      cached * (p.textIn - p.cachedIn) * (u.inputTextTokens / Math.max(1, u.inputAudioTokens + u.inputTextTokens)) +
      u.outputAudioTokens * p.audioOut +
      u.outputTextTokens * p.textOut) /
    1e6;
  return Math.round(Math.max(0, usd) * usdToSek * 10_000) / 10_000;
}
