import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { StoppedError } from '../../shared/clock';
import type { PersonaOptions } from '../personas/realtime';
import type { Run } from '../run';
import { RealtimeCallee } from './callee';
import { Playout } from './playout';
import { type LegOutcome, MAX_BUFFER_BYTES, PCM_RATES, type RealtimeRecord, type WebsocketNumber } from './types';

export interface LegResult {
  outcome: LegOutcome;
  reason: string;
  /** Real ms from dialling the socket to its opening (0 when it never opened). */
  connectMs: number;
  /** Audio ms the leg lasted. */
  durationMs: number;
}

/** Real ms 46elks waits for the upgrade. */
const HANDSHAKE_TIMEOUT_MS = 5000;
/** Most real ms of audio caught up in one timer tick; beyond that the clock slips (see `slipMs`). */
const MAX_CATCH_UP_WALL_MS = 10;
const DEFAULT_RATE = 24_000;
const MAX_WARNINGS = 5;

type Inbound = { t?: unknown; format?: unknown; data?: unknown };

/**
 * One WebSocket leg, as 46elks Realtime Voice runs it: dials the number's URL, sends `hello`, streams the
 * caller's audio (one frame per frame of audio time, × the time scale) once we sent `listening`, plays
 * our audio after `sending` at real-time pace, answers `sync` once played, honours `interrupt` and `bye`.
 * Resolves when the leg ends (never rejects, except StoppedError when the simulator stops).
 */
export const runLeg = (run: Run, target: WebsocketNumber, rec: RealtimeRecord, options: PersonaOptions): Promise<LegResult> =>
  new Promise<LegResult>((resolve, reject) => {
    const { ctx, call } = run;
    const { signal } = ctx.scheduler;
    const frameMs = target.frame_ms;
    const frameWall = frameMs * ctx.scheduler.timeScale;
    const maxLagFrames = Math.max(4, Math.ceil(MAX_CATCH_UP_WALL_MS / frameWall));
    const dialled = performance.now();
    const playout = new Playout();
    const callee = new RealtimeCallee(run, rec, options, frameMs);
    let connectMs = 0;
    let t0 = 0;
    let frames = 0;
    let finished = false;
    let listeningRate: number | null = null;
    let playRate = DEFAULT_RATE;
    let armed = false;
    let byeReceived = false;
    let warnings = 0;
    let cancelTick: () => void = () => {};

    const warn = (text: string): void => {
      if (warnings++ < MAX_WARNINGS) call.warnings.push(`realtime: ${text}`);
    };
    const send = (msg: Record<string, unknown>): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };
    const finish = (outcome: LegOutcome, reason: string, bye?: { reason: string; message: string }): void => {
      if (finished) return;
      finished = true;
      cancelTick();
      signal.removeEventListener('abort', onAbort);
      if (bye) send({ t: 'bye', ...bye });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      rec.state = 'ended';
      rec.outcome = outcome;
      rec.reason = reason;
      rec.durationMs = frames * frameMs;
      resolve({ outcome, reason, connectMs, durationMs: frames * frameMs });
    };
    const onAbort = (): void => {
      if (finished) return;
      finished = true;
      cancelTick();
      ws.terminate();
      reject(new StoppedError());
    };
    const replySync = (): void => {
      rec.counts.syncReplies++;
      send({ t: 'sync' });
    };

    const stepFrame = (): void => {
      const t = frames * frameMs;
      const played = playout.take(Math.round((playRate * 2 * frameMs) / 1000));
      for (let i = 0; i < played.syncs; i++) replySync();
      const out = callee.step(t, played.samples, playRate, listeningRate ?? DEFAULT_RATE);
      frames++;
      rec.durationMs = frames * frameMs;
      if (byeReceived) {
        if (playout.empty()) finish('done', 'we sent bye', { reason: 'done', message: 'the call was ended by the application' });
        return;
      }
      if (listeningRate === null) rec.counts.callerFramesBeforeListening++;
      else {
        send({ t: 'audio', data: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64') });
        rec.counts.callerFramesSent++;
      }
      if (callee.hangupReason) finish('hangup', callee.hangupReason, { reason: 'hangup', message: 'the caller hung up' });
    };

    const tick = (): void => {
      if (finished) return;
      let due = Math.floor((performance.now() - t0) / frameWall);
      rec.maxLagMs = Math.max(rec.maxLagMs, (due - frames) * frameMs);
      if (due - frames > maxLagFrames) {
        // The process stalled (GC, a busy machine): the clock slips rather than bursting seconds of audio
        // at once, which would make our messages arrive seconds late in audio time.
        const slip = due - frames - maxLagFrames;
        t0 += slip * frameWall;
        due -= slip;
        rec.slipMs += slip * frameMs;
      }
      while (frames < due && !finished) stepFrame();
      if (finished) return;
      cancelTick = ctx.scheduler.after(Math.max(0, t0 + (frames + 1) * frameWall - performance.now()), tick);
    };

    const formatRate = (msg: Inbound, what: string): number | null => {
      const rate = typeof msg.format === 'string' ? PCM_RATES[msg.format] : undefined;
      if (rate !== undefined) return rate;
      const message = `${what} format ${JSON.stringify(msg.format)} is not simulated (pcm_8000/16000/24000 only)`;
      warn(message);
      finish('failed', message, { reason: 'error', message });
      return null;
    };

    const onMessage = (raw: WebSocket.RawData, isBinary: boolean): void => {
      if (finished) return;
      let msg: Inbound;
      try {
        if (isBinary) throw new Error('binary frame');
        msg = JSON.parse(raw.toString()) as Inbound;
        if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
      } catch {
        rec.counts.unknownMessages++;
        warn('a message that is not a JSON object was ignored');
        return;
      }
      switch (msg.t) {
        case 'listening': {
          const rate = formatRate(msg, 'listening');
          if (rate === null) return;
          listeningRate = rate;
          rec.listeningFormat = String(msg.format);
          return;
        }
        case 'sending': {
          const rate = formatRate(msg, 'sending');
          if (rate === null) return;
          playRate = rate;
          armed = true;
          rec.counts.sendings++;
          rec.sendingFormat = String(msg.format);
          return;
        }
        case 'audio': {
          rec.counts.audioReceived++;
          if (!armed || byeReceived || typeof msg.data !== 'string') {
            rec.counts.ignoredAudioFrames++;
            return;
          }
          playout.push(Buffer.from(msg.data, 'base64'));
          rec.maxBufferedBytes = Math.max(rec.maxBufferedBytes, playout.bytes);
          if (playout.bytes > MAX_BUFFER_BYTES) {
            const message = `playout buffer over ${MAX_BUFFER_BYTES / 1e6} MB`;
            warn(message);
            finish('failed', message, { reason: 'error', message });
          }
          return;
        }
        case 'interrupt': {
          rec.counts.interrupts++;
          armed = false;
          const dropped = playout.clear();
          for (let i = 0; i < dropped; i++) replySync();
          callee.interrupted();
          return;
        }
        case 'sync':
          rec.counts.syncs++;
          if (playout.empty()) replySync();
          else playout.pushSync();
          return;
        case 'bye':
          byeReceived = true;
          return;
        default:
          rec.counts.unknownMessages++;
          warn(`unknown message t=${JSON.stringify(msg.t)} ignored`);
      }
    };

    let ws: WebSocket;
    try {
      ws = new WebSocket(target.websocket_url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    } catch (err) {
      rec.state = 'ended';
      rec.outcome = 'failed';
      rec.reason = `could not connect: ${(err as Error).message}`;
      resolve({ outcome: 'failed', reason: rec.reason, connectMs: 0, durationMs: 0 });
      return;
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    ws.on('open', () => {
      connectMs = performance.now() - dialled;
      rec.state = 'open';
      rec.hello = { callid: call.id, from: call.from, to: call.to };
      send({ t: 'hello', ...rec.hello });
      t0 = performance.now();
      tick();
    });
    ws.on('message', onMessage);
    ws.on('error', (err) => {
      finish('failed', rec.hello ? `socket error: ${err.message}` : `could not connect: ${err.message}`);
    });
    ws.on('close', (code) => {
      if (byeReceived) finish('done', 'we sent bye and closed the socket');
      else finish('failed', `the socket closed without bye (code ${code})`);
    });
  });
