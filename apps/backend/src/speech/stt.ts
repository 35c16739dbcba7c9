import { toFile } from 'openai';
import type { Deps } from '../deps';

/**
 * Speech-to-text of one recorded answer, in Swedish (`language: "sv"`: the model need not guess from a
 * few words of phone audio). An answer in another language still comes back in it as far as the
 * models go (verified offline only; the README's live-probe list has the check), and the conversation
 * ends politely when it is not Swedish.
 */
export async function transcribe(
  ctx: Pick<Deps, 'config' | 'openai'>,
  wav: Buffer,
  name: string,
): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const result = await ctx.openai.audio.transcriptions.create({
    file: await toFile(wav, name, { type: 'audio/wav' }),
    model: ctx.config.OPENAI_STT_MODEL,
    language: 'sv',
    response_format: 'json',
  });
  return { text: result.text.trim(), ms: Math.round(performance.now() - started) };
}
