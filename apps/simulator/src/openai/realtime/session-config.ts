import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import type { Rng } from '../../shared/prng';
import type { SessionInput } from './schemas';
import type { VadConfig } from './vad';

/** The session as the server reports it (`session.created` / `session.updated`): the GA shape plus id/object. */
export type SessionView = RealtimeSessionCreateRequest & { id: string; object: 'realtime.session'; expires_at: number };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** OpenAI-style ids (`item_…`, `resp_…`, `call_…`), reproducible from the session's PRNG. */
export const makeId = (rng: Rng, prefix: string, length = 21): string => {
  let out = `${prefix}_`;
  for (let i = 0; i < length; i++) out += ALPHABET[rng.int(0, ALPHABET.length - 1)];
  return out;
};

export const defaultSession = (id: string, model: string): SessionView => ({
  type: 'realtime',
  object: 'realtime.session',
  id,
  model,
  output_modalities: ['audio'],
  instructions:
    "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human and that you can't do human things in the real world.",
  tools: [],
  tool_choice: 'auto',
  max_output_tokens: 'inf',
  tracing: null,
  truncation: 'auto',
  prompt: null,
  expires_at: Math.floor(Date.now() / 1000) + 3600,
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      turn_detection: {
        type: 'server_vad',
        threshold: 0.5,
        prefix_padding_ms: 300,
        silence_duration_ms: 200,
        idle_timeout_ms: null,
        create_response: true,
        interrupt_response: true,
      },
    },
    output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
  },
});

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Deep merge of a partial update into the session (arrays and nulls replace; a new turn_detection replaces the old). */
const merge = (base: Record<string, unknown>, patch: Record<string, unknown>, replace: ReadonlySet<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const cur = out[k];
    out[k] = isPlainObject(v) && isPlainObject(cur) && !replace.has(k) ? merge(cur, v, replace) : v;
  }
  return out;
};

export const applySessionUpdate = (session: SessionView, update: SessionInput): SessionView => {
  const next = merge(session as unknown as Record<string, unknown>, update as unknown as Record<string, unknown>, new Set(['turn_detection', 'format', 'parameters'])) as unknown as SessionView;
  const td = next.audio?.input?.turn_detection;
  if (td?.type === 'server_vad') {
    next.audio = {
      ...next.audio,
      input: {
        ...next.audio?.input,
        turn_detection: {
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 200,
          idle_timeout_ms: null,
          create_response: true,
          interrupt_response: true,
          ...td,
        },
      },
    };
  } else if (td?.type === 'semantic_vad') {
    next.audio = {
      ...next.audio,
      input: { ...next.audio?.input, turn_detection: { eagerness: 'auto', create_response: true, interrupt_response: true, ...td } },
    };
  }
  return next;
};

export interface TurnPolicy {
  vad: VadConfig | null;
  createResponse: boolean;
  interruptResponse: boolean;
}

/** semantic_vad is treated as server_vad with threshold 0.5, 500 ms of silence and 300 ms of prefix. */
export const turnPolicy = (session: SessionView): TurnPolicy => {
  const td = session.audio?.input?.turn_detection;
  if (!td) return { vad: null, createResponse: false, interruptResponse: false };
  const createResponse = td.create_response ?? true;
  const interruptResponse = td.interrupt_response ?? true;
  if (td.type === 'semantic_vad') return { vad: { threshold: 0.5, silenceDurationMs: 500, prefixPaddingMs: 300 }, createResponse, interruptResponse };
  return {
    vad: { threshold: td.threshold ?? 0.5, silenceDurationMs: td.silence_duration_ms ?? 200, prefixPaddingMs: td.prefix_padding_ms ?? 300 },
    createResponse,
    interruptResponse,
  };
};
