import type { RealtimeClientEvent, SessionUpdateEvent } from 'openai/resources/realtime/realtime';
import type {
  BridgeEndInfo,
  ElksOutbound,
  RealtimeLog,
  RealtimeUsage,
  Timers,
  ToolOutput,
  Utterance,
} from './types';

/** The ports of one bridge: everything it does to the world goes through these. */
export type BridgeDeps = {
  /** To 46elks (the socket adapter serialises it). */
  sendElks(msg: ElksOutbound): void;
  /** To OpenAI (the socket adapter serialises it). */
  sendOpenAI(event: RealtimeClientEvent): void;
  /** Runs one dialogue tool (Redis); called once per call_id. A rejection ends the call with fallback. */
  runTool(name: string, args: Record<string, unknown>, callId: string): Promise<ToolOutput>;
  onUtterance(u: Utterance): void;
  /** The call's usage so far, summed, after every response.done. */
  onUsage(usage: RealtimeUsage): void;
  /** Once, when the bridge has ended; the adapter then closes both sockets. */
  onEnd(info: BridgeEndInfo): void;
  /** Wall clock (ms), for durations in logs and BridgeEndInfo.wallMs only: call logic runs on audio time. */
  now(): number;
  timers?: Timers;
  log: RealtimeLog;
};

export type BridgeOptions = {
  /** Sent on `session.created` (buildSessionUpdate). */
  session: SessionUpdateEvent;
  /** Spoken first, `Säg exakt: "<greeting>"`. */
  greeting: string;
  /** Spoken when the 2-minute cap forces the end (forceCloseAtMs). */
  closing: string;
  /** System message added at wrapUpAtMs so the model starts wrapping up; null = none. */
  wrapUpCue?: string | null;
  /** Caller audio time before the greeting (room for the callee's "Hallå?"). Default 1000 ms. */
  greetingDelayMs?: number;
  /** Customer speech over AI audio longer than this is a barge-in, shorter a back-channel. Default 700 ms. */
  bargeInMs?: number;
  /** Audio-time cap, ms: the cue (default 90 s), the forced closing (115 s), `bye` (120 s). */
  wrapUpAtMs?: number;
  forceCloseAtMs?: number;
  hardStopAtMs?: number;
  /** Wall time for OpenAI's `session.updated` before falling back. Default 10 s. */
  readyTimeoutMs?: number;
  /** Wall time to wait for 46elks' `bye` after ours. Default 5 s. */
  byeWaitMs?: number;
  /** Caller frames held until OpenAI is ready (oldest dropped beyond). Default 200. */
  maxHeldFrames?: number;
  /** Wall time for one runTool call; past it the call falls back. Default 8 s. */
  toolTimeoutMs?: number;
};

export const BRIDGE_DEFAULTS = {
  wrapUpCue:
    'Samtalet närmar sig sin tidsgräns. Ställ inga nya frågor: tacka kunden och avsluta vänligt efter nästa svar.',
  greetingDelayMs: 1_000,
  bargeInMs: 700,
  wrapUpAtMs: 90_000,
  forceCloseAtMs: 115_000,
  hardStopAtMs: 120_000,
  readyTimeoutMs: 10_000,
  byeWaitMs: 5_000,
  maxHeldFrames: 200,
  toolTimeoutMs: 8_000,
} as const;

export type ResolvedBridgeOptions = Required<BridgeOptions>;

export function resolveBridgeOptions(opts: BridgeOptions): ResolvedBridgeOptions {
  const o: ResolvedBridgeOptions = {
    session: opts.session,
    greeting: opts.greeting,
    closing: opts.closing,
    wrapUpCue: opts.wrapUpCue === undefined ? BRIDGE_DEFAULTS.wrapUpCue : opts.wrapUpCue,
    greetingDelayMs: opts.greetingDelayMs ?? BRIDGE_DEFAULTS.greetingDelayMs,
    bargeInMs: opts.bargeInMs ?? BRIDGE_DEFAULTS.bargeInMs,
    wrapUpAtMs: opts.wrapUpAtMs ?? BRIDGE_DEFAULTS.wrapUpAtMs,
    forceCloseAtMs: opts.forceCloseAtMs ?? BRIDGE_DEFAULTS.forceCloseAtMs,
    hardStopAtMs: opts.hardStopAtMs ?? BRIDGE_DEFAULTS.hardStopAtMs,
    readyTimeoutMs: opts.readyTimeoutMs ?? BRIDGE_DEFAULTS.readyTimeoutMs,
    byeWaitMs: opts.byeWaitMs ?? BRIDGE_DEFAULTS.byeWaitMs,
    maxHeldFrames: opts.maxHeldFrames ?? BRIDGE_DEFAULTS.maxHeldFrames,
    toolTimeoutMs: opts.toolTimeoutMs ?? BRIDGE_DEFAULTS.toolTimeoutMs,
  };
  if (!(o.wrapUpAtMs <= o.forceCloseAtMs && o.forceCloseAtMs <= o.hardStopAtMs))
    throw new Error('realtime bridge: expected wrapUpAtMs ≤ forceCloseAtMs ≤ hardStopAtMs');
  return o;
}
