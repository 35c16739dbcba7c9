import type { Request, Response } from 'express';
import { z } from 'zod';
import { buildMp3 } from '../audio/mp3';
import { buildWav, pcmSamples } from '../audio/wav';
import { hashString } from '../shared/prng';
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

/** POST /v1/audio/speech: audio whose length follows the text, with the text embedded for the 46elks persona. */
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
  const durationSec = speechDurationSec(input, speed);
  const seed = hashString(input);
  const speech = { startSec: 0.1, endSec: Math.max(0.1, durationSec - 0.1) };
  if (format === 'wav') {
    res.type('audio/wav').send(buildWav({ sampleRate: SAMPLE_RATE, durationSec, text: input, speech, seed }));
  } else if (format === 'pcm') {
    res.type('audio/pcm').send(pcmSamples({ sampleRate: SAMPLE_RATE, durationSec, speech, seed }));
  } else if (format === 'mp3') {
    res.type('audio/mpeg').send(buildMp3(durationSec, input));
  } else {
    sendError(res, 400, `The simulator renders response_format mp3, wav or pcm, not '${format}'.`, 'invalid_request_error', 'response_format');
  }
};
