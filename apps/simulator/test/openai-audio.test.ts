import OpenAI, { toFile } from 'openai';
import type { APIError } from 'openai/core/error';
import { checkMp3, frameAt } from '../src/audio/mp3';
import { decodeVoice, voiceDurationSec } from '../src/audio/voice';
import { wavFromSamples } from '../src/audio/wav';
import { buildWav, inspectAudio, parseMp3, parseWav, type Simulators, startSimulators } from '../src/index';
import { resample } from './voice-resample';

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

/** What OpenAI streams before wav speech (RIFF and data sizes 0xFFFFFFFF; /work/notes/openai-audio.md §1). */
const OPENAI_WAV_HEADER = Buffer.from(
  '52 49 46 46 ff ff ff ff 57 41 56 45 66 6d 74 20 10 00 00 00 01 00 01 00 c0 5d 00 00 80 bb 00 00 02 00 10 00 64 61 74 61 ff ff ff ff'.replace(/ /g, ''),
  'hex',
);

/** The raw HTTP answer (headers included) of POST /v1/audio/speech. */
const rawSpeech = async (body: Record<string, unknown>) => {
  const res = await fetch(`${sims.openaiUrl}/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' },
    body: JSON.stringify({ voice: 'coral', ...body }),
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
};

const samplesOf = (pcm: Buffer): Int16Array => new Int16Array(pcm.length / 2).map((_, i) => pcm.readInt16LE(i * 2));

describe('POST /v1/audio/speech', () => {
  test('wav: exactly OpenAI\'s streamed 44-byte header, then s16le mono 24 kHz samples that carry the words; chunked', async () => {
    const { res, bytes } = await rawSpeech({ model: 'gpt-4o-mini-tts', input: GREETING, response_format: 'wav' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^audio\/wav/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    expect(OPENAI_WAV_HEADER).toHaveLength(44);
    expect(bytes.subarray(0, 44)).toEqual(OPENAI_WAV_HEADER);
    expect(bytes.indexOf('LIST')).toBe(-1);
    const samples = samplesOf(bytes.subarray(44));
    expect(samples.length).toBe(Math.round((GREETING.length / 14) * 24000));
    expect(decodeVoice(samples, 24000)).toBe(GREETING);
    const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThanOrEqual(8000);
    expect(peak).toBeLessThanOrEqual(12000);
    // a lenient reader takes the placeholder sizes as "to the end"
    const wav = parseWav(bytes)!;
    expect(wav).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16 });
    expect(wav.durationSec).toBeCloseTo(GREETING.length / 14, 3);
    expect(wav.info).toEqual({});
  });

  test('pcm: the same samples as wav, without the header', async () => {
    const wav = await rawSpeech({ model: 'tts-1', input: GREETING, response_format: 'wav' });
    const pcm = await rawSpeech({ model: 'tts-1', input: GREETING, response_format: 'pcm' });
    expect(pcm.res.headers.get('transfer-encoding')).toBe('chunked');
    expect(pcm.bytes).toEqual(wav.bytes.subarray(44));
    expect(pcm.bytes.length).toBe(Math.round((GREETING.length / 14) * 24000) * 2);
  });

  test.each([
    ['gpt-4o-mini-tts', [0xff, 0xf3, 0xc4, 0xc4], 384],
    ['tts-1', [0xff, 0xf3, 0xe4, 0xc4], 480],
    ['tts-1-hd', [0xff, 0xf3, 0xe4, 0xc4], 480],
  ])('mp3 (%s): bare MPEG-2 Layer III 24 kHz mono CBR frames %j of %i bytes, no ID3/Xing; words in ancillary data', async (model, first, frameBytes) => {
    const { res, bytes } = await rawSpeech({ model, input: GREETING });
    expect(res.headers.get('content-type')).toMatch(/^audio\/mpeg/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect([...bytes.subarray(0, 4)]).toEqual(first);
    expect(bytes.length % frameBytes).toBe(0);
    const frames = bytes.length / frameBytes;
    expect(frames).toBe(Math.ceil(GREETING.length / 14 / 0.024));
    for (let f = 0; f < frames; f++) {
      expect(bytes.subarray(f * frameBytes, f * frameBytes + 4)).toEqual(Buffer.from(first));
      expect(frameAt(bytes, f * frameBytes)).toMatchObject({ length: frameBytes, samples: 576, sampleRate: 24000, channels: 1, crc: false });
    }
    expect(bytes.indexOf('Xing')).toBe(-1);
    expect(bytes.indexOf('Info')).toBe(-1);
    expect(checkMp3(bytes)).toBeNull();
    expect(parseMp3(bytes)!.durationSec).toBeCloseTo((frames * 576) / 24000, 6);
    expect(inspectAudio(bytes)).toMatchObject({ format: 'mp3', text: GREETING });
  });

  test('duration grows with the text and shrinks with speed; only words that need more time lengthen it', async () => {
    const short = inspectAudio((await speech('Tack!', 'wav')).bytes)!;
    const long = inspectAudio((await speech(GREETING, 'wav')).bytes)!;
    const fast = inspectAudio((await speech(GREETING, 'wav', 2)).bytes)!;
    expect(long.durationSec).toBeGreaterThan(short.durationSec);
    expect(fast.durationSec).toBeCloseTo(long.durationSec / 2, 1);
    expect(short.durationSec).toBeCloseTo(voiceDurationSec('Tack!'), 3); // 0.36 s of speech is too short for the words
    expect(short.text).toBe('Tack!');
  });

  test('the words survive the telephone path: 24 kHz wav → 8 kHz canonical WAV → transcription', async () => {
    const text = 'Hej! Vi ringer från Bergmans Järnhandel i Västerås. Fick du den hjälp du behövde av personalen i verktygsavdelningen? Hittade du rätt färg till ditt projekt, och hur gick det i kassan? Svara gärna med några meningar om vad som var bra och vad vi kan göra bättre.';
    const { bytes } = await speech(text, 'wav');
    const phone = wavFromSamples(resample(samplesOf(bytes.subarray(44)), 24000, 8000, 3400), 8000);
    const res = await client.audio.transcriptions.create({ file: await toFile(phone, 'p.wav', { type: 'audio/wav' }), model: 'gpt-4o-mini-transcribe', language: 'sv' });
    expect(res.text).toBe(text);
    const direct = await client.audio.transcriptions.create({ file: await toFile(bytes, 'p.wav', { type: 'audio/wav' }), model: 'whisper-1' });
    expect(direct.text).toBe(text);
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

  test('an MP3 from /audio/speech round-trips; non-audio is a 400', async () => {
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

  const post = async (fields: Record<string, string>, file: Buffer | null = wav) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file) form.append('file', new Blob([file]), 'a.wav');
    const res = await fetch(`${sims.openaiUrl}/audio/transcriptions`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('audio shorter than 0.1 s is OpenAI\'s exact 400 audio_too_short', async () => {
    const expected = {
      error: { message: 'Audio file is too short. Minimum audio length is 0.1 seconds.', type: 'invalid_request_error', param: 'file', code: 'audio_too_short' },
    };
    for (const file of [wavFromSamples(new Int16Array(0), 8000), wavFromSamples(new Int16Array(799), 8000), buildWav({ sampleRate: 24000, durationSec: 0.05, text: 'Ja' })]) {
      expect(await post({ model: 'whisper-1' }, file)).toEqual({ status: 400, body: expected });
    }
    expect((await post({ model: 'whisper-1' }, wavFromSamples(new Int16Array(800), 8000))).status).toBe(200);
  });

  test('language must be ISO-639-1 (two lowercase letters): otherwise a 400 on param language', async () => {
    for (const language of ['swedish', 'SV', 'sv-SE', 's', 'auto', '']) {
      const { status, body } = await post({ model: 'gpt-4o-mini-transcribe', language });
      expect(status).toBe(400);
      expect(body).toEqual({
        error: { message: `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`, type: 'invalid_request_error', param: 'language', code: 'invalid_language_format' },
      });
    }
    for (const language of ['sv', 'en', 'fi']) expect(await post({ model: 'gpt-4o-mini-transcribe', language })).toMatchObject({ status: 200, body: { text: answer } });
  });

  test('silence invents a subtitle phrase, as Whisper-family models do: Swedish for sv or no language, English for en; same audio, same phrase', async () => {
    const swedish = ['Tack för att du tittade!', 'Undertexter från Amara.org-gemenskapen', 'Tack för att ni tittade.', 'Svensktextning.nu'];
    const english = ['Thanks for watching!', 'Thank you.', 'Thank you for watching.'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const silent = buildWav({ sampleRate: 8000, durationSec: 2 + seed / 10, seed });
      const sv = (await post({ model: 'gpt-4o-mini-transcribe', language: 'sv' }, silent)).body.text as string;
      expect(swedish).toContain(sv);
      expect((await post({ model: 'gpt-4o-mini-transcribe' }, silent)).body.text).toBe(sv);
      expect((await post({ model: 'gpt-4o-mini-transcribe', language: 'sv' }, silent)).body.text).toBe(sv);
      expect(english).toContain((await post({ model: 'whisper-1', language: 'en' }, silent)).body.text);
      seen.add(sv);
    }
    expect(seen.size).toBeGreaterThan(1);
    // digital silence, and words in metadata over samples that hold no sound, are silence too
    expect(swedish).toContain((await post({ model: 'whisper-1' }, wavFromSamples(new Int16Array(16000), 8000))).body.text);
    expect(swedish).toContain((await post({ model: 'whisper-1' }, buildWav({ sampleRate: 8000, durationSec: 3, text: 'Ja, det går bra.' }))).body.text);
    // verbose_json marks the invented segment as probably not speech
    const verbose = await post({ model: 'whisper-1', response_format: 'verbose_json' }, buildWav({ sampleRate: 8000, durationSec: 3 }));
    expect(verbose.body).toMatchObject({ language: 'swedish', segments: [{ no_speech_prob: expect.any(Number) }] });
    expect((verbose.body.segments as { no_speech_prob: number }[])[0]!.no_speech_prob).toBeGreaterThan(0.5);
  });
});
