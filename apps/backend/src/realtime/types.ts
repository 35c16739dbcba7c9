/**
 * Shapes shared by the realtime bridge, its sockets and its wiring: the 46elks Realtime Voice messages
 * (JSON text frames, type in `t`), what a dialogue tool returns, and what the bridge reports (transcript
 * utterances, token usage, how the call ended). See /work/shared/REALTIME.md §1.3, §2.4, §3.
 */

/** `pcm_24000` on both legs: 16-bit LE mono PCM at 24 kHz, so 1 ms of audio is 48 bytes. */
export const ELKS_FORMAT = 'pcm_24000';
export const BYTES_PER_MS = 48;

export type ElksHello = { t: 'hello'; callid: string; from: string; to: string };
export type ElksInbound =
  | ElksHello
  | { t: 'audio'; data: string }
  | { t: 'sync' }
  | { t: 'bye'; reason?: 'done' | 'hangup' | 'error' | string; message?: string };
export type ElksOutbound =
  | { t: 'listening'; format: typeof ELKS_FORMAT }
  | { t: 'sending'; format: typeof ELKS_FORMAT }
  | { t: 'audio'; data: string }
  | { t: 'interrupt' }
  | { t: 'sync' }
  | { t: 'bye' };

/**
 * What a dialogue tool returns (conversation/realtime-dialogue.ts runs the tools); sent to the model as
 * the `function_call_output` (JSON). `say` is the next line, `expect` what the customer's next answer is
 * for; `end: true` makes the bridge end the call once that line has been played; `end_call` answers `{ ok }`.
 */
export type { DialogueToolOutput as ToolOutput } from '../conversation/realtime-dialogue';

/** One finished utterance for the transcript. `timestampMs` is audio time (caller audio since `hello`). */
export type Utterance = {
  speaker: 'customer' | 'ai';
  text: string;
  timestampMs: number;
  status: 'final' | 'truncated';
  /** AI only, when truncated: how much of it the customer heard. */
  heardMs?: number;
  itemId: string;
};

/** Token usage summed over every `response.done` of the call. */
export type RealtimeUsage = {
  responses: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  inputAudioTokens: number;
  inputTextTokens: number;
  inputCachedTokens: number;
  outputAudioTokens: number;
  outputTextTokens: number;
};

/**
 * Why the bridge ended. `completed` = the dialogue ended the call (end:true / end_call) and the
 * goodbye played; `cap` = the 2-minute hard stop; `hangup` = the customer hung up; `elks_bye` /
 * `elks_closed` = 46elks ended the leg otherwise. The `openai_*`, `tool_failed` and
 * `elks_backpressure` reasons are fallbacks: 46elks gets our `bye`, POSTs `next`, and the record loop
 * continues from Redis.
 */
export type BridgeEndReason =
  | 'completed'
  | 'cap'
  | 'hangup'
  | 'elks_bye'
  | 'elks_closed'
  | 'openai_error'
  | 'openai_timeout'
  | 'openai_closed'
  | 'tool_failed'
  | 'elks_backpressure'
  | 'shutdown';

export const FALLBACK_REASONS: ReadonlySet<BridgeEndReason> = new Set([
  'openai_error',
  'openai_timeout',
  'openai_closed',
  'tool_failed',
  'elks_backpressure',
  'shutdown',
]);

export type BridgeEndInfo = {
  reason: BridgeEndReason;
  /** True when the record loop should take over (46elks was sent `bye` so it POSTs `next`). */
  fallback: boolean;
  /** The dialogue's reason when it ended the call (tool output `reason` / end_call `reason`), else null. */
  dialogueReason: string | null;
  /** Talk time: caller audio received, ms. */
  talkMs: number;
  /** Wall time from bridge creation to end, ms (deps.now). */
  wallMs: number;
  usage: RealtimeUsage;
  bargeIns: number;
  backChannels: number;
};

/** The minimal logger the realtime module needs; a winston Logger (or child) satisfies it. */
export type RealtimeLog = {
  debug(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
};

/** setTimeout/clearTimeout, injectable for tests. */
export type Timers = {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Decoded byte length of a base64 string, without decoding it. */
export function base64Bytes(b64: string): number {
  const len = b64.length;
  if (len === 0) return 0;
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((len * 3) / 4) - pad;
}
