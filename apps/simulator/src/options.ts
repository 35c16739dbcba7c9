import { z } from 'zod';

/** Options of `startSimulators`; every field is optional. */
export const SimulatorOptionsSchema = z.object({
  /** Multiplies every simulated wait (1 = real time, 0.05 = 20x faster). Reported durations stay unscaled. */
  timeScale: z.number().positive().max(1000).default(1),
  elksPort: z.number().int().min(0).max(65535).default(0),
  openaiPort: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** Basic-auth credentials the 46elks side accepts. */
  elksUsername: z.string().min(1).default('u_sim'),
  elksPassword: z.string().min(1).default('p_sim'),
  /** When set, the OpenAI side requires `Authorization: Bearer <key>`; otherwise any key is accepted. */
  openaiApiKey: z.string().min(1).optional(),
  /** Seed of every random choice (personas' lines, timings, orderings, faults). */
  seed: z.number().int().optional(),
  /** Order of the recording webhook vs the `next` POST after a `record`. */
  recordingOrder: z.enum(['random', 'before_next', 'after_next']).default('random'),
  /** Share of calls whose hangup webhook is delivered twice. */
  duplicateHangupRate: z.number().min(0).max(1).default(0.2),
  /** Retries of recording and hangup webhooks after a non-2xx/network error; baseDelayMs is simulated (scaled). */
  webhookRetry: z
    .object({
      attempts: z.number().int().min(1).max(50).default(4),
      baseDelayMs: z.number().min(0).default(2000),
    })
    .prefault({}),
  /** Real milliseconds before a webhook request counts as failed. */
  webhookTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * What a `play` that cannot be played does. `next_failed` (default): what 46elks documents — `next` is
   * POSTed "regardless of whether the action was successful or not", with `result=failed`; without a
   * `next` the call ends. `end_call`: the call ends at once with state `failed` (a stricter variant).
   */
  playFailure: z.enum(['end_call', 'next_failed']).default('next_failed'),
  /** OpenAI Realtime endpoint (`/v1/realtime`): simulated ms before a response's first audio or tool call (scaled). */
  realtime: z.object({ firstAudioMs: z.number().min(0).default(300) }).prefault({}),
  /** When set, the OpenAI simulator also listens with TLS (PEM key and certificate) on `openaiTlsPort`: `openaiTlsUrl`. */
  openaiTls: z.object({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
  openaiTlsPort: z.number().int().min(0).max(65535).default(0),
  /** Print one line per call event to the console. */
  log: z.boolean().default(false),
});

export type SimulatorOptions = z.input<typeof SimulatorOptionsSchema>;
export type ResolvedOptions = z.output<typeof SimulatorOptionsSchema> & { seed: number };

export const resolveOptions = (input: SimulatorOptions = {}): ResolvedOptions => {
  const parsed = SimulatorOptionsSchema.parse(input);
  return { ...parsed, seed: parsed.seed ?? Math.floor(Math.random() * 2 ** 31) };
};
