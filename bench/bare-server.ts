/**
 * The baseline for webhook latency: a bare Express app that answers the 46elks simulator with
 * static actions — no Redis, no Postgres, no tokens, no queues — in the same call shape as the
 * backend (greeting → next → record → next → "Tack." → next → question → next → record … → closing:
 * each play with a `next` of its own, as the backend answers since issue 11, so both get as many
 * webhooks), with its own static WAVs (same texts and lengths as the backend's TTS prompts, so the
 * simulated callee talks and waits the same) and its own recording and hangup handlers; it fetches
 * each recording after answering, as the backend's speech-to-text job does, so the load generator
 * does the same work in both phases.
 *
 *   BENCH_BARE_PORT=46999 npx tsx bench/bare-server.ts      # prints "bare server listening on <port>"
 *
 * It times its own handlers the way the backend does (from the handler's start until the answer
 * is sent, `res.on('finish')`), so the bench can compare in-process handling times too:
 * GET /bare/stats gives the samples per kind, POST /bare/reset clears them.
 */
import http from 'node:http';
import express from 'express';
import { buildWav } from '../apps/simulator/src/audio/wav';

const PORT = Number(process.env.BENCH_BARE_PORT ?? 0);
const HOST = process.env.BENCH_BARE_HOST ?? '127.0.0.1';

/** The grocery store's script as the backend renders it (the simulated callee reads the text). */
const PROMPTS = {
  greeting:
    'Hej! Det här är Samtal, en automatisk tjänst som ringer på uppdrag av Lindqvists Livs. ' +
    'Svarar du på några korta frågor kan du få återbäring på ditt köp. ' +
    'Samtalet tar en till två minuter. Går det bra att vi spelar in ett kort samtal?',
  'ack-0': 'Tack.',
  'ack-1': 'Okej, tack.',
  'ack-2': 'Jag förstår.',
  'q-1': 'Hur tyckte du att frukt- och gröntavdelningen såg ut idag, till exempel fräschören och utbudet?',
  'q-2': 'Hittade du allt du letade efter, eller var det någon vara som saknades?',
  'q-3': 'Hur upplevde du ditt besök i butiken som helhet?',
  closing:
    'Tack så mycket för dina svar, de hjälper butiken att bli bättre. ' +
    'Du får besked om din återbäring när vi har gått igenom dina synpunkter. Ha en fin dag, hej då!',
} as const;
type PromptName = keyof typeof PROMPTS;

/** Same length as the OpenAI simulator's TTS (characters ÷ 14 s); 8 kHz keeps the files small. */
const WAVS = new Map<string, Buffer>(
  Object.entries(PROMPTS).map(([name, text], i) => [
    `${name}.wav`,
    buildWav({ sampleRate: 8000, durationSec: Math.max(0.3, text.length / 14), text, speech: null, seed: i + 1 }),
  ]),
);

const ELKS_AUTH = `Basic ${Buffer.from('u_sim:p_sim').toString('base64')}`;

/** Questions after the consent answer (turn 0); then the closing. */
const QUESTIONS = 3;
const RECORD_LIMIT_S = { consent: 12, answer: 25 };

export function buildBareApp(publicBaseUrl: string): express.Express {
  const audio = (name: PromptName) => `${publicBaseUrl}/audio/${name}.wav`;
  const hook = (kind: 'recording' | 'next', n: number, step = '') => `${publicBaseUrl}/webhooks/${kind}?n=${n}${step}`;
  const record = (n: number, limit: number) =>
    JSON.stringify({ record: hook('recording', n), timelimit: limit, silencedetection: 'yes', next: hook('next', n) });
  // The backend's protocol (issue 11): each prompt is played with a `next` of its own (p=1) and the
  // recording starts only when 46elks reports the play succeeded — so as many webhooks as the backend.
  // Every answer is a string built once at start-up; a handler only picks one.
  const voiceStart = JSON.stringify({ play: audio('greeting'), skippable: false, next: hook('next', 0, '&p=1') });
  const records = Array.from({ length: QUESTIONS + 1 }, (_, n) => record(n, n === 0 ? RECORD_LIMIT_S.consent : RECORD_LIMIT_S.answer));
  const acknowledge = Array.from({ length: QUESTIONS }, (_, n) =>
    JSON.stringify({ play: audio(`ack-${n % 3}` as PromptName), skippable: false, next: hook('next', n, '&f=1') }),
  );
  const ask = Array.from({ length: QUESTIONS }, (_, n) =>
    JSON.stringify({ play: audio(`q-${n + 1}` as PromptName), skippable: false, next: hook('next', n + 1, '&p=1') }),
  );
  const closing = JSON.stringify({ play: audio('closing'), skippable: false });

  const samples: Record<string, number[]> = { 'voice-start': [], next: [], rec: [], hangup: [] };
  const timed = (kind: string, res: express.Response) => {
    const started = performance.now();
    res.on('finish', () => samples[kind]!.push(Math.round((performance.now() - started) * 100) / 100));
  };
  const sendJson = (res: express.Response, body: string) => res.type('application/json').send(body);

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  app.get('/audio/:file', (req, res) => {
    const wav = WAVS.get(req.params.file);
    if (!wav) return void res.status(404).end();
    res.type('audio/wav').send(wav);
  });
  app.use('/webhooks', express.urlencoded({ extended: false, limit: '64kb' }));
  app.post('/webhooks/voice-start', (_req, res) => {
    timed('voice-start', res);
    sendJson(res, voiceStart);
  });
  app.post('/webhooks/next', (req, res) => {
    timed('next', res);
    const n = Number(req.query.n ?? 0);
    if (req.query.p === '1') return void sendJson(res, records[n]!);
    if (n >= QUESTIONS) return void sendJson(res, closing);
    sendJson(res, req.query.f === '1' ? ask[n]! : acknowledge[n]!);
  });
  app.post('/webhooks/recording', (req, res) => {
    timed('rec', res);
    res.status(204).end();
    // As the backend's speech-to-text job does, after answering: fetch the recording (so the load
    // generator serves the same downloads in both phases), and drop it.
    const wav = typeof req.body?.wav === 'string' ? req.body.wav : null;
    if (wav) fetch(wav, { headers: { authorization: ELKS_AUTH } }).then((r) => r.arrayBuffer(), () => null).catch(() => null);
  });
  app.post('/webhooks/hangup', (_req, res) => {
    timed('hangup', res);
    res.status(204).end();
  });
  app.get('/bare/stats', (_req, res) => void res.json({ samples }));
  app.post('/bare/reset', (_req, res) => {
    for (const k of Object.keys(samples)) samples[k] = [];
    res.status(204).end();
  });
  return app;
}

if (require.main === module) {
  // The app is attached once the port is known (PORT=0 asks the OS), so no wrapper sits in front.
  const server = http.createServer();
  server.listen(PORT, HOST, () => {
    const port = (server.address() as { port: number }).port;
    server.on('request', buildBareApp(process.env.BENCH_BARE_PUBLIC_URL ?? `http://${HOST}:${port}`));
    process.stdout.write(`bare server listening on ${port}\n`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
