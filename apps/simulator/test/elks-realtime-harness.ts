import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type WebSocket, WebSocketServer } from 'ws';
import { decodeVoice, encodeVoice, voiceDurationSec } from '../src/audio/voice';
import { type PersonaName, type SimulatorOptions, type Simulators, startSimulators } from '../src/index';

/** A stand-in for the backend's realtime side: webhooks over HTTP + the 46elks socket at a secret path. */
export const WS_NUMBER = '+46766869999';
export const SECRET_PATH = '/realtime/46elks/s3cret';
const RATE = 24_000;

export interface Hook {
  kind: string;
  form: Record<string, string>;
}
export interface Utterance {
  text: string | null;
  /** Caller audio ms (frames received × frame length) where the voiced part starts/ends. */
  startMs: number;
  endMs: number;
}
type Msg = Record<string, unknown> & { t: string };

export function within<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`timed out: ${label}`)), ms).unref();
  });
  return Promise.race([p, timeout]);
}

/** Speech as the simulated voices make it: FSK words, max(minimal, words × 0.3 s). */
export const speech = (text: string): Int16Array =>
  encodeVoice(text, RATE, Math.max(voiceDurationSec(text), text.split(/\s+/).length * 0.3));

const b64 = (s: Int16Array): string => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('base64');

/** The backend's end of one 46elks socket. */
export class BackendSocket {
  readonly messages: Msg[] = [];
  readonly utterances: Utterance[] = [];
  callerSamples = 0;
  closed: Promise<number>;
  private waiters: Array<{ t: string; from: number; resolve: (m: Msg) => void }> = [];
  private cursor = 0;
  private heardCursor = 0;
  private utterWaiters: Array<() => void> = [];
  private voiceWaiters: Array<() => void> = [];
  private current: Int16Array[] = [];
  private voicedAt = -1;
  private lastVoiced = -1;
  private silentRun = 0;

  constructor(
    readonly ws: WebSocket,
    readonly req: IncomingMessage,
  ) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as Msg;
      if (msg.t === 'audio') return this.onAudio(new Int16Array(new Uint8Array(Buffer.from(String(msg.data), 'base64')).buffer));
      this.messages.push(msg);
      for (const w of [...this.waiters]) {
        const i = this.messages.findIndex((m, k) => k >= w.from && m.t === w.t);
        if (i >= 0) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(this.messages[i]!);
        }
      }
    });
  }

  send(msg: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The next message of type t (after those already awaited). */
  next(t: string, timeoutMs = 20_000): Promise<Msg> {
    const from = this.cursor;
    const i = this.messages.findIndex((m, k) => k >= from && m.t === t);
    if (i >= 0) {
      this.cursor = i + 1;
      return Promise.resolve(this.messages[i]!);
    }
    return within(
      new Promise<Msg>((resolve) =>
        this.waiters.push({
          t,
          from,
          resolve: (m) => {
            this.cursor = this.messages.indexOf(m) + 1;
            resolve(m);
          },
        }),
      ),
      timeoutMs,
      `message ${t}`,
    );
  }

  /** Sends `text` as speech in 100 ms audio messages at once (faster than real time); returns its ms. */
  say(text: string, samples = speech(text)): number {
    const chunk = RATE / 10;
    for (let i = 0; i < samples.length; i += chunk) this.send({ t: 'audio', data: b64(samples.subarray(i, i + chunk)) });
    return (samples.length / RATE) * 1000;
  }

  /** The persona's next utterance (voiced audio followed by 0.6 s of silence), decoded. */
  async listen(timeoutMs = 20_000): Promise<Utterance> {
    await within(
      new Promise<void>((resolve) => {
        if (this.utterances.length > this.heardCursor) resolve();
        else this.utterWaiters.push(resolve);
      }),
      timeoutMs,
      'persona speech',
    );
    return this.utterances[this.heardCursor++]!;
  }

  /** Resolves at the persona's next voiced audio (a bridge's speech_started). */
  speechStarted(timeoutMs = 20_000): Promise<void> {
    return within(new Promise<void>((resolve) => this.voiceWaiters.push(resolve)), timeoutMs, 'speech start');
  }

  private onAudio(samples: Int16Array): void {
    const start = this.callerSamples;
    if (this.voiceWaiters.length && samples.some((v) => v !== 0)) for (const w of this.voiceWaiters.splice(0)) w();
    this.callerSamples += samples.length;
    let last = -1;
    for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) last = i;
    if (last >= 0) {
      if (this.voicedAt < 0) this.voicedAt = start + samples.findIndex((v) => v !== 0);
      this.lastVoiced = start + last;
      this.silentRun = samples.length - 1 - last;
    } else this.silentRun += samples.length;
    if (this.voicedAt >= 0) this.current.push(samples);
    if (this.voicedAt >= 0 && this.silentRun >= 0.6 * RATE) {
      const all = new Int16Array(this.current.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of this.current) {
        all.set(c, at);
        at += c.length;
      }
      this.utterances.push({ text: decodeVoice(all, RATE), startMs: (this.voicedAt / RATE) * 1000, endMs: ((this.lastVoiced + 1) / RATE) * 1000 });
      this.current = [];
      this.voicedAt = -1;
      for (const w of this.utterWaiters.splice(0)) w();
    }
  }
}

export interface Harness {
  sims: Simulators;
  base: string;
  wsUrl: string;
  hooks: Hook[];
  /** What `next` answers (default: a beep, then the chain ends). */
  nextReply: (form: Record<string, string>) => unknown;
  /** Runs `script` on the next socket 46elks opens; resolves with its result (rejects with its error). */
  expectSocket<T>(script: (s: BackendSocket) => Promise<T>): Promise<T>;
  placeCall(to: string, persona: PersonaName, settings?: { backchannels?: boolean }): Promise<string>;
  /** Audio ms → real ms at the simulator's time scale. */
  wall(audioMs: number): number;
  close(): Promise<void>;
}

export const startHarness = async (opts: SimulatorOptions = {}): Promise<Harness> => {
  const sims = await startSimulators({ timeScale: 0.05, seed: 11, duplicateHangupRate: 0, ...opts });
  const hooks: Hook[] = [];
  const scripts: Array<(s: BackendSocket) => void> = [];
  const harness = { nextReply: (): unknown => ({ play: 'sound/beep' }) } as Pick<Harness, 'nextReply'>;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const kind = (req.url ?? '').slice(1);
      hooks.push({ kind, form });
      const reply = kind === 'vs' ? { connect: WS_NUMBER, next: `${base}/next` } : kind === 'next' ? harness.nextReply(form) : undefined;
      res.writeHead(200, { 'content-type': reply ? 'application/json' : 'text/plain' }).end(reply ? JSON.stringify(reply) : 'OK');
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== SECRET_PATH) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new BackendSocket(ws, req);
      const script = scripts.shift();
      if (script) script(s);
      else ws.close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}${SECRET_PATH}`;
  sims.elks.setWebsocketNumber(WS_NUMBER, wsUrl);
  const auth = `Basic ${Buffer.from(`${sims.options.elksUsername}:${sims.options.elksPassword}`).toString('base64')}`;
  return Object.assign(harness, {
    sims,
    base,
    wsUrl,
    hooks,
    wall: (audioMs: number) => audioMs * sims.options.timeScale,
    expectSocket: <T>(script: (s: BackendSocket) => Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        scripts.push((s) => {
          script(s).then(resolve, (err: unknown) => {
            s.ws.terminate();
            reject(err);
          });
        });
      }),
    placeCall: async (to: string, persona: PersonaName, settings = {}) => {
      sims.elks.setPersona(to, persona, settings);
      const res = await fetch(`${sims.elksUrl}/calls`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ from: '+46766860000', to, voice_start: `${base}/vs`, whenhangup: `${base}/hangup`, timeout: '60' }),
      });
      expect(res.status).toBe(200);
      return String(((await res.json()) as { id: string }).id);
    },
    close: async () => {
      await sims.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  });
};

/** Real-time milliseconds since `t0` (performance.now()). */
export const since = (t0: number): number => performance.now() - t0;
