import { toFile } from 'openai';
import type { Deps } from '../deps';

/**
 * Speech-to-text of one recorded answer. No language is forced: the model detects it, and the
 * conversation ends politely when an answer is not Swedish.
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
    response_format: 'json',
  });
  return { text: result.text.trim(), ms: Math.round(performance.now() - started) };
}
