import type { Deps } from '../deps';

/**
 * Live state of one call attempt, in one Redis hash under a TTL, so any instance answers any
 * webhook and a restart mid-call loses nothing. Fields are written once each (no counters: totals
 * are derived on read), so concurrent webhooks of one call never overwrite each other.
 *
 *   meta          CallMeta (JSON), written when the call is placed
 *   answered_at   ms epoch of voice-start
 *   callid        the 46elks call id of this attempt (from the create, the history, or its first webhook)
 *   ask:<n>       prompt id played before recording n (0 = the consent answer after the greeting)
 *   rl:<n>        the time limit (s) of recording n, started once 46elks reports the question played
 *   ack:<n>       acknowledgement played after recording n while its transcript was pending
 *   resp:<slot>   the answer given to a webhook (start; np after question n played, n after recording n, nf
 *                 after its acknowledgement, each + r for a retry) — replayed on a duplicate
 *   await         the `next` slot the last answer asked 46elks to call ('' when it ends the call)
 *   fail:<slot>   46elks reported the action before that `next` as failed (result=failed)
 *   rec:<n>       RecordingInfo (JSON) from the recording webhook
 *   txt:<n>       Transcript (JSON) once speech-to-text is done
 *   end           EndInfo (JSON) once the dialogue chose its ending
 *   cancel        '1' when the session was cancelled mid-call
 *   hangup        HangupInfo (JSON) once 46elks reported the end of the call
 *   lat:<kind>:<n> handling time of a webhook, ms
 *   transport     'realtime' when voice-start connected the call to the realtime socket (else absent)
 *   utt:<id>      realtime: one utterance (RealtimeUtterance JSON), written when it is final
 *   rt:resume     realtime: the turn the record loop continued from after the realtime leg ended early
 *   rt:live       realtime: '1' once a bridge took the call
 *   rt:end        realtime: how the bridge ended, its talk time, token usage and cost (RealtimeEnd JSON)
 */

export type PromptAudio = { id: string; kind: string; text: string; url: string; durationMs: number };
export type CallMeta = {
  sessionId: string;
  attemptNo: number;
  storeId: string;
  prompts: Record<string, PromptAudio>;
  questions: string[];
  followUps: string[];
  acknowledgements: string[];
  endings: {
    closing: string;
    budgetClosing: string;
    declineGoodbye: string;
    optOutGoodbye: string;
    nonSwedishGoodbye: string;
    cancelledGoodbye: string;
  };
  greeting: string;
  placedAt: number;
};
export type RecordingInfo = { wav: string; durationS: number; at: number };
export type Transcript = { text: string; language: 'sv' | 'en' | 'unknown'; sttMs: number };
export type EndReason =
  | 'completed'
  | 'budget'
  | 'declined'
  | 'opt_out'
  | 'non_swedish'
  | 'voicemail'
  | 'silence'
  | 'cancelled'
  /** Our side, never the customer's: 46elks could not play our audio, or not record, even when retried. */
  | 'play_failed'
  | 'record_failed';
export type EndInfo = { reason: EndReason; promptId: string | null; turn: number };
export type HangupInfo = {
  id: string;
  state: string;
  start: string | null;
  durationS: number | null;
  cost: number | null;
  recordActions: number;
  /** Actions 46elks ran, and how many of them it reports successful (`actions` of the hangup). */
  actionsRun?: number;
  actionsSucceeded?: number;
  at: number;
};

export type CallSnapshot = {
  meta: CallMeta;
  callId: string | null;
  answeredAt: number | null;
  asks: Map<number, string>;
  recordLimits: Map<number, number>;
  acks: Map<number, string>;
  responses: Map<string, string>;
  /** The `next` slot the last answer asked for ('' = none: the call was to end), null before any. */
  awaiting: string | null;
  failures: Set<string>;
  recordings: Map<number, RecordingInfo>;
  transcripts: Map<number, Transcript>;
  end: EndInfo | null;
  cancelled: boolean;
  hangup: HangupInfo | null;
  latencies: Record<string, number>;
  /** How the conversation ran: the record loop, or (part of it) the realtime bridge. */
  transport?: 'record' | 'realtime';
  /** Realtime: each utterance as spoken, in audio time (`utt:<id>`); empty in the record loop. */
  utterances?: RealtimeUtterance[];
  /** Realtime: how the bridge ended (`rt:end`), null while it runs or when there was none. */
  realtime?: RealtimeEnd | null;
  /** Realtime: the turn from which the record loop took the conversation over (`rt:resume`), null if it did not. */
  resumedAt?: number | null;
  /** Realtime: a bridge took the call (`rt:live`) and has not written `rt:end` yet. */
  realtimeRunning?: boolean;
};

export type RealtimeUtterance = {
  speaker: 'ai' | 'customer';
  text: string;
  /** Audio time since the socket's hello, ms. */
  ms: number;
  status: 'final' | 'truncated';
  heardMs?: number;
};
export type RealtimeUsage = {
  inputAudioTokens: number;
  inputTextTokens: number;
  inputCachedTokens: number;
  outputAudioTokens: number;
  outputTextTokens: number;
};
export type RealtimeEnd = {
  reason: string;
  fallback: boolean;
  talkMs: number;
  usage: RealtimeUsage;
  costSek: number;
  bargeIns: number;
  backChannels: number;
};

/** A call lasts minutes; the state outlives it long enough for late webhooks and pending STT. */
export const CALL_STATE_TTL_SECONDS = 6 * 3600;

type Ctx = Pick<Deps, 'redis' | 'key'>;
export const callKey = (ctx: Pick<Deps, 'key'>, sessionId: string, attemptNo: number) =>
  ctx.key('call', sessionId, String(attemptNo));

export async function createCallState(ctx: Ctx, meta: CallMeta): Promise<void> {
  const key = callKey(ctx, meta.sessionId, meta.attemptNo);
  await ctx.redis.multi().hset(key, 'meta', JSON.stringify(meta)).expire(key, CALL_STATE_TTL_SECONDS).exec();
}

export async function readCallState(ctx: Ctx, sessionId: string, attemptNo: number): Promise<CallSnapshot | null> {
  const raw = await ctx.redis.hgetall(callKey(ctx, sessionId, attemptNo));
  if (!raw.meta) return null;
  const snap: CallSnapshot = {
    meta: JSON.parse(raw.meta) as CallMeta,
    callId: raw.callid ?? null,
    answeredAt: raw.answered_at ? Number(raw.answered_at) : null,
    asks: new Map(),
    recordLimits: new Map(),
    acks: new Map(),
    responses: new Map(),
    awaiting: raw.await ?? null,
    failures: new Set(),
    recordings: new Map(),
    transcripts: new Map(),
    end: raw.end ? (JSON.parse(raw.end) as EndInfo) : null,
    cancelled: raw.cancel === '1',
    hangup: raw.hangup ? (JSON.parse(raw.hangup) as HangupInfo) : null,
    latencies: {},
    transport: raw.transport === 'realtime' ? 'realtime' : 'record',
    utterances: [] as RealtimeUtterance[],
    realtime: raw['rt:end'] ? (JSON.parse(raw['rt:end']) as RealtimeEnd) : null,
    resumedAt: raw['rt:resume'] ? Number(raw['rt:resume']) : null,
    realtimeRunning: raw['rt:live'] === '1' && !raw['rt:end'],
  };
  for (const [field, value] of Object.entries(raw)) {
    const sep = field.indexOf(':');
    if (sep < 0) continue;
    const kind = field.slice(0, sep);
    const n = Number(field.slice(sep + 1));
    if (kind === 'ask') snap.asks.set(n, value);
    else if (kind === 'rl') snap.recordLimits.set(n, Number(value));
    else if (kind === 'fail') snap.failures.add(field.slice(sep + 1));
    else if (kind === 'ack') snap.acks.set(n, value);
    else if (kind === 'resp') snap.responses.set(field.slice(sep + 1), value);
    else if (kind === 'rec') snap.recordings.set(n, JSON.parse(value) as RecordingInfo);
    else if (kind === 'txt') snap.transcripts.set(n, JSON.parse(value) as Transcript);
    else if (kind === 'lat') snap.latencies[field.slice(sep + 1)] = Number(value);
    else if (kind === 'utt') snap.utterances?.push(JSON.parse(value) as RealtimeUtterance);
  }
  return snap;
}

/**
 * Whether the call state exists, and the 46elks call id bound to it — one round trip, without reading
 * the whole hash (the recording and hangup webhooks need nothing else).
 */
export async function readCallBinding(ctx: Ctx, sessionId: string, attemptNo: number): Promise<{ callId: string | null } | null> {
  const [meta, callId] = await ctx.redis.hmget(callKey(ctx, sessionId, attemptNo), 'meta', 'callid');
  return meta === null ? null : { callId: callId ?? null };
}

/** Sets fields; returns false if the call state is gone (expired, finalised or erased). */
export async function setFields(ctx: Ctx, sessionId: string, attemptNo: number, fields: Record<string, string>): Promise<boolean> {
  const key = callKey(ctx, sessionId, attemptNo);
  const [[, exists]] = (await ctx.redis.multi().exists(key).hset(key, fields).exec()) as [[null, number], unknown];
  if (exists === 0) {
    await ctx.redis.del(key);
    return false;
  }
  return true;
}

/**
 * Sets a field only if unset; returns the value that won (ours or the earlier one). Like setFields,
 * it never brings a gone call state back: HSETNX would recreate the hash without a TTL (a late or
 * replayed recording webhook did, leaving a key for good), so a write to a missing state is undone.
 */
export async function setOnce(ctx: Ctx, sessionId: string, attemptNo: number, field: string, value: string): Promise<string> {
  const key = callKey(ctx, sessionId, attemptNo);
  const [[, exists], [, set], [, current]] = (await ctx.redis.multi().exists(key).hsetnx(key, field, value).hget(key, field).exec()) as [
    [null, number],
    [null, number],
    [null, string],
  ];
  if (exists === 0) {
    await ctx.redis.del(key);
    return value;
  }
  return set === 1 ? value : current;
}

export async function dropCallState(ctx: Ctx, sessionId: string, attemptNo: number): Promise<void> {
  await ctx.redis.del(callKey(ctx, sessionId, attemptNo));
}

/**
 * Conversation seconds so far, from the audio itself: every prompt played plus every answer
 * recorded. A recording that has finished (its `next` came) but whose webhook has not arrived yet
 * counts as `unknownRecordingS` (the caller passes its time limit: never under-count the budget).
 */
export function conversationSeconds(snap: CallSnapshot, finishedThrough = -1, unknownRecordingS = 0, fromTurn = 0): number {
  let ms = 0;
  let unknown = 0;
  for (const [n, promptId] of snap.asks) {
    if (n < fromTurn) continue;
    ms += snap.meta.prompts[promptId]?.durationMs ?? 0;
    const rec = snap.recordings.get(n);
    if (rec) ms += rec.durationS * 1000;
    else if (n <= finishedThrough) unknown += unknownRecordingS;
  }
  for (const promptId of snap.acks.values()) ms += snap.meta.prompts[promptId]?.durationMs ?? 0;
  return ms / 1000 + unknown;
}

