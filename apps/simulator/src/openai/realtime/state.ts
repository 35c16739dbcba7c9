import { z } from 'zod';
import type { OpenAiContext } from '../state';

/** Fault knobs of the realtime endpoint (`POST /sim/realtime/faults`, `openai.realtime.setFaults`). */
export const RealtimeFaultsBody = z
  .object({
    /** The next n upgrades to `/v1/realtime` are answered HTTP 503 (no WebSocket). */
    refuseConnect: z.number().int().min(0),
    /** Sessions opened while set are closed (code 1011) once this many ms of input audio have arrived; null = off. */
    closeAfterMs: z.number().min(0).nullable(),
    /** Extra simulated ms (scaled by timeScale) before the first audio or tool call of every response. */
    firstAudioDelayMs: z.number().min(0),
    /** The next n `session.update`s are answered with an `error` event instead of `session.updated`. */
    sessionUpdateError: z.number().int().min(0),
  })
  .partial()
  .strict();
export type RealtimeFaultsInput = z.input<typeof RealtimeFaultsBody>;
export type RealtimeFaults = Required<z.output<typeof RealtimeFaultsBody>>;

export interface RealtimeCounters {
  refused: number;
  sessions_opened: number;
  active: number;
  events_in: number;
  events_out: number;
  errors_sent: number;
  responses: number;
  tool_calls: number;
  cancelled_responses: number;
  truncations: number;
  stale_deltas: number;
  closed_by_fault: number;
  audio_in_ms: number;
  audio_out_ms: number;
}

export interface RealtimeContext {
  openai: OpenAiContext;
  faults: RealtimeFaults;
  counters: RealtimeCounters;
  /** Sessions opened so far (seeds each session's ids deterministically). */
  serial: number;
}

export const defaultRealtimeFaults = (): RealtimeFaults => ({
  refuseConnect: 0,
  closeAfterMs: null,
  firstAudioDelayMs: 0,
  sessionUpdateError: 0,
});

export const createRealtimeContext = (openai: OpenAiContext): RealtimeContext => ({
  openai,
  faults: defaultRealtimeFaults(),
  counters: {
    refused: 0,
    sessions_opened: 0,
    active: 0,
    events_in: 0,
    events_out: 0,
    errors_sent: 0,
    responses: 0,
    tool_calls: 0,
    cancelled_responses: 0,
    truncations: 0,
    stale_deltas: 0,
    closed_by_fault: 0,
    audio_in_ms: 0,
    audio_out_ms: 0,
  },
  serial: 0,
});

export type RealtimeStats = RealtimeCounters & { faults: RealtimeFaults };

export const realtimeStats = (ctx: RealtimeContext): RealtimeStats => ({ ...ctx.counters, faults: { ...ctx.faults } });
