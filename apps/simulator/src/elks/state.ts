import type { ResolvedOptions } from '../options';
import type { Scheduler } from '../shared/clock';
import { createLatencyStats, type LatencyStats } from '../shared/stats';
import type { PersonaOptions } from './personas/realtime';
import type { PersonaName } from './personas/types';
import type { RealtimeRecord, WebsocketNumber } from './realtime/types';

export type CallState = 'ongoing' | 'success' | 'busy' | 'failed';
export type WebhookKind = 'voice_start' | 'next' | 'recording' | 'hangup';
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['voice_start', 'next', 'recording', 'hangup'];

export interface WebhookAttempt {
  kind: WebhookKind;
  url: string;
  attempt: number;
  at: string;
  fields: Record<string, string>;
  /** HTTP status, or null when the request failed (network error, timeout). */
  status: number | null;
  latencyMs: number;
  error?: string;
}

export interface PlayedPrompt {
  url: string;
  at: string;
  ok: boolean;
  format?: string;
  durationSec: number;
  /** Text the persona heard (embedded in the audio), null when the audio carried none. */
  heard: string | null;
  cached?: boolean;
  error?: string;
}

export interface SaidUtterance {
  text: string;
  lang: string;
  /** Simulated seconds since the call was answered. */
  atSec: number;
  speechSec: number;
  recordingId: string | null;
}

export interface RecordingRecord {
  id: string;
  callId: string;
  /** Where it was delivered (`record` URL or `local/<name>`). */
  target: string;
  wav: string;
  text: string;
  /** The integer seconds reported to the backend. */
  duration: number;
  exactSec: number;
  speech: { startSec: number; endSec: number } | null;
  created: string;
  downloads: number;
  delivered: boolean;
}

export interface CallRecord {
  id: string;
  direction: 'outgoing';
  from: string;
  to: string;
  created: string;
  timeout: number;
  voiceStart: string;
  whenhangup: string | null;
  persona: PersonaName;
  state: CallState;
  answered: boolean;
  start?: string;
  ended?: string;
  duration?: number;
  cost?: number;
  endReason?: string;
  /** 46elks' `actions`: what ran, with results. */
  actions: Array<Record<string, unknown>>;
  played: PlayedPrompt[];
  said: SaidUtterance[];
  recordings: string[];
  webhooks: WebhookAttempt[];
  warnings: string[];
  hangupDeliveries: number;
  /** Ended, and every hangup/recording delivery (with retries and duplicates) is done. */
  settled: boolean;
  /** The WebSocket leg, when a `connect` reached a registered WebSocket number. */
  realtime?: RealtimeRecord;
}

export interface ElksFaults {
  /** Answer the next n POST /a1/calls with 503 text; no call is created. */
  createCall5xx: number;
  /** Answer the next n POST /a1/calls with 400 text (the request is refused as malformed); no call is created. */
  createCall4xx: number;
  /** Answer the next n POST /a1/calls 200 with `state: "failed"` (the call could not be started). */
  createCallFailed: number;
  /**
   * The next n POST /a1/calls create the call — it rings as usual — but the answer is lost: a 503
   * (a proxy or the API failing after the insert) or a connection reset before any byte of the answer.
   * 46elks has no idempotency key, so a client that re-sends the create rings the phone again.
   */
  createCallLost503: number;
  createCallLostReset: number;
  /** Answer the next n GET /a1/calls (the call history) with 503 text. */
  callHistory5xx: number;
  /** The next n `play` actions fail (as when 46elks cannot fetch or decode the file): `next` gets result=failed. */
  playFailures: number;
  /** The next n `record` actions fail without a recording: `next` gets result=failed. */
  recordFailures: number;
}

/** The account: 46elks refuses every chargeable request once the balance reaches 0 (its FAQ). */
export interface ElksAccount {
  /** In 1/10 000 of the currency, like `cost` (inferred: GET /a1/me documents no unit). */
  balance: number;
  currency: string;
}

export interface AudioInfo {
  format: string;
  durationSec: number;
  text: string | null;
}

export interface ElksContext {
  opts: ResolvedOptions;
  scheduler: Scheduler;
  /** `http://host:port/a1`, known once listening. */
  baseUrl: string;
  calls: Map<string, CallRecord>;
  recordings: Map<string, RecordingRecord>;
  personas: Map<string, PersonaName>;
  /** Per-phone persona options (back-channels), set with the persona. */
  personaOptions: Map<string, Partial<PersonaOptions>>;
  /** 46elks WebSocket numbers: a `connect` to one opens a realtime WebSocket to its URL. */
  websocketNumbers: Map<string, WebsocketNumber>;
  faults: ElksFaults;
  account: ElksAccount;
  callCount: number;
  webhookStats: Record<WebhookKind, LatencyStats>;
  audioStats: { latency: LatencyStats; fetches: number; cacheHits: number; failures: number };
  audioCache: Map<string, Promise<AudioInfo>>;
  settleListeners: Set<(call: CallRecord) => void>;
  log: (line: string) => void;
}

export const createElksContext = (opts: ResolvedOptions, scheduler: Scheduler): ElksContext => ({
  opts,
  scheduler,
  baseUrl: '',
  calls: new Map(),
  recordings: new Map(),
  personas: new Map(),
  personaOptions: new Map(),
  websocketNumbers: new Map(),
  faults: {
    createCall5xx: 0,
    createCall4xx: 0,
    createCallFailed: 0,
    createCallLost503: 0,
    createCallLostReset: 0,
    callHistory5xx: 0,
    playFailures: 0,
    recordFailures: 0,
  },
  account: { balance: 1_000_000_000, currency: 'SEK' },
  callCount: 0,
  webhookStats: {
    voice_start: createLatencyStats(),
    next: createLatencyStats(),
    recording: createLatencyStats(),
    hangup: createLatencyStats(),
  },
  audioStats: { latency: createLatencyStats(), fetches: 0, cacheHits: 0, failures: 0 },
  audioCache: new Map(),
  settleListeners: new Set(),
  log: opts.log ? (line) => console.log(`[46elks-sim] ${line}`) : () => {},
});
