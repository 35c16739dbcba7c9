import type { Request, Response } from 'express';
import { z } from 'zod';
import { buildMp3, mp3KbpsForModel } from '../audio/mp3';
import { encodeVoice, voiceDurationSec } from '../audio/voice';
import { streamedWavHeader } from '../audio/wav';
import { sendError } from './errors';
import type { OpenAiContext } from './state';

/** Speaking rate of the simulated voice at speed 1. */
export const TTS_CHARS_PER_SECOND = 14;
const SAMPLE_RATE = 24_000; // OpenAI TTS wav/pcm output rate

const SpeechRequest = z.looseObject({
  model: z.string().min(1),
  input: z.string(),
  voice: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]),
  response_format: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).optional(),
  speed: z.number().min(0.25).max(4).optional(),
  instructions: z.string().optional(),
});

export const speechDurationSec = (input: string, speed = 1): number => Math.max(0.3, input.length / TTS_CHARS_PER_SECOND / speed);

/** Little-endian bytes of the samples, as OpenAI's `pcm` and the body of its `wav`. */
const pcmBytes = (samples: Int16Array): Buffer => {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
};

/** Streams the body in a few chunks (Transfer-Encoding: chunked, no Content-Length), as OpenAI does. */
const stream = (res: Response, type: string, parts: Buffer[]): void => {
  res.status(200).type(type);
  const body = Buffer.concat(parts);
  const chunks = 4;
  const size = Math.max(1, Math.ceil(body.length / chunks));
  for (let at = 0; at < body.length; at += size) res.write(body.subarray(at, at + size));
  res.end();
};

/**
 * POST /v1/audio/speech: audio in OpenAI's exact formats whose length follows the text. The words
 * travel in the sound itself (the simulated voice in wav/pcm samples, MP3 ancillary data), so only a
 * listener that gets the audio intact (or resampled, or with gain) hears them.
 */
export const speechRoute = (_ctx: OpenAiContext) => (req: Request, res: Response) => {
  const parsed = SpeechRequest.safeParse(req.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || null;
    return sendError(res, 400, `Invalid value for '${param ?? 'body'}': ${issue?.message ?? 'invalid request'}`, 'invalid_request_error', param);
  }
  const { model, input, speed, response_format: format = 'mp3' } = parsed.data;
  if (!/tts/.test(model)) {
    return sendError(res, 400, `Invalid model '${model}' for audio/speech. Use a text-to-speech model such as gpt-4o-mini-tts or tts-1.`, 'invalid_request_error', 'model');
  }
  if (input.length === 0) {
    return sendError(res, 400, "Invalid 'input': string too short. Expected a string with minimum length 1, but got an empty string instead.", 'invalid_request_error', 'input', 'string_below_min_length');
  }
  if (input.length > 4096) {
    return sendError(res, 400, `Invalid 'input': string too long. Expected a string with maximum length 4096, but got a string with length ${input.length} instead.`, 'invalid_request_error', 'input', 'string_above_max_length');
  }
  if (format !== 'wav' && format !== 'pcm' && format !== 'mp3') {
    return sendError(res, 400, `The simulator renders response_format mp3, wav or pcm, not '${format}'.`, 'invalid_request_error', 'response_format');
  }
  const durationSec = speechDurationSec(input, speed);
  if (format === 'mp3') return stream(res, 'audio/mpeg', [buildMp3(durationSec, input, mp3KbpsForModel(model))]);
  const samples = pcmBytes(encodeVoice(input, SAMPLE_RATE, Math.max(durationSec, voiceDurationSec(input))));
  if (format === 'wav') stream(res, 'audio/wav', [streamedWavHeader(SAMPLE_RATE), samples]);
  else stream(res, 'audio/pcm', [samples]);
};
