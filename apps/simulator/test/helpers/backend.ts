import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import OpenAI from 'openai';
import type { Simulators } from '../../src/index';

/** The Swedish call script a store's backend plays (greeting → consent → questions → closing). */
export const SCRIPTS = {
  grocery: {
    greeting:
      'Hej! Det här är Samtal som ringer för Lindqvists Livs i Uppsala angående ditt köp idag. Vi vill gärna höra vad du tyckte, och som tack får du cashback på ditt köp. Samtalet spelas in så att vi kan sammanfatta din feedback. Går det bra att vi spelar in ett kort samtal?',
    questions: [
      'Hur upplevde du frukt- och gröntavdelningen idag?',
      'Hittade du allt du letade efter?',
      'Hur var väntetiden i kassan?',
      'Finns det något vi kan förbättra?',
    ],
  },
  hardware: {
    greeting:
      'Hej! Det här är Samtal som ringer för Bergmans Järnhandel i Västerås angående ditt köp idag. Som tack för din feedback får du cashback. Samtalet spelas in. Går det bra att vi spelar in ett kort samtal?',
    questions: [
      'Fick du den hjälp du behövde av personalen i verktygsavdelningen?',
      'Hittade du rätt färg till ditt projekt?',
      'Hur gick det i kassan?',
    ],
  },
} as const;
export const FOLLOW_UP = 'Kan du berätta lite mer om det?';
export const CLOSING = 'Tack så mycket för dina svar! Din cashback kommer inom kort. Ha en fin dag, hej då!';

export type Kind = 'voice_start' | 'next' | 'recording' | 'hangup';
export interface Received {
  seq: number;
  kind: Kind;
  callId: string;
  form: Record<string, string>;
  authorization: string | null;
  path: string;
}
export interface Reply {
  status: number;
  body?: string;
  delayMs?: number;
}
export type Override = (kind: Kind, form: Record<string, string>, nth: number) => Reply | undefined;

export interface BackendOptions {
  store?: keyof typeof SCRIPTS;
  /** How many of the store's questions to ask. */
  questions?: number;
  followUp?: boolean;
  audioFormat?: 'wav' | 'mp3';
  /** Answer some webhooks differently (status/body); nth counts per kind from 1. */
  override?: Override;
}

export interface FakeBackend {
  url: string;
  received: Received[];
  openai: OpenAI;
  audioUrl(text: string): string;
  placeCall(to: string, extra?: Record<string, string>): Promise<{ status: number; text: string; json: Record<string, unknown> | null }>;
  downloadRecording(wavUrl: string, auth?: boolean): Promise<{ status: number; bytes: Buffer }>;
  transcribe(bytes: Buffer, responseFormat?: 'json' | 'text' | 'verbose_json', model?: string, language?: string | null): Promise<unknown>;
  close(): Promise<void>;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** A small stand-in for apps/backend: answers 46elks webhooks with the record loop and serves TTS audio. */
export const startFakeBackend = async (sims: Simulators, options: BackendOptions = {}): Promise<FakeBackend> => {
  const script = SCRIPTS[options.store ?? 'grocery'];
  const questions = script.questions.slice(0, options.questions ?? 3);
  const format = options.audioFormat ?? 'wav';
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: sims.openaiUrl, maxRetries: 0 });
  const audio = new Map<string, Buffer>();
  for (const text of [script.greeting, ...questions, FOLLOW_UP, CLOSING]) {
    const res = await openai.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: text, response_format: format });
    const bytes = Buffer.from(await res.arrayBuffer());
    // OpenAI streams WAV with RIFF/data sizes 0xFFFFFFFF; a strict player (46elks) refuses that, so a
    // client must write the real sizes before serving the file (the backend also resamples to 8 kHz).
    if (format === 'wav') {
      bytes.writeUInt32LE(bytes.length - 8, 4);
      bytes.writeUInt32LE(bytes.length - 44, 40);
    }
    audio.set(hash(text), bytes);
  }
  const received: Received[] = [];
  const counts: Record<Kind, number> = { voice_start: 0, next: 0, recording: 0, hangup: 0 };
  const turns = new Map<string, number>();
  let base = '';
  const audioUrl = (text: string): string => `${base}/audio/${hash(text)}.${format}`;
  const record = (): Record<string, unknown> => ({ record: `${base}/rec`, timelimit: 30, silencedetection: 'yes', next: `${base}/next` });
  const prompts = options.followUp ? [questions[0], FOLLOW_UP, ...questions.slice(1)] : [...questions];

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.get('/audio/:file', (req, res) => {
    const bytes = audio.get(req.params.file.replace(/\.(wav|mp3)$/, ''));
    if (!bytes) return res.status(404).send('no such audio');
    res.type(format === 'wav' ? 'audio/wav' : 'audio/mpeg').send(bytes);
  });
  app.get('/not-audio.mp3', (_req, res) => {
    res.type('text/html').send('<html><body>Sorry, not audio</body></html>');
  });
  const hook = (kind: Kind, reply: (form: Record<string, string>) => unknown) =>
    app.post(`/${kind === 'voice_start' ? 'vs' : kind === 'recording' ? 'rec' : kind}{/*rest}`, async (req, res) => {
      const form = req.body as Record<string, string>;
      const nth = ++counts[kind];
      received.push({ seq: received.length, kind, callId: form.callid ?? form.id ?? '', form, authorization: req.headers.authorization ?? null, path: req.path });
      const over = options.override?.(kind, form, nth);
      if (over?.delayMs) await new Promise((r) => setTimeout(r, over.delayMs));
      if (over && over.status > 0) return res.status(over.status).type('application/json').send(over.body ?? '');
      const body = reply(form);
      if (body === undefined) return res.status(200).type('text/plain').send('OK');
      res.json(body);
    });
  hook('voice_start', () => ({ play: audioUrl(script.greeting), next: record() }));
  hook('next', (form) => {
    const turn = (turns.get(form.callid ?? '') ?? 0) + 1;
    turns.set(form.callid ?? '', turn);
    const prompt = prompts[turn - 1];
    if (prompt === undefined) return { play: audioUrl(CLOSING) };
    return { play: audioUrl(prompt), next: record() };
  });
  hook('recording', () => undefined);
  hook('hangup', () => undefined);

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = `Basic ${Buffer.from(`${sims.options.elksUsername}:${sims.options.elksPassword}`).toString('base64')}`;

  return {
    url: base,
    received,
    openai,
    audioUrl,
    placeCall: async (to, extra = {}) => {
      const res = await fetch(`${sims.elksUrl}/calls`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ from: '+46766860000', to, voice_start: `${base}/vs`, whenhangup: `${base}/hangup`, timeout: '60', ...extra }),
      });
      const text = await res.text();
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = null;
      }
      return { status: res.status, text, json };
    },
    downloadRecording: async (wavUrl, withAuth = true) => {
      const res = await fetch(wavUrl, withAuth ? { headers: { authorization: auth } } : {});
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    },
    transcribe: async (bytes, responseFormat = 'json', model = 'gpt-4o-mini-transcribe', language = 'sv') => {
      const file = await OpenAI.toFile(bytes, 'answer.wav', { type: 'audio/wav' });
      return openai.audio.transcriptions.create({ file, model, response_format: responseFormat, ...(language ? { language } : {}) });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
