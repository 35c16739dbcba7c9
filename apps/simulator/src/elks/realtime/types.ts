/** A registered 46elks WebSocket number (POST /sim/websocket-numbers). */
export interface WebsocketNumber {
  number: string;
  websocket_url: string;
  /** Caller audio frame length in ms (46elks' cadence is undocumented; 20 by default). */
  frame_ms: 20 | 40 | 100;
}

export type LegOutcome = 'done' | 'hangup' | 'failed';

/** One utterance of ours as the callee heard it (audio ms since the socket opened). */
export interface HeardUtterance {
  text: string | null;
  startMs: number;
  endMs: number;
  /** Cut short by our `interrupt`. */
  interrupted: boolean;
}

/** One answer of the persona (audio ms since the socket opened). */
export interface PersonaTurn {
  text: string;
  /** First and last voiced sample the persona sent. */
  startMs: number;
  endMs: number;
  /** End of the persona's speech → first non-silent sample of our audio played (null: not measured). */
  voiceToVoiceMs: number | null;
  /** Started while our audio was still playing. */
  overlapped: boolean;
}

/** What the simulator measured on a call's WebSocket leg (`realtime` in GET /sim/calls/:id). */
export interface RealtimeRecord {
  number: string;
  url: string;
  state: 'connecting' | 'open' | 'ended';
  outcome: LegOutcome | null;
  /** Why the leg failed or ended (refused upgrade, closed without bye, buffer overflow, …). */
  reason: string | null;
  busyTone: boolean;
  hello: { callid: string; from: string; to: string } | null;
  frameMs: number;
  listeningFormat: string | null;
  sendingFormat: string | null;
  /** Audio ms of the leg (caller audio time). */
  durationMs: number;
  /** hello → first non-silent sample of our audio played (audio ms). */
  helloToFirstAudioMs: number | null;
  /** Per answered turn, as in `turns`. */
  voiceToVoiceMs: number[];
  turns: PersonaTurn[];
  heard: HeardUtterance[];
  backchannels: string[];
  /** Audio ms in which the persona spoke while our audio played. */
  talkOverMs: number;
  counts: {
    callerFramesSent: number;
    /** Caller frames not sent because we had not sent `listening` yet. */
    callerFramesBeforeListening: number;
    audioReceived: number;
    /** Our `audio` before a `sending` or after an `interrupt` (until a new `sending`). */
    ignoredAudioFrames: number;
    interrupts: number;
    sendings: number;
    syncs: number;
    syncReplies: number;
    unknownMessages: number;
  };
  maxBufferedBytes: number;
  /** How far (audio ms) the simulator's playout ran behind the scaled clock (a too small time scale for the machine). */
  maxLagMs: number;
  /** Audio ms the playout clock was set back after stalls (0 when the simulator kept up). */
  slipMs: number;
}

export const createRealtimeRecord = (target: WebsocketNumber): RealtimeRecord => ({
  number: target.number,
  url: target.websocket_url,
  state: 'connecting',
  outcome: null,
  reason: null,
  busyTone: false,
  hello: null,
  frameMs: target.frame_ms,
  listeningFormat: null,
  sendingFormat: null,
  durationMs: 0,
  helloToFirstAudioMs: null,
  voiceToVoiceMs: [],
  turns: [],
  heard: [],
  backchannels: [],
  talkOverMs: 0,
  counts: {
    callerFramesSent: 0,
    callerFramesBeforeListening: 0,
    audioReceived: 0,
    ignoredAudioFrames: 0,
    interrupts: 0,
    sendings: 0,
    syncs: 0,
    syncReplies: 0,
    unknownMessages: 0,
  },
  maxBufferedBytes: 0,
  maxLagMs: 0,
  slipMs: 0,
});

/** 46elks' PCM formats the simulator can play and record (16-bit little-endian mono). */
export const PCM_RATES: Record<string, number> = { pcm_8000: 8000, pcm_16000: 16000, pcm_24000: 24000 };

/** 46elks' playout buffer: overflow ends the leg with `bye error` (≈ 10 min of pcm_24000). */
export const MAX_BUFFER_BYTES = 30_000_000;
