import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { type BridgeDeps, type BridgeOptions, resolveBridgeOptions } from './bridge-options';
import { sayExactly } from './session';
import { createPlayout } from './playout';
import { createToolRunner } from './tools';
import { addUsage, createTranscript, EMPTY_USAGE } from './transcript';
import { base64Bytes, type BridgeEndReason, BYTES_PER_MS, ELKS_FORMAT, type ElksInbound } from './types';
import { FALLBACK_REASONS, REAL_TIMERS } from './types';

/**
 * One call's bridge between 46elks Realtime Voice and OpenAI Realtime (REALTIME.md §3): plain functions
 * over injected ports, no sockets. Every call-level decision runs on AUDIO time — `inMs`, the caller audio
 * received (46elks streams silence too) — so a call replays deterministically and the 2-minute cap is
 * talk time. The AI side (responses, playout clock, cuts) is playout.ts; tool calls tools.ts.
 *
 * Creating the bridge (right after an accepted `hello`) sends 46elks `listening` + `sending` and starts
 * the ready timer; `session.update` goes out on OpenAI's `session.created`.
 */
export type Bridge = {
  onElks(msg: ElksInbound): void;
  onOpenAI(event: RealtimeServerEvent): void;
  /** Idempotent. Fallback reasons send 46elks `bye` first so it POSTs `next` (the record loop continues). */
  end(reason: BridgeEndReason): void;
};

type EndRequest = { reason: BridgeEndReason; dialogueReason: string };

export function createBridge(deps: BridgeDeps, options: BridgeOptions): Bridge {
  const o = resolveBridgeOptions(options);
  const timers = deps.timers ?? REAL_TIMERS;
  const { log } = deps;
  const startedAt = deps.now();
  const transcript = createTranscript((u) => deps.onUtterance(u));
  const clock = { inMs: 0 };
  const p = createPlayout(deps, transcript, clock);
  const tools = createToolRunner(deps, timers, o.toolTimeoutMs, {
    output(name, callId, output) {
      if (ended) return;
      deps.sendOpenAI({
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: callId, output: JSON.stringify(output) },
      });
      // the model speaks each output's `say`; once the call is ending, outputs are only acknowledged
      if (name !== 'end_call' && !endRequest) {
        if (output.end) requestEnd({ reason: 'completed', dialogueReason: output.reason ?? 'completed' });
        p.requestResponse();
      }
      maybeSync();
    },
    failure(name, callId, err) {
      log.error('realtime tool failed', { name, callId, err: err instanceof Error ? err.message : String(err) });
      end('tool_failed');
    },
  });

  let ready = false;
  let ended = false;
  let sessionSent = false;
  const held: Array<{ data: string; startMs: number }> = [];
  /** Our audio time of OpenAI's audio time 0 (the start of the first frame appended). */
  let oaiBaseMs: number | null = null;
  let greetingSent = false;
  let pendingBarge: { itemId: string; startMs: number } | null = null;
  const speechStarts = new Map<string, number>();
  let endRequest: EndRequest | null = null;
  let syncSent = false;
  let byeSent: BridgeEndReason | null = null;
  let wrapped = false;
  let forced = false;
  let usage = EMPTY_USAGE;
  let bargeIns = 0;
  let backChannels = 0;
  let byeTimer: unknown = null;
  const readyTimer = timers.setTimeout(() => {
    if (!ready) end('openai_timeout');
  }, o.readyTimeoutMs);

  const oaiToIn = (ms: number) => (oaiBaseMs ?? 0) + ms;

  function append(data: string, startMs: number) {
    if (oaiBaseMs === null) oaiBaseMs = startMs;
    deps.sendOpenAI({ type: 'input_audio_buffer.append', audio: data });
  }

  const bargeIn = () => {
    if (p.cut('barge_in') !== null) bargeIns++;
  };

  /** Customer still speaking over our audio bargeInMs after starting: a real interruption. */
  function checkBarge() {
    if (!pendingBarge || clock.inMs - pendingBarge.startMs < o.bargeInMs) return;
    pendingBarge = null;
    if (p.canCut()) bargeIn();
  }

  function onCustomerTurnEnd() {
    if (endRequest || !greetingSent || p.isPlaying() || tools.running > 0) return;
    if (!p.isActive()) return p.requestResponse();
    // a response we cut is still winding down: answer the customer once it is done
    if (p.isActiveCut()) p.wantAfterActive();
  }

  /** Once the ending line is out (nothing running or queued): ask 46elks to tell us when it has played. */
  function maybeSync() {
    if (!endRequest || syncSent || byeSent || !p.isIdle() || tools.running > 0) return;
    syncSent = true;
    deps.sendElks({ t: 'sync' });
  }

  function sayBye(reason: BridgeEndReason) {
    if (byeSent || ended) return;
    byeSent = reason;
    p.mute();
    deps.sendElks({ t: 'bye' });
    byeTimer = timers.setTimeout(() => end(reason), o.byeWaitMs);
  }

  const requestEnd = (req: EndRequest) => {
    endRequest ??= req;
    pendingBarge = null;
  };

  function checkCap() {
    if (!wrapped && clock.inMs >= o.wrapUpAtMs) {
      wrapped = true;
      if (o.wrapUpCue && !endRequest && ready)
        deps.sendOpenAI({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: o.wrapUpCue }] },
        });
    }
    if (!forced && clock.inMs >= o.forceCloseAtMs) {
      forced = true;
      if (!endRequest && ready) {
        log.info('realtime cap: forced closing', { atMs: Math.round(clock.inMs) });
        requestEnd({ reason: 'cap', dialogueReason: 'budget' });
        if (p.isPlaying()) p.cut('cap');
        else p.cancelActive();
        p.replaceWanted(sayExactly(o.closing));
      }
    }
    if (clock.inMs >= o.hardStopAtMs && !byeSent) {
      log.info('realtime cap: hard stop', { atMs: Math.round(clock.inMs) });
      sayBye('cap');
    }
  }

  function maybeGreet() {
    if (greetingSent || !ready || clock.inMs < o.greetingDelayMs || endRequest) return;
    greetingSent = true;
    p.requestResponse(sayExactly(o.greeting));
  }

  /** The hot path (every 20 ms per call): arithmetic and one send, no parsing, no logging. */
  function onCallerAudio(data: string) {
    const startMs = clock.inMs;
    clock.inMs += base64Bytes(data) / BYTES_PER_MS;
    if (ready) append(data, startMs);
    else {
      held.push({ data, startMs });
      if (held.length > o.maxHeldFrames) held.shift();
    }
    if (pendingBarge) checkBarge();
    if (clock.inMs >= o.wrapUpAtMs) checkCap();
    if (!greetingSent) maybeGreet();
    if (transcript.pendingAi > 0) transcript.settle(clock.inMs);
  }

  function onSpeechStopped(itemId: string, audioEndMs: number) {
    const startMs = speechStarts.get(itemId);
    speechStarts.delete(itemId);
    if (pendingBarge?.itemId === itemId) {
      pendingBarge = null;
      if (startMs !== undefined && oaiToIn(audioEndMs) - startMs < o.bargeInMs) {
        // "mm", "ja" over our audio: the customer is listening; no cut and no answer to it
        backChannels++;
        log.debug('realtime back-channel', { atMs: Math.round(startMs) });
        return;
      }
      if (p.canCut()) bargeIn();
    }
    onCustomerTurnEnd();
  }

  function onOpenAI(ev: RealtimeServerEvent) {
    if (ended) return;
    switch (ev.type) {
      case 'response.output_audio.delta':
        return p.onDelta(ev.response_id, ev.item_id, ev.delta);
      case 'session.created':
        if (!sessionSent) {
          sessionSent = true;
          deps.sendOpenAI(o.session);
        }
        return;
      case 'session.updated':
        if (ready) return;
        ready = true;
        timers.clearTimeout(readyTimer);
        log.info('realtime openai ready', { wallMs: deps.now() - startedAt, heldFrames: held.length });
        for (const f of held.splice(0)) append(f.data, f.startMs);
        return maybeGreet();
      case 'error':
        if (!ready) {
          log.warn('realtime openai error before ready', { code: ev.error.code, type: ev.error.type });
          return end('openai_error');
        }
        log.warn('realtime openai error', { code: ev.error.code, type: ev.error.type, message: ev.error.message });
        return;
      case 'input_audio_buffer.speech_started': {
        const startMs = oaiToIn(ev.audio_start_ms);
        speechStarts.set(ev.item_id, startMs);
        transcript.customerStarted(ev.item_id, startMs);
        // the ending line is not cut: the call is over either way
        if (!endRequest && p.isPlaying()) {
          pendingBarge = { itemId: ev.item_id, startMs };
          checkBarge();
        }
        return;
      }
      case 'input_audio_buffer.speech_stopped':
        return onSpeechStopped(ev.item_id, ev.audio_end_ms);
      case 'conversation.item.input_audio_transcription.completed':
        return transcript.customerText(ev.item_id, ev.transcript, clock.inMs);
      case 'conversation.item.input_audio_transcription.failed':
        return transcript.customerFailed(ev.item_id);
      case 'response.created':
        return p.onCreated(ev.response.id);
      case 'response.output_audio_transcript.delta':
        return transcript.aiTextDelta(ev.item_id, ev.delta);
      case 'response.output_audio_transcript.done':
        transcript.aiTextDone(ev.item_id, ev.transcript);
        return transcript.settle(clock.inMs);
      case 'response.function_call_arguments.done': {
        const args = tools.start(ev.name, ev.call_id, ev.arguments);
        if (args && ev.name === 'end_call')
          requestEnd({ reason: 'completed', dialogueReason: typeof args.reason === 'string' ? args.reason : 'completed' });
        return;
      }
      case 'response.done':
        usage = addUsage(usage, ev.response.usage);
        deps.onUsage(usage);
        if (ev.response.id) transcript.aiResponseDone(ev.response.id);
        p.onDone(!byeSent);
        maybeSync();
        return transcript.settle(clock.inMs);
      default:
        return;
    }
  }

  function onElks(msg: ElksInbound) {
    if (ended) return;
    switch (msg.t) {
      case 'audio':
        return onCallerAudio(msg.data);
      case 'sync':
        // everything up to our sync (the ending line) has been played
        if (syncSent) sayBye(endRequest?.reason ?? 'completed');
        return;
      case 'bye':
        if (byeSent) return end(byeSent);
        return end(msg.reason === 'hangup' ? 'hangup' : 'elks_bye');
      default:
        return;
    }
  }

  function end(reason: BridgeEndReason) {
    if (ended) return;
    ended = true;
    timers.clearTimeout(readyTimer);
    if (byeTimer !== null) timers.clearTimeout(byeTimer);
    const elksGone = reason === 'hangup' || reason === 'elks_bye' || reason === 'elks_closed';
    // our bye makes 46elks end the leg and POST `next`: the record loop takes over on a fallback
    if (!byeSent && !elksGone) deps.sendElks({ t: 'bye' });
    transcript.flush(clock.inMs);
    const info = {
      reason,
      fallback: FALLBACK_REASONS.has(reason),
      dialogueReason: endRequest?.dialogueReason ?? null,
      talkMs: Math.round(clock.inMs),
      wallMs: deps.now() - startedAt,
      usage,
      bargeIns,
      backChannels,
    };
    const { usage: _u, ...logged } = info;
    log.info('realtime bridge ended', { ...logged, totalTokens: usage.totalTokens });
    deps.onEnd(info);
  }

  deps.sendElks({ t: 'listening', format: ELKS_FORMAT });
  deps.sendElks({ t: 'sending', format: ELKS_FORMAT });
  return { onElks, onOpenAI, end };
}
