import { checkSpeech, decodeWav, encodeWav, type Pcm, resample, wavDurationMs } from './audio';

/** A tone (or silence) as 16-bit PCM. */
const tone = (rate: number, seconds: number, hz: number, amplitude: number): Pcm => {
  const samples = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return { sampleRate: rate, samples };
};

const rms = (s: Int16Array, from = 0, to = s.length) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += s[i]! * s[i]!;
  return Math.sqrt(sum / (to - from));
};

/** What OpenAI streams for response_format "wav": 24 kHz PCM, both sizes 0xFFFFFFFF. */
const streamedWav = (pcm: Pcm): Buffer => {
  const wav = encodeWav(pcm);
  wav.writeUInt32LE(0xffffffff, 4);
  wav.writeUInt32LE(0xffffffff, 40);
  return wav;
};

describe('prompt audio', () => {
  it('reads OpenAI’s streamed WAV (placeholder sizes) and writes a canonical one whose sizes match the file', () => {
    const source = tone(24_000, 1.5, 440, 8000);
    const decoded = decodeWav(streamedWav(source))!;
    expect(decoded.sampleRate).toBe(24_000);
    expect(decoded.samples).toEqual(source.samples);

    const out = encodeWav(resample(decoded, 8_000));
    expect(out.toString('ascii', 0, 4)).toBe('RIFF');
    expect(out.readUInt32LE(4)).toBe(out.length - 8);
    expect(out.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(out.readUInt32LE(16)).toBe(16);
    expect(out.readUInt16LE(20)).toBe(1); // PCM
    expect(out.readUInt16LE(22)).toBe(1); // mono
    expect(out.readUInt32LE(24)).toBe(8_000);
    expect(out.readUInt32LE(28)).toBe(16_000);
    expect(out.toString('ascii', 36, 40)).toBe('data');
    expect(out.readUInt32LE(40)).toBe(out.length - 44);
    expect(wavDurationMs(out)).toBe(1500);
  });

  it('resamples 24 kHz → 8 kHz keeping speech-band tones and removing what would alias', () => {
    const passed = resample(tone(24_000, 1, 1000, 10_000), 8_000);
    expect(passed.samples.length).toBe(8_000);
    // Away from the edges, a 1 kHz tone keeps its level (within 1 %).
    expect(rms(passed.samples, 400, 7_600) / (10_000 / Math.SQRT2)).toBeGreaterThan(0.99);
    expect(rms(passed.samples, 400, 7_600) / (10_000 / Math.SQRT2)).toBeLessThan(1.01);
    // A 6 kHz tone cannot be represented at 8 kHz: it must not come back as a 2 kHz alias.
    const blocked = resample(tone(24_000, 1, 6000, 10_000), 8_000);
    expect(rms(blocked.samples, 400, 7_600)).toBeLessThan(10_000 * 0.01);
  });
});

describe('recordings that cannot hold speech', () => {
  const wav = (pcm: Pcm) => encodeWav(pcm);
  const withSpeech = (rate: number): Pcm => {
    const pcm = tone(rate, 4, 0, 0);
    const words = tone(rate, 0.6, 300, 3000); // about -23 dBFS, like a spoken "ja"
    pcm.samples.set(words.samples, Math.round(rate * 0.8));
    return pcm;
  };

  it('silence and line noise are too quiet; a short burst is too short; a word is speech (8 kHz, A-law too)', () => {
    const noise = tone(8_000, 3, 50, 20); // about -64 dBFS
    expect(checkSpeech(wav(noise))).toMatchObject({ speech: false, reason: 'too_quiet' });
    expect(checkSpeech(wav(tone(8_000, 0.2, 300, 3000)))).toMatchObject({ speech: false, reason: 'too_short' });
    expect(checkSpeech(wav(withSpeech(8_000)))).toMatchObject({ speech: true });
    expect(checkSpeech(wav(withSpeech(16_000)))).toMatchObject({ speech: true });

    // The same word as G.711 A-law (format 6), as a telephone recording may be.
    const linear = withSpeech(8_000);
    const alaw = Buffer.alloc(44 + linear.samples.length);
    encodeWav({ sampleRate: 8_000, samples: new Int16Array(0) }).copy(alaw, 0, 0, 44);
    alaw.writeUInt32LE(alaw.length - 8, 4);
    alaw.writeUInt16LE(6, 20);
    alaw.writeUInt32LE(8_000, 28);
    alaw.writeUInt16LE(1, 32);
    alaw.writeUInt16LE(8, 34);
    alaw.writeUInt32LE(linear.samples.length, 40);
    for (let i = 0; i < linear.samples.length; i++) alaw[44 + i] = linearToAlaw(linear.samples[i]!);
    expect(checkSpeech(alaw)).toMatchObject({ speech: true });
  });

  it('audio it cannot decode is not judged (it goes to speech-to-text as before)', () => {
    expect(checkSpeech(Buffer.from('not a wav file at all'))).toEqual({ speech: 'unknown', reason: 'not_decodable' });
  });
});

/** G.711 A-law encoder (the reference algorithm), to build a test recording. */
function linearToAlaw(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  let s = Math.min(32635, Math.abs(sample)) >> 3;
  let seg = 0;
  if (s >= 32) {
    seg = 1;
    while (s >= 64 && seg < 7) {
      s >>= 1;
      seg++;
    }
    s = (s >> 1) & 0x0f;
  } else s >>= 1;
  return ((sign | (seg << 4) | (s & 0x0f)) ^ 0x55) & 0xff;
}
