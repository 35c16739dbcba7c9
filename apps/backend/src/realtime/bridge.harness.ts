import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { type Bridge, createBridge } from './bridge';
import type { BridgeOptions } from './bridge-options';
import { buildSessionUpdate } from './session';
import {
  BYTES_PER_MS,
  type BridgeEndInfo,
  type ElksOutbound,
  type RealtimeLog,
  type RealtimeUsage,
  type Timers,
  type ToolOutput,
  type Utterance,
} from './types';

/**
 * A bridge on fake ports and a fake clock, for the bridge's unit tests (no jest imports: plain data
 * in, recorded messages out). Audio is zeros; only its length matters to the bridge.
 */

export const SILENT_LOG: RealtimeLog = { debug() {}, info() {}, warn() {}, error() {} };

export type FakeTimers = Timers & { now: number; advance(ms: number): void; pending(): number };

export function fakeTimers(): FakeTimers {
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const t: FakeTimers = {
    now: 0,
    setTimeout(fn, ms) {
      seq += 1;
      due.set(seq, { at: t.now + ms, fn });
      return seq;
    },
    clearTimeout(h) {
      due.delete(h as number);
    },
    advance(ms) {
      const until = t.now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, d]) => d.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        t.now = next[1].at;
        next[1].fn();
      }
      t.now = until;
    },
    pending: () => due.size,
  };
  return t;
}

/** base64 of `ms` of silence at 24 kHz PCM16. */
export const pcm = (ms: number): string => Buffer.alloc(Math.round(ms * BYTES_PER_MS)).toString('base64');

/** Lets settled promises (tool results) run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export type Harness = ReturnType<typeof harness>;

export function harness(
  opts: Partial<BridgeOptions> = {},
  runTool: (name: string, args: Record<string, unknown>, callId: string) => Promise<ToolOutput> = async () => ({}),
) {
  const elks: ElksOutbound[] = [];
  const oai: RealtimeClientEvent[] = [];
  const utterances: Utterance[] = [];
  const usages: RealtimeUsage[] = [];
  const ends: BridgeEndInfo[] = [];
  const toolCalls: Array<{ name: string; args: Record<string, unknown>; callId: string }> = [];
  const timers = fakeTimers();
  let inMs = 0;
  const bridge: Bridge = createBridge(
    {
      sendElks: (m) => elks.push(m),
      sendOpenAI: (e) => oai.push(e),
      runTool: (name, args, callId) => {
        toolCalls.push({ name, args, callId });
        return runTool(name, args, callId);
      },
      onUtterance: (u) => utterances.push(u),
      onUsage: (u) => usages.push(u),
      onEnd: (i) => ends.push(i),
      now: () => timers.now,
      timers,
      log: SILENT_LOG,
    },
    {
      session: buildSessionUpdate({ instructions: 'test' }),
      greeting: 'Hej, vill du svara på några frågor?',
      closing: 'Tack för din tid, hej då!',
      ...opts,
    },
  );
  const ev = (e: Record<string, unknown>) => bridge.onOpenAI({ event_id: 'e', ...e } as unknown as RealtimeServerEvent);
  const usage = { input_tokens: 10, output_tokens: 5, total_tokens: 15,
    input_token_details: { audio_tokens: 6, text_tokens: 4, cached_tokens: 2 },
    output_token_details: { audio_tokens: 4, text_tokens: 1 } };

  const h = {
    bridge,
    elks,
    oai,
    utterances,
    usages,
    ends,
    toolCalls,
    timers,
    ev,
    get inMs() {
      return inMs;
    },
    /** Caller audio in 20 ms frames. */
    audio(ms: number) {
      for (let left = ms; left > 0; left -= 20) {
        const f = Math.min(20, left);
        bridge.onElks({ t: 'audio', data: pcm(f) });
        inMs += f;
      }
    },
    ready() {
      ev({ type: 'session.created', session: {} });
      ev({ type: 'session.updated', session: {} });
    },
    oaiTypes: () => oai.map((e) => e.type),
    elksTypes: () => elks.map((m) => m.t),
    responseCreates: () => oai.filter((e) => e.type === 'response.create'),
    /** One AI line: deltas of 100 ms, its transcript, and (unless `open`) its response.done. */
    aiLine(responseId: string, itemId: string, ms: number, text: string, open = false) {
      ev({ type: 'response.created', response: { id: responseId, status: 'in_progress' } });
      for (let left = ms; left > 0; left -= 100)
        ev({ type: 'response.output_audio.delta', response_id: responseId, item_id: itemId, output_index: 0,
          content_index: 0, delta: pcm(Math.min(100, left)) });
      ev({ type: 'response.output_audio_transcript.done', response_id: responseId, item_id: itemId, output_index: 0,
        content_index: 0, transcript: text });
      if (!open) h.responseDone(responseId);
    },
    responseDone(responseId: string, status = 'completed') {
      ev({ type: 'response.done', response: { id: responseId, status, usage } });
    },
    toolCall(responseId: string, callId: string, name: string, args: object) {
      ev({ type: 'response.created', response: { id: responseId, status: 'in_progress' } });
      ev({ type: 'response.function_call_arguments.done', response_id: responseId, item_id: `fc_${callId}`,
        output_index: 0, call_id: callId, name, arguments: JSON.stringify(args) });
      h.responseDone(responseId);
    },
    speechStarted(itemId: string, atMs = inMs) {
      ev({ type: 'input_audio_buffer.speech_started', item_id: itemId, audio_start_ms: atMs });
    },
    speechStopped(itemId: string, atMs = inMs) {
      ev({ type: 'input_audio_buffer.speech_stopped', item_id: itemId, audio_end_ms: atMs });
    },
    transcribed(itemId: string, text: string) {
      ev({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0,
        transcript: text, usage: { type: 'duration', seconds: 1 } });
    },
    /** The customer speaks `ms`, then 300 ms of silence until the VAD reports the stop. */
    customerSays(itemId: string, ms: number, text: string) {
      const start = inMs;
      h.speechStarted(itemId, start);
      h.audio(ms);
      const end = inMs;
      h.audio(300);
      h.speechStopped(itemId, end);
      h.transcribed(itemId, text);
    },
  };
  return h;
}
