import type { RealtimeConversationItemUserMessage, RealtimeResponse } from 'openai/resources/realtime/realtime';
import type { WebSocket } from 'ws';
import { decodeVoiceMemo as decodeVoice } from '../../audio/voice';
import { deriveRng, type Rng } from '../../shared/prng';
import { type Decision, decide } from './brain';
import { type ConvItem, computeUsage } from './conversation';
import type { ServerEventBody } from './events';
import { handleItemEvent, handleSessionUpdate } from './handlers';
import { ResponseRun, type ResponseHost } from './response';
import { type ClientEvent, type ProtocolError, parseClientEvent } from './schemas';
import { type SessionView, defaultSession, makeId, turnPolicy } from './session-config';
import type { RealtimeContext } from './state';
import { InputBuffer, SAMPLE_RATE, type VadEvent } from './vad';

/** Simulated ms between a commit and its transcription event. */
const TRANSCRIBE_MS = 120;

/** One `/v1/realtime` connection: the session config, the input buffer, the conversation and at most one response. */
export class RealtimeSession implements ResponseHost {
  readonly rng: Rng;
  session: SessionView;
  readonly buffer: InputBuffer;
  readonly items: ConvItem[] = [];
  active: ResponseRun | null = null;
  private readonly timers = new Set<() => void>();
  private readonly runInputs = new Map<string, ConvItem[]>();
  private speechItemId: string | null = null;
  private previousInput = 0;
  private readonly closeAfterMs: number | null;
  private closed = false;

  constructor(
    readonly ctx: RealtimeContext,
    private readonly ws: WebSocket,
    model: string,
  ) {
    const serial = ctx.serial++;
    this.rng = deriveRng(ctx.openai.opts.seed, `realtime:${serial}`);
    this.session = defaultSession(makeId(this.rng, 'sess'), model);
    this.buffer = new InputBuffer(turnPolicy(this.session).vad);
    this.closeAfterMs = ctx.faults.closeAfterMs;
    ctx.counters.sessions_opened++;
    ctx.counters.active++;
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    ws.on('close', () => this.dispose());
    this.send({ type: 'session.created', session: this.session });
  }

  newId(prefix: string, length = 21): string {
    return makeId(this.rng, prefix, length);
  }

  send(event: ServerEventBody): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ctx.counters.events_out++;
    if (event.type === 'error') this.ctx.counters.errors_sent++;
    this.ws.send(JSON.stringify({ event_id: this.newId('event'), ...event }));
  }

  error(error: ProtocolError, eventId: string | null = null): void {
    this.send({ type: 'error', error: { ...error, event_id: eventId } });
  }

  after(simMs: number, fn: () => void): () => void {
    const cancel = this.ctx.openai.scheduler.after(simMs * this.ctx.openai.scheduler.timeScale, () => {
      this.timers.delete(cancel);
      if (!this.closed) fn();
    });
    this.timers.add(cancel);
    return () => {
      cancel();
      this.timers.delete(cancel);
    };
  }

  firstOutputMs(): number {
    return this.ctx.openai.opts.realtime.firstAudioMs + this.ctx.faults.firstAudioDelayMs;
  }

  voice(): string {
    const v = this.session.audio?.output?.voice;
    return typeof v === 'string' ? v : (v?.id ?? 'marin');
  }

  addItem(item: ConvItem): void {
    this.items.push(item);
    if (item.brain?.kind === 'call') this.ctx.counters.tool_calls++;
  }

  finish(run: ResponseRun, status: 'completed' | 'cancelled', output: { audioMs: number; text: string }): RealtimeResponse['usage'] {
    const inputs = this.runInputs.get(run.id) ?? [];
    this.runInputs.delete(run.id);
    const usage = computeUsage(inputs, `${this.session.instructions ?? ''}${run.instructions}`, output, this.previousInput);
    this.previousInput = usage.input_tokens ?? 0;
    this.ctx.counters.audio_out_ms += output.audioMs;
    if (status === 'cancelled') this.ctx.counters.cancelled_responses++;
    if (this.active === run) this.active = null;
    if (status === 'completed') {
      const spoken = this.items.find((i) => i.id === run.spokenOutputId);
      if (spoken?.brain?.kind === 'output') spoken.brain.spoken = true;
      const reason = run.thenEnd;
      if (reason !== undefined) {
        this.after(0, () => {
          if (!this.active) this.startResponse('', { kind: 'call', name: 'end_call', args: { reason } });
        });
      }
    }
    return usage;
  }

  /** Creates a response (client `response.create`, or the server after a commit / a goodbye). */
  startResponse(instructions: string, forced?: Decision): void {
    const brainItems = this.items.flatMap((i) => (i.brain ? [i.brain] : []));
    const run = new ResponseRun(this, forced ?? decide(brainItems, instructions), instructions);
    this.runInputs.set(run.id, [...this.items]);
    this.active = run;
    this.ctx.counters.responses++;
    run.start();
  }

  /** A function_call_output arrived: a stalled response may go on. */
  unstall(): void {
    const run = this.active;
    if (run?.state !== 'stalled') return;
    const d = decide(
      this.items.flatMap((i) => (i.brain ? [i.brain] : [])),
      run.instructions,
    );
    if (d.kind !== 'stall') run.resume(d);
  }

  private onMessage(text: string | null): void {
    if (this.closed) return;
    this.ctx.counters.events_in++;
    if (text === null) {
      this.error({ type: 'invalid_request_error', code: 'invalid_json', message: 'Binary frames are not supported; send JSON text frames.', param: null });
      return;
    }
    const parsed = parseClientEvent(text);
    if (!parsed.ok) {
      this.error(parsed.error, parsed.eventId);
      return;
    }
    this.dispatch(parsed.event);
  }

  private dispatch(ev: ClientEvent) {
    const eventId = ev.event_id ?? null;
    switch (ev.type) {
      case 'session.update':
        return handleSessionUpdate(this, ev, eventId);
      case 'input_audio_buffer.append':
        return this.append(Buffer.from(ev.audio, 'base64'));
      case 'input_audio_buffer.commit': {
        if (this.buffer.bufferedMs < 100) {
          const ms = this.buffer.bufferedMs.toFixed(2);
          return this.error(
            { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${ms}ms of audio.`, param: null },
            eventId,
          );
        }
        const c = this.buffer.commitAll();
        return this.commit(this.speechItemId ?? this.newId('item'), c.audioStartMs, c.audioEndMs, c.samples);
      }
      case 'input_audio_buffer.clear':
        this.buffer.clear();
        this.speechItemId = null;
        return this.send({ type: 'input_audio_buffer.cleared' });
      case 'output_audio_buffer.clear':
        return this.error({ type: 'invalid_request_error', code: 'invalid_value', message: 'output_audio_buffer.clear is only supported for WebRTC and SIP connections.', param: 'type' }, eventId);
      case 'response.create':
        if (this.active) {
          return this.error(
            { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`, param: null },
            eventId,
          );
        }
        return this.startResponse(ev.response?.instructions ?? '');
      case 'response.cancel': {
        const run = this.active;
        if (!run || (ev.response_id && ev.response_id !== run.id)) {
          return this.error({ type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null }, eventId);
        }
        this.ctx.counters.stale_deltas += run.cancel('client_cancelled');
        return;
      }
      default:
        return handleItemEvent(this, ev, eventId);
    }
  }

  private append(bytes: Buffer): void {
    const events = this.buffer.append(bytes);
    this.ctx.counters.audio_in_ms += bytes.length / 48;
    for (const ev of events) this.onVad(ev);
    if (this.closeAfterMs !== null && this.buffer.totalMs >= this.closeAfterMs && !this.closed) {
      this.ctx.counters.closed_by_fault++;
      this.ws.close(1011, 'Internal server error');
      this.dispose();
    }
  }

  private onVad(ev: VadEvent): void {
    if (ev.type === 'speech_started') {
      this.speechItemId = this.newId('item');
      this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.round(ev.audioStartMs), item_id: this.speechItemId });
      if (turnPolicy(this.session).interruptResponse && this.active) this.ctx.counters.stale_deltas += this.active.cancel('turn_detected');
      return;
    }
    const itemId = this.speechItemId ?? this.newId('item');
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(ev.audioEndMs), item_id: itemId });
    this.commit(itemId, ev.audioStartMs, ev.audioEndMs, ev.samples);
  }

  /** A committed user turn: committed, item added/done, transcription, and maybe a server-created response. */
  private commit(itemId: string, startMs: number, endMs: number, samples: Int16Array): void {
    this.speechItemId = null;
    const previous = this.items.at(-1)?.id ?? null;
    const text = decodeVoice(samples, SAMPLE_RATE) ?? '';
    const item: RealtimeConversationItemUserMessage = { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio' }] };
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous });
    this.send({ type: 'conversation.item.added', previous_item_id: previous, item });
    this.send({ type: 'conversation.item.done', previous_item_id: previous, item });
    const audioMs = Math.max(0, endMs - startMs);
    this.addItem({ id: itemId, item, role: 'user', audioMs, text, brain: { kind: 'user', id: itemId, text } });
    if (this.session.audio?.input?.transcription) {
      const logprobs = this.session.include?.includes('item.input_audio_transcription.logprobs')
        ? text.split(/\s+/).filter(Boolean).map((token) => ({ token, logprob: -0.01, bytes: [...Buffer.from(token)] }))
        : undefined;
      this.after(TRANSCRIBE_MS, () => {
        item.content = [{ type: 'input_audio', transcript: text }];
        this.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: text, usage: { type: 'duration', seconds: Math.round(audioMs) / 1000 }, ...(logprobs ? { logprobs } : {}) });
      });
    }
    if (turnPolicy(this.session).createResponse && !this.active) this.startResponse('');
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.active?.dispose();
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.ctx.counters.active--;
  }
}
