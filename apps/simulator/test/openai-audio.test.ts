import OpenAI, { toFile } from 'openai';
import type { APIError } from 'openai/core/error';
import { buildWav, inspectAudio, parseMp3, parseWav, type Simulators, startSimulators } from '../src/index';

let sims: Simulators;
let client: OpenAI;
beforeAll(async () => {
  sims = await startSimulators({ seed: 8 });
  client = new OpenAI({ apiKey: 'sk-x', baseURL: sims.openaiUrl, maxRetries: 0 });
});
afterAll(() => sims.stop());

const GREETING = 'Hej! Det här är Samtal som ringer för Lindqvists Livs. Går det bra att vi spelar in ett kort samtal?';
const speech = async (input: string, response_format: 'wav' | 'mp3' | 'pcm', speed?: number) => {
  const res = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input, response_format, ...(speed ? { speed } : {}) });
  return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
};

describe('POST /v1/audio/speech', () => {
  test('wav: PCM16 mono 24 kHz, ≈14 characters per second, text in LIST/INFO ICMT', async () => {
    const { type, bytes } = await speech(GREETING, 'wav');
    expect(type).toMatch(/^audio\/wav/);
    const wav = parseWav(bytes)!;
    expect(wav).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16 });
    expect(wav.durationSec).toBeCloseTo(GREETING.length / 14, 1);
    expect(wav.info.ICMT).toBe(GREETING);
  });

  test('mp3: valid silent MPEG-1 Layer III frames of the right count, text in an ID3 TXXX frame', async () => {
    const { type, bytes } = await speech(GREETING, 'mp3');
    expect(type).toMatch(/^audio\/mpeg/);
    expect(bytes.toString('ascii', 0, 3)).toBe('ID3');
    const mp3 = parseMp3(bytes)!;
    expect(mp3.frames).toBe(Math.ceil(GREETING.length / 14 / 0.024));
    expect(mp3.durationSec).toBeCloseTo(GREETING.length / 14, 1);
    expect(inspectAudio(bytes)).toMatchObject({ format: 'mp3', text: GREETING });
  });

  test('duration grows with the text and shrinks with speed; pcm is raw samples', async () => {
    const short = inspectAudio((await speech('Tack!', 'wav')).bytes)!;
    const long = inspectAudio((await speech(GREETING, 'wav')).bytes)!;
    const fast = inspectAudio((await speech(GREETING, 'wav', 2)).bytes)!;
    expect(long.durationSec).toBeGreaterThan(short.durationSec);
    expect(fast.durationSec).toBeCloseTo(long.durationSec / 2, 1);
    const pcm = await speech(GREETING, 'pcm');
    expect(pcm.bytes.length).toBe(Math.round((GREETING.length / 14) * 24000) * 2);
  });

  test('empty or > 4096 character input is a 400 OpenAI error', async () => {
    await expect(client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: '' })).rejects.toMatchObject({ status: 400, param: 'input' });
    await expect(client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'a'.repeat(4097) })).rejects.toMatchObject({
      status: 400,
      code: 'string_above_max_length',
    });
  });
});

describe('POST /v1/audio/transcriptions', () => {
  const answer = 'Det var bara en kassa öppen så jag stod i kö i tjugo minuter.';
  const wav = buildWav({ sampleRate: 8000, durationSec: 6, text: answer, speech: { startSec: 0.5, endSec: 3 } });

  test('json (default) returns the exact words, with token usage like gpt-4o-mini-transcribe', async () => {
    const res = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav', { type: 'audio/wav' }), model: 'gpt-4o-mini-transcribe', language: 'sv' });
    expect(res.text).toBe(answer);
    expect(res.usage).toMatchObject({ type: 'tokens', output_tokens: Math.ceil(answer.length / 4) });
    const usage = res.usage as { input_tokens: number; output_tokens: number; total_tokens: number };
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  });

  test('text and verbose_json (whisper-1): language name, duration, segments', async () => {
    const text = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-1', response_format: 'text' });
    expect(text).toBe(answer);
    const verbose = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-1', response_format: 'verbose_json' });
    expect(verbose).toMatchObject({ language: 'swedish', duration: 6, text: answer });
    expect(verbose.segments!.length).toBeGreaterThan(0);
    expect(verbose.usage).toEqual({ type: 'duration', seconds: 6 });
  });

  test('verbose_json is refused for gpt-4o-*-transcribe, as OpenAI does', async () => {
    await expect(
      client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'gpt-4o-transcribe', response_format: 'verbose_json' }),
    ).rejects.toMatchObject({ status: 400, param: 'response_format' });
  });

  test('a WAV without text transcribes to ""; an MP3 from /audio/speech round-trips; non-audio is a 400', async () => {
    const silent = buildWav({ sampleRate: 8000, durationSec: 3 });
    expect((await client.audio.transcriptions.create({ file: await toFile(silent, 's.wav'), model: 'gpt-4o-mini-transcribe' })).text).toBe('');
    const mp3 = (await speech('Hittade du allt du letade efter?', 'mp3')).bytes;
    expect((await client.audio.transcriptions.create({ file: await toFile(mp3, 'q.mp3'), model: 'whisper-1' })).text).toBe('Hittade du allt du letade efter?');
    const err = await client.audio.transcriptions
      .create({ file: await toFile(Buffer.from('<html>not audio</html>'), 'x.wav'), model: 'whisper-1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).message).toMatch(/Invalid file format/);
  });

  test('missing model or a JSON body is a 400 OpenAI error', async () => {
    const form = new FormData();
    form.append('file', new Blob([wav]), 'a.wav');
    const res = await fetch(`${sims.openaiUrl}/audio/transcriptions`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('model');
    const json = await fetch(`${sims.openaiUrl}/audio/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
  });
});
