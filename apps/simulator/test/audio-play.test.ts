import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import OpenAI from 'openai';
import { buildMp3 } from '../src/audio/mp3';
import { encodeVoice } from '../src/audio/voice';
import { buildWav, wavFromSamples } from '../src/audio/wav';
import { type Simulators, startSimulators } from '../src/index';
import { resample } from './voice-resample';

/**
 * 46elks `play` is a strict listener: it refuses a WAV whose header disagrees with the file (as
 * OpenAI's streamed WAV does) and an MP3 that is not whole frames, and the callee hears only the words
 * the sound carries (the simulated voice in the samples, MP3 ancillary data), never metadata.
 */

const QUESTION = 'Hur upplevde du frukt- och gröntavdelningen idag? Var det något som saknades?';

let sims: Simulators;
let server: Server;
let base = '';
const files = new Map<string, { type: string; bytes: Buffer }>();

const samplesOf = (pcm: Buffer): Int16Array => new Int16Array(pcm.length / 2).map((_, i) => pcm.readInt16LE(i * 2));

/** G.711 µ-law encoding of one linear 16-bit sample. */
const linearToUlaw = (sample: number): number => {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(32635, Math.abs(sample)) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return magnitude;
};

/** A canonical WAV with a custom format: µ-law mono, or 16-bit stereo. */
const customWav = (format: 'ulaw' | 'stereo', samples: Int16Array, rate: number): Buffer => {
  const channels = format === 'stereo' ? 2 : 1;
  const width = format === 'stereo' ? 2 : 1;
  const data = Buffer.alloc(samples.length * channels * width);
  for (let i = 0; i < samples.length; i++) {
    if (format === 'ulaw') data[i] = linearToUlaw(samples[i]!);
    else {
      data.writeInt16LE(samples[i]!, i * 4);
      data.writeInt16LE(((i * 7919) % 4000) - 2000, i * 4 + 2); // noise on channel 1
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format === 'ulaw' ? 7 : 1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * width, 28);
  header.writeUInt16LE(channels * width, 32);
  header.writeUInt16LE(width * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
};

beforeAll(async () => {
  sims = await startSimulators({ timeScale: 0.01, seed: 21, duplicateHangupRate: 0 });
  const openai = new OpenAI({ apiKey: 'sk-x', baseURL: sims.openaiUrl, maxRetries: 0 });
  const tts = async (format: 'wav' | 'mp3') =>
    Buffer.from(await (await openai.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: QUESTION, response_format: format })).arrayBuffer());
  const streamed = await tts('wav');
  const voice24k = samplesOf(streamed.subarray(44));
  const phone = resample(voice24k, 24000, 8000, 3400);
  const mp3 = await tts('mp3');
  files.set('openai.wav', { type: 'audio/wav', bytes: streamed });
  files.set('phone.wav', { type: 'audio/wav', bytes: wavFromSamples(phone, 8000) });
  files.set('ulaw.wav', { type: 'audio/wav', bytes: customWav('ulaw', phone, 8000) });
  files.set('stereo.wav', { type: 'audio/wav', bytes: customWav('stereo', resample(voice24k, 24000, 16000), 16000) });
  files.set('words-in-metadata.wav', { type: 'audio/wav', bytes: buildWav({ sampleRate: 8000, durationSec: 2, text: QUESTION, speech: { startSec: 0.2, endSec: 1.8 } }) });
  files.set('tts.mp3', { type: 'audio/mpeg', bytes: mp3 });
  files.set('cut.mp3', { type: 'audio/mpeg', bytes: mp3.subarray(0, mp3.length - 100) });
  files.set('silent.mp3', { type: 'audio/mpeg', bytes: buildMp3(2) });
  files.set('voice-8k-short.wav', { type: 'audio/wav', bytes: wavFromSamples(encodeVoice('Hej!', 8000, 1), 8000) });
  files.set('opus.ogg', { type: 'audio/ogg', bytes: oggFirstPage(Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0])])) });
  files.set('vorbis.ogg', {
    type: 'audio/ogg',
    bytes: oggFirstPage(Buffer.concat([Buffer.from([1]), Buffer.from('vorbis'), Buffer.from([0, 0, 0, 0, 1, 0x40, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb8, 1])])),
  });

  const app = express();
  app.get('/:file', (req, res) => {
    const file = files.get(req.params.file);
    if (!file) return res.status(404).send('no such file');
    res.type(file.type).send(file.bytes);
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await sims.stop();
});

/** One Ogg page holding `packet` (CRC left 0: the player reads the codec header, not the checksum). */
function oggFirstPage(packet: Buffer): Buffer {
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'ascii');
  header[5] = 2; // beginning of stream
  header.writeBigUInt64LE(16_000n, 6); // granule: 2 s at 8 kHz (Vorbis) / 1/3 s at 48 kHz (Opus)
  header[26] = 1;
  return Buffer.concat([header, Buffer.from([packet.length]), packet]);
}

let phoneNumber = 46_702_300_000;
/** Places a call whose voice_start plays `file` and hangs up; resolves with the finished call's record. */
const play = async (file: string) => {
  const to = `+${++phoneNumber}`;
  const auth = `Basic ${Buffer.from(`${sims.options.elksUsername}:${sims.options.elksPassword}`).toString('base64')}`;
  const res = await fetch(`${sims.elksUrl}/calls`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ from: '+46766860000', to, voice_start: JSON.stringify({ play: `${base}/${file}`, next: { hangup: 'done' } }) }),
  });
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  return sims.elks.waitForCall(id);
};

describe('46elks play: strict about the file, hears only the sound', () => {
  test("OpenAI's streamed WAV (sizes 0xFFFFFFFF) fails the play with a clear error", async () => {
    const call = await play('openai.wav');
    const played = call.played[0]!;
    expect(played.ok).toBe(false);
    expect(played.heard).toBeNull();
    const length = files.get('openai.wav')!.bytes.length;
    expect(played.error).toContain(`WAV header says RIFF size 4294967295 but the file has ${length} bytes`);
    expect(call.actions[0]).toMatchObject({ play: `${base}/openai.wav`, result: 'failed' });
  });

  test('a canonical 8 kHz PCM WAV carrying the words is played and heard', async () => {
    const call = await play('phone.wav');
    expect(call.played[0]).toMatchObject({ ok: true, format: 'wav', heard: QUESTION });
    expect(call.played[0]!.durationSec).toBeCloseTo(files.get('phone.wav')!.bytes.length / 16000, 1);
    expect(call.actions[0]).toMatchObject({ play: `${base}/phone.wav`, result: 'success' });
  });

  test('µ-law 8 kHz and 16 kHz stereo (channel 0) WAVs are heard too', async () => {
    expect((await play('ulaw.wav')).played[0]).toMatchObject({ ok: true, heard: QUESTION });
    expect((await play('stereo.wav')).played[0]).toMatchObject({ ok: true, heard: QUESTION });
    expect((await play('voice-8k-short.wav')).played[0]).toMatchObject({ ok: true, heard: 'Hej!' });
  });

  test('words only in a LIST/INFO ICMT chunk are not heard (a listener does not read metadata)', async () => {
    expect((await play('words-in-metadata.wav')).played[0]).toMatchObject({ ok: true, format: 'wav', heard: null });
  });

  test('Ogg: Vorbis is played; Opus (OpenAI\'s `opus`) is refused — 46elks documents "OGG Vorbis"', async () => {
    expect((await play('vorbis.ogg')).played[0]).toMatchObject({ ok: true, format: 'ogg' });
    const opus = (await play('opus.ogg')).played[0]!;
    expect(opus.ok).toBe(false);
    expect(opus.error).toMatch(/Ogg Opus, not Ogg Vorbis/);
  });

  test('MP3: whole frames are played and their ancillary words heard; a file cut inside a frame fails', async () => {
    expect((await play('tts.mp3')).played[0]).toMatchObject({ ok: true, format: 'mp3', heard: QUESTION });
    expect((await play('silent.mp3')).played[0]).toMatchObject({ ok: true, heard: null });
    const cut = await play('cut.mp3');
    expect(cut.played[0]!.ok).toBe(false);
    expect(cut.played[0]!.error).toMatch(/MP3 ends inside frame \d+: it starts at byte \d+ and needs 384 bytes, only 284 are left/);
  });
});
