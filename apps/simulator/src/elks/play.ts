import { performance } from 'node:perf_hooks';
import { inspectPlayable } from '../audio/sniff';
import { StoppedError } from '../shared/clock';
import type { AudioInfo, ElksContext, RecordingRecord } from './state';

export type PlayAudio =
  | { ok: true; info: AudioInfo; cached: boolean; latencyMs: number }
  | { ok: false; error: string; latencyMs: number };

const CACHE_LIMIT = 5000;

const fetchAudio = async (ctx: ElksContext, rawUrl: string): Promise<AudioInfo> => {
  const url = new URL(rawUrl);
  const headers: Record<string, string> = { 'user-agent': '46elks-simulator/1.0' };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const signal = AbortSignal.any([ctx.scheduler.signal, AbortSignal.timeout(ctx.opts.webhookTimeoutMs)]);
  const res = await fetch(url, { headers, signal });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${rawUrl} answered HTTP ${res.status}`);
  const playable = inspectPlayable(body);
  if (!playable.ok) {
    const type = res.headers.get('content-type') ?? 'no content-type';
    throw new Error(`GET ${rawUrl} cannot be played: ${playable.error} (${type}, ${body.length} bytes)`);
  }
  // The callee hears what the sound carries (the simulated voice in the samples), never metadata.
  const { format, durationSec, text } = playable.audio;
  return { format, durationSec, text };
};

/**
 * Resolves what a `play` value sounds like: built-in sounds, a `local/` recording, 46elks' English TTS
 * (`en_US/…`), or a URL fetched with GET. Successful URLs are cached, as 46elks caches played URLs.
 */
export const loadPlayAudio = async (
  ctx: ElksContext,
  value: string,
  locals: Map<string, RecordingRecord>,
): Promise<PlayAudio> => {
  if (value === 'sound/beep') return { ok: true, info: { format: 'builtin', durationSec: 0.5, text: null }, cached: true, latencyMs: 0 };
  const dtmf = /^sound\/dtmf\/([0-9*#pP]*)$/.exec(value);
  if (dtmf) {
    const sec = [...(dtmf[1] ?? '')].reduce((s, c) => s + (c === 'p' ? 0.05 : c === 'P' ? 0.5 : 0.15), 0);
    return { ok: true, info: { format: 'builtin', durationSec: sec, text: null }, cached: true, latencyMs: 0 };
  }
  const tts = /^[a-z]{2}_[A-Z]{2}\/(.+)$/s.exec(value);
  if (tts?.[1]) {
    return { ok: true, info: { format: 'tts', durationSec: tts[1].length / 14, text: tts[1] }, cached: true, latencyMs: 0 };
  }
  if (value.startsWith('local/')) {
    const rec = locals.get(value.slice('local/'.length));
    if (!rec) return { ok: false, error: `no local recording named ${value}`, latencyMs: 0 };
    return { ok: true, info: { format: 'wav', durationSec: rec.exactSec, text: null }, cached: true, latencyMs: 0 };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: `play value is neither a URL nor a built-in sound: ${value}`, latencyMs: 0 };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `unsupported play URL scheme ${url.protocol}`, latencyMs: 0 };
  }
  const started = performance.now();
  const hit = ctx.audioCache.get(value);
  if (hit) ctx.audioStats.cacheHits++;
  else ctx.audioStats.fetches++;
  const pending = hit ?? fetchAudio(ctx, value);
  if (!hit) {
    ctx.audioCache.set(value, pending);
    if (ctx.audioCache.size > CACHE_LIMIT) {
      const oldest = ctx.audioCache.keys().next().value;
      if (oldest !== undefined) ctx.audioCache.delete(oldest);
    }
  }
  try {
    const info = await pending;
    const latencyMs = performance.now() - started;
    if (!hit) ctx.audioStats.latency.add(latencyMs);
    return { ok: true, info, cached: Boolean(hit), latencyMs };
  } catch (err) {
    if (ctx.scheduler.stopped()) throw new StoppedError();
    if (ctx.audioCache.get(value) === pending) ctx.audioCache.delete(value); // failures are not cached
    if (!hit) ctx.audioStats.failures++;
    const error = (err as Error).name === 'TimeoutError' ? `GET ${value} timed out` : (err as Error).message;
    return { ok: false, error, latencyMs: performance.now() - started };
  }
};
