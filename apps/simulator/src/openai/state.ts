import { z } from 'zod';
import type { ResolvedOptions } from '../options';
import type { Scheduler } from '../shared/clock';
import { createRng, type Rng } from '../shared/prng';

export const OpenAiFaultsBody = z
  .object({
    /** Added latency per request (real ms, not scaled). */
    latencyMs: z.number().min(0),
    /** Share of requests answered 429 (with a small `retry-after-ms`). */
    rate429: z.number().min(0).max(1),
    /** Share of requests answered 500. */
    rate500: z.number().min(0).max(1),
    /** Answer the next n requests 429 / 500 (deterministic). */
    next429: z.number().int().min(0),
    next500: z.number().int().min(0),
    /** Share of chat completions whose content is not valid JSON or does not match the schema. */
    malformedRate: z.number().min(0).max(1),
    /** Share of chat completions refused (`message.refusal` set, content null). */
    refusalRate: z.number().min(0).max(1),
  })
  .partial()
  .strict();
export type OpenAiFaultsInput = z.input<typeof OpenAiFaultsBody>;
export type OpenAiFaults = Required<z.output<typeof OpenAiFaultsBody>>;

export interface EndpointStats {
  requests: number;
  errors: number;
  by_status: Record<string, number>;
}

export interface OpenAiContext {
  opts: ResolvedOptions;
  scheduler: Scheduler;
  rng: Rng;
  faults: OpenAiFaults;
  endpoints: Record<string, EndpointStats>;
  tokens: { prompt_tokens: number; completion_tokens: number; total_tokens: number; audio_input_tokens: number };
  injected: { latency: number; rate_limited: number; server_errors: number; malformed: number; refusals: number; hallucinations: number };
}

export const createOpenAiContext = (opts: ResolvedOptions, scheduler: Scheduler): OpenAiContext => ({
  opts,
  scheduler,
  rng: createRng(opts.seed ^ 0x5eed),
  faults: {
    latencyMs: 0,
    rate429: 0,
    rate500: 0,
    next429: 0,
    next500: 0,
    malformedRate: 0,
    refusalRate: 0,
  },
  endpoints: {},
  tokens: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, audio_input_tokens: 0 },
  injected: { latency: 0, rate_limited: 0, server_errors: 0, malformed: 0, refusals: 0, hallucinations: 0 },
});

export const openAiStats = (ctx: OpenAiContext) => ({
  endpoints: ctx.endpoints,
  requests: Object.values(ctx.endpoints).reduce((n, e) => n + e.requests, 0),
  usage: { ...ctx.tokens },
  faults_injected: { ...ctx.injected },
  faults: { ...ctx.faults },
});
