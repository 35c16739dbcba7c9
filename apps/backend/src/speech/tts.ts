import { createHash } from 'node:crypto';
import type { Deps } from '../deps';
import { upstream } from '../http/errors';
import { decodeWav, encodeWav, PROMPT_SAMPLE_RATE, resample } from './audio';

/**
 * Text-to-speech of the Swedish prompts, rendered before a call is placed and cached in Redis by
 * content hash. The hash is the file name (`/audio/<hash>.wav`), so every distinct utterance has
 * its own URL — 46elks caches every URL it plays.
 *
 * OpenAI streams WAV as 24 kHz PCM whose RIFF and data sizes are placeholders (0xFFFFFFFF); a strict
 * decoder refuses that, and 46elks documents only "WAV, MP3 and OGG Vorbis". So the samples are
 * resampled to 8 kHz (the phone line's rate) and served as a canonical WAV whose sizes match it.
 */

export type RenderedAudio = { hash: string; ext: 'wav'; durationMs: number };
type Ctx = Pick<Deps, 'config' | 'redis' | 'key' | 'openai' | 'log'>;

/** What is served: part of the hash, so a format change never serves audio cached in an older one. */
const PROMPT_FORMAT = `wav-pcm16-${PROMPT_SAMPLE_RATE}`;

/** Cached prompts outlive any call by far; a render before each dial refreshes the TTL. */
const AUDIO_TTL_SECONDS = 14 * 24 * 3600;
const inflight = new Map<string, Promise<RenderedAudio>>();

export function audioHash(config: Deps['config'], text: string): string {
  return createHash('sha256')
    .update(`${config.OPENAI_TTS_MODEL}\n${config.OPENAI_TTS_VOICE}\n${PROMPT_FORMAT}\n${text}`)
    .digest('hex')
    .slice(0, 32);
}

export const audioKey = (ctx: Pick<Deps, 'key'>, hash: string) => ctx.key('audio', hash);

export async function renderSpeech(ctx: Ctx, text: string): Promise<RenderedAudio> {
  const hash = audioHash(ctx.config, text);
  const key = audioKey(ctx, hash);
  const cachedMs = await ctx.redis.hget(key, 'ms');
  if (cachedMs !== null) {
    await ctx.redis.expire(key, AUDIO_TTL_SECONDS);
    return { hash, ext: 'wav', durationMs: Number(cachedMs) };
  }
  // Many calls of one store dial at once: render each text once per process.
  const pending = inflight.get(key);
  if (pending) return pending;
  const job = synthesize(ctx, text, hash, key).finally(() => inflight.delete(key));
  inflight.set(key, job);
  return job;
}

async function synthesize(ctx: Ctx, text: string, hash: string, key: string): Promise<RenderedAudio> {
  const started = performance.now();
  const speech = await ctx.openai.audio.speech.create({
    model: ctx.config.OPENAI_TTS_MODEL,
    voice: ctx.config.OPENAI_TTS_VOICE,
    input: text,
    response_format: 'wav',
    ...(ctx.config.OPENAI_TTS_MODEL.startsWith('gpt-') ? { instructions: 'Tala lugnt och vänligt på svenska.' } : {}),
  });
  const streamed = decodeWav(Buffer.from(await speech.arrayBuffer()));
  if (!streamed || streamed.samples.length === 0) throw upstream('openai', 'text-to-speech did not return WAV audio');
  const pcm = resample(streamed, PROMPT_SAMPLE_RATE);
  const audio = encodeWav(pcm);
  const durationMs = Math.round((pcm.samples.length / pcm.sampleRate) * 1000);
  await ctx.redis
    .multi()
    .hset(key, { data: audio, ms: String(durationMs), ct: 'audio/wav' })
    .expire(key, AUDIO_TTL_SECONDS)
    .exec();
  ctx.log.info('prompt rendered', { hash, duration_ms: durationMs, render_ms: Math.round(performance.now() - started) });
  return { hash, ext: 'wav', durationMs };
}

/**
 * Prompts served from this process's memory: a prompt is immutable (its name is its content hash) and
 * every call of a store plays the same few, so 46elks' GETs would otherwise pull the same ~50–200 kB
 * out of Redis for every play of every call. Least recently used first out, bounded in bytes.
 */
const MEMORY_BUDGET_BYTES = 24 * 1024 * 1024;
const memory = new Map<string, { data: Buffer; ct: string }>();
let memoryBytes = 0;

function remember(hash: string, audio: { data: Buffer; ct: string }): void {
  if (audio.data.length > MEMORY_BUDGET_BYTES / 4 || memory.has(hash)) return;
  memory.set(hash, audio);
  memoryBytes += audio.data.length;
  for (const [old, a] of memory) {
    if (memoryBytes <= MEMORY_BUDGET_BYTES) break;
    memory.delete(old);
    memoryBytes -= a.data.length;
  }
}

/** The bytes behind `/audio/<hash>.wav`, or null. */
export async function loadAudio(ctx: Pick<Deps, 'redis' | 'key'>, hash: string): Promise<{ data: Buffer; ct: string } | null> {
  const hit = memory.get(hash);
  if (hit) {
    memory.delete(hash); // most recently used last
    memory.set(hash, hit);
    return hit;
  }
  const [data, ct] = await ctx.redis.hmgetBuffer(audioKey(ctx, hash), 'data', 'ct');
  if (!data || !ct) return null;
  const audio = { data, ct: ct.toString() };
  remember(hash, audio);
  return audio;
}
