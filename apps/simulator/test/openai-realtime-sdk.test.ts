import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { decodeVoice, encodeVoice, voiceDurationSec } from '../src/audio/voice';
import { type Simulators, startSimulators } from '../src/index';

const KEY = 'sk-sdk-realtime-654321';
let dir: string;
let cert: string;
let sims: Simulators;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rt-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  sims = await startSimulators({ seed: 5, timeScale: 0.2, openaiApiKey: KEY, openaiTls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert } });
});
afterAll(async () => {
  await sims?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the official OpenAIRealtimeWS client completes a turn over wss:// (events typed as RealtimeServerEvent)', async () => {
  expect(sims.openaiTlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
  const client = new OpenAI({ apiKey: KEY, baseURL: sims.openaiTlsUrl });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime-2.1-mini', options: { ca: cert } }, client);
  expect(rt.url.protocol).toBe('wss:');
  const events: RealtimeServerEvent[] = [];
  const errors: Error[] = [];
  rt.on('error', (e) => errors.push(e));
  const waiters: (() => void)[] = [];
  rt.on('event', (e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  const next = <T extends RealtimeServerEvent['type']>(type: T, from: number): Promise<Extract<RealtimeServerEvent, { type: T }>> =>
    new Promise((resolve) => {
      const check = () => {
        const hit = events.slice(from).find((e) => e.type === type);
        if (hit) resolve(hit as Extract<RealtimeServerEvent, { type: T }>);
        else waiters.push(check);
      };
      check();
    });

  await next('session.created', 0);
  let m = events.length;
  rt.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: 'Du är Samtal.',
      output_modalities: ['audio'],
      tools: [{ type: 'function', name: 'set_consent', description: 'consent', parameters: { type: 'object', properties: { granted: { type: 'boolean' } } } }],
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'gpt-realtime-whisper', language: 'sv' },
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 300, create_response: false, interrupt_response: false },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
      },
    },
  });
  await next('session.updated', m);

  m = events.length;
  const text = 'Ja, absolut';
  const samples = encodeVoice(text, 24000, voiceDurationSec(text));
  const bytes = Buffer.concat([Buffer.from(samples.buffer), Buffer.alloc(600 * 48)]);
  for (let at = 0; at < bytes.length; at += 960) rt.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(at, at + 960).toString('base64') });
  expect((await next('conversation.item.input_audio_transcription.completed', m)).transcript).toBe(text);

  m = events.length;
  rt.send({ type: 'response.create' });
  const call = await next('response.function_call_arguments.done', m);
  expect(call.name).toBe('set_consent');
  await next('response.done', m);

  m = events.length;
  const say = 'Tack! Första frågan kommer nu.';
  rt.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ say, expect: 'answer', question_index: 0 }) } });
  rt.send({ type: 'response.create' });
  const done = await next('response.done', m);
  const audio = Buffer.concat(events.slice(m).flatMap((e) => (e.type === 'response.output_audio.delta' ? [Buffer.from(e.delta, 'base64')] : [])));
  expect(decodeVoice(new Int16Array(audio.buffer, audio.byteOffset, audio.length / 2), 24000)).toBe(say);
  expect(done.response.status).toBe('completed');
  expect(done.response.usage?.output_token_details?.audio_tokens).toBe(Math.ceil(audio.length / 48 / 50));
  expect(errors).toEqual([]);
  const closed = new Promise((resolve) => rt.socket.once('close', resolve));
  rt.close();
  await closed;
});
