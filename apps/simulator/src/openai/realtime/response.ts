import type {
  ConversationItem,
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCall,
  RealtimeResponse,
  RealtimeResponseStatus,
} from 'openai/resources/realtime/realtime';
import { encodeVoiceMemo as encodeVoice, voiceDurationSec } from '../../audio/voice';
import type { Decision } from './brain';
import type { ConvItem } from './conversation';
import type { Wire } from './events';
import { BYTES_PER_MS, SAMPLE_RATE } from './vad';

/** Speech goes out in 100 ms deltas, this many times faster than real time. */
export const DELTA_MS = 100;
export const AUDIO_SPEEDUP = 4;
/** Deltas already queued when a cancel arrives: they are still sent (bridges must drop stale audio). */
export const STALE_DELTAS = 2;

/** What a response needs from its session. */
export interface ResponseHost extends Wire {
  newId(prefix: string, length?: number): string;
  /** Simulated ms before the first audio / tool call (configured latency + fault). */
  firstOutputMs(): number;
  voice(): string;
  addItem(item: ConvItem): void;
  /** Called once, after `response.done` details are known; returns the usage to report. */
  finish(run: ResponseRun, status: 'completed' | 'cancelled', output: { audioMs: number; text: string }): RealtimeResponse['usage'];
}

const pcmBase64 = (samples: Int16Array, from: number, to: number): string => {
  const buf = Buffer.alloc((to - from) * 2);
  for (let i = from; i < to; i++) buf.writeInt16LE(samples[i] ?? 0, (i - from) * 2);
  return buf.toString('base64');
};

export const speechSamples = (text: string): Int16Array => {
  const words = text.split(/\s+/).filter(Boolean).length;
  return encodeVoice(text, SAMPLE_RATE, Math.max(voiceDurationSec(text), words * 0.3));
};

/** One response: created at once, its output after the first-output latency, done (or cancelled). */
export class ResponseRun {
  readonly id: string;
  state: 'waiting' | 'stalled' | 'streaming' | 'cancelling' | 'done' = 'waiting';
  private cancelReason: 'client_cancelled' | 'turn_detected' = 'client_cancelled';
  private cancelTimer: () => void = () => {};
  private output: ConversationItem[] = [];
  private speech: { item: ConvItem; samples: Int16Array; sent: number; text: string; outputIndex: number } | null = null;
  private outputText = '';
  /** Set when a spoken tool output said `end`: the session calls end_call in a following response. */
  thenEnd: string | undefined;
  spokenOutputId: string | undefined;

  constructor(
    private readonly host: ResponseHost,
    private decision: Decision,
    readonly instructions: string,
  ) {
    this.id = host.newId('resp');
  }

  private view(status: RealtimeResponse['status'], details: RealtimeResponseStatus | null = null, usage: RealtimeResponse['usage'] | null = null): RealtimeResponse {
    return {
      object: 'realtime.response',
      id: this.id,
      status,
      status_details: details ?? undefined,
      output: this.output,
      conversation_id: 'conv_sim',
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: this.host.voice() } },
      usage: usage ?? undefined,
      metadata: null,
    };
  }

  start(): void {
    this.host.send({ type: 'response.created', response: this.view('in_progress') });
    this.plan();
  }

  private plan(): void {
    const d = this.decision;
    if (d.kind === 'stall') {
      this.state = 'stalled';
      return;
    }
    if (d.kind === 'nothing') {
      this.cancelTimer = this.host.after(0, () => this.done('completed'));
      return;
    }
    this.cancelTimer = this.host.after(this.host.firstOutputMs(), () => (d.kind === 'speak' ? this.speak(d.text) : d.kind === 'call' ? this.call(d.name, d.args) : undefined));
  }

  /** A stalled response goes on once the pending call has its output. */
  resume(decision: Decision): void {
    if (this.state !== 'stalled') return;
    this.decision = decision;
    this.state = 'waiting';
    this.plan();
  }

  private call(name: string, args: Record<string, unknown>): void {
    const itemId = this.host.newId('item');
    const callId = this.host.newId('call', 16);
    const argText = JSON.stringify(args);
    const base: RealtimeConversationItemFunctionCall = { id: itemId, object: 'realtime.item', type: 'function_call', status: 'in_progress', name, call_id: callId, arguments: '' };
    this.host.send({ type: 'response.output_item.added', response_id: this.id, output_index: 0, item: base });
    this.host.send({ type: 'conversation.item.added', previous_item_id: null, item: base });
    const item: RealtimeConversationItemFunctionCall = { ...base, status: 'completed', arguments: argText };
    this.host.addItem({ id: itemId, item, role: 'assistant', audioMs: 0, text: argText, brain: { kind: 'call', id: itemId, callId, name, answered: false } });
    this.host.send({ type: 'response.function_call_arguments.delta', response_id: this.id, item_id: itemId, output_index: 0, call_id: callId, delta: argText });
    this.host.send({ type: 'response.function_call_arguments.done', response_id: this.id, item_id: itemId, output_index: 0, call_id: callId, name, arguments: argText });
    this.host.send({ type: 'response.output_item.done', response_id: this.id, output_index: 0, item });
    this.host.send({ type: 'conversation.item.done', item });
    this.output = [item];
    this.outputText = argText;
    this.done('completed');
  }

  private speak(text: string): void {
    const d = this.decision;
    if (d.kind === 'speak') {
      this.thenEnd = d.thenEnd;
      this.spokenOutputId = d.outputItemId;
    }
    const itemId = this.host.newId('item');
    const base: RealtimeConversationItemAssistantMessage = { id: itemId, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    this.host.send({ type: 'response.output_item.added', response_id: this.id, output_index: 0, item: base });
    this.host.send({ type: 'conversation.item.added', previous_item_id: null, item: base });
    const conv: ConvItem = { id: itemId, item: base, role: 'assistant', audioMs: 0, text, brain: { kind: 'assistant', id: itemId, completed: false } };
    this.host.addItem(conv);
    const ids = { response_id: this.id, item_id: itemId, output_index: 0, content_index: 0 };
    this.host.send({ type: 'response.content_part.added', ...ids, part: { type: 'audio', transcript: '' } });
    this.host.send({ type: 'response.output_audio_transcript.delta', ...ids, delta: text });
    this.speech = { item: conv, samples: speechSamples(text), sent: 0, text, outputIndex: 0 };
    this.state = 'streaming';
    this.sendDelta();
  }

  /** Sends the next 100 ms of speech; schedules the one after, or finishes. */
  private sendDelta(): boolean {
    const sp = this.speech;
    if (!sp) return false;
    const per = (SAMPLE_RATE * DELTA_MS) / 1000;
    if (sp.sent >= sp.samples.length) return false;
    const to = Math.min(sp.samples.length, sp.sent + per);
    this.host.send({ type: 'response.output_audio.delta', response_id: this.id, item_id: sp.item.id, output_index: 0, content_index: 0, delta: pcmBase64(sp.samples, sp.sent, to) });
    sp.item.audioMs = (to * 2) / BYTES_PER_MS;
    sp.sent = to;
    if (this.state === 'streaming') {
      if (sp.sent >= sp.samples.length) this.cancelTimer = this.host.after(0, () => this.endSpeech('completed'));
      else this.cancelTimer = this.host.after(DELTA_MS / AUDIO_SPEEDUP, () => this.sendDelta());
    }
    return true;
  }

  private endSpeech(status: 'completed' | 'cancelled'): void {
    const sp = this.speech;
    if (!sp) return;
    const ids = { response_id: this.id, item_id: sp.item.id, output_index: 0, content_index: 0 };
    this.host.send({ type: 'response.output_audio.done', ...ids });
    this.host.send({ type: 'response.output_audio_transcript.done', ...ids, transcript: sp.text });
    this.host.send({ type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript: sp.text } });
    const item: RealtimeConversationItemAssistantMessage = {
      id: sp.item.id,
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status: status === 'completed' ? 'completed' : 'incomplete',
      content: [{ type: 'output_audio', transcript: sp.text }],
    };
    sp.item.item = item;
    sp.item.brain = { kind: 'assistant', id: sp.item.id, completed: status === 'completed' };
    this.host.send({ type: 'response.output_item.done', response_id: this.id, output_index: 0, item });
    this.host.send({ type: 'conversation.item.done', item });
    this.output = [item];
    this.outputText = sp.text;
    this.done(status);
  }

  /** response.cancel / barge-in: queued deltas still go out, then the response ends `cancelled`. Returns stale deltas sent. */
  cancel(reason: 'client_cancelled' | 'turn_detected'): number {
    if (this.state === 'done') return 0;
    this.cancelTimer();
    this.cancelReason = reason;
    let stale = 0;
    if (this.state === 'streaming') {
      this.state = 'cancelling';
      while (stale < STALE_DELTAS && this.sendDelta()) stale++;
      this.endSpeech('cancelled');
    } else this.done('cancelled');
    return stale;
  }

  private done(status: 'completed' | 'cancelled'): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const audioMs = this.speech ? (this.speech.sent * 2) / BYTES_PER_MS : 0;
    const usage = this.host.finish(this, status, { audioMs, text: this.outputText });
    const details: RealtimeResponseStatus = status === 'cancelled' ? { type: 'cancelled', reason: this.cancelReason } : { type: 'completed' };
    this.host.send({ type: 'response.done', response: this.view(status, details, usage) });
  }

  /** The session closed: stop without sending. */
  dispose(): void {
    this.cancelTimer();
    this.state = 'done';
  }
}
