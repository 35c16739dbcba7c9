import fc from 'fast-check';
import { pcmSamples } from '../src/audio/wav';
import { crc16, decodeVoice, encodeVoice, VOICE_AMPLITUDE, voiceDurationSec } from '../src/audio/voice';
import { applyGain, pad, resample } from './voice-resample';

const GREETING = 'Hej! Det här är Samtal som ringer för Lindqvists Livs i Uppsala angående ditt köp idag. Går det bra att vi spelar in ett kort samtal?';
const SWEDISH = 'abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖéü0123456789 ,.!?-–"\'';

/** Speech duration of the OpenAI simulator (14 characters per second), lengthened if the words need more. */
const durationFor = (text: string): number => Math.max(0.3, text.length / 14, voiceDurationSec(text));

const peak = (x: Int16Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Deterministic uniform noise in [-1, 1). */
const noise = (seed: number) => {
  let state = seed >>> 0 || 1;
  return (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 4294967296) * 2 - 1;
  };
};

describe('simulated voice: encode → decode', () => {
  test('round trip at the rates a backend uses, including Swedish letters', () => {
    for (const rate of [8000, 16000, 22050, 24000, 44100, 48000]) {
      expect(decodeVoice(encodeVoice(GREETING, rate, durationFor(GREETING)), rate)).toBe(GREETING);
    }
    expect(decodeVoice(encodeVoice('', 24000, 0.5), 24000)).toBe('');
    expect(decodeVoice(encodeVoice('😀 ok', 8000, 1), 8000)).toBe('😀 ok');
  });

  test('the level looks like speech (peak 8000–12000), not a full-scale tone, and the duration is kept', () => {
    const x = encodeVoice(GREETING, 24000, durationFor(GREETING));
    expect(peak(x)).toBeGreaterThanOrEqual(8000);
    expect(peak(x)).toBeLessThanOrEqual(12000);
    expect(peak(x)).toBe(VOICE_AMPLITUDE);
    expect(x.length).toBe(Math.round(durationFor(GREETING) * 24000));
    // leading silence before the words, like a TTS file
    expect(peak(x.subarray(0, 2000))).toBe(0);
  });

  test('too short a duration is lengthened to what the words need', () => {
    const text = 'Tack för att du svarade!';
    const x = encodeVoice(text, 8000, 0.3);
    expect(x.length).toBeGreaterThanOrEqual(Math.floor(voiceDurationSec(text) * 8000));
    expect(decodeVoice(x, 8000)).toBe(text);
  });

  test('property: survives resampling 24 kHz → 8/16 kHz (windowed-sinc low-pass), gain 0.3–2× with clipping, shifts and silence', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...SWEDISH), minLength: 1, maxLength: 400, size: 'large' }),
        fc.constantFrom(
          { rate: 8000, cutoff: 3400 },
          { rate: 8000, cutoff: 3800 },
          { rate: 16000, cutoff: 3400 },
          { rate: 16000, cutoff: 7200 },
          { rate: 24000, cutoff: 0 },
        ),
        fc.double({ min: 0.3, max: 2, noNaN: true }),
        fc.integer({ min: -5, max: 5 }),
        fc.integer({ min: 0, max: 4000 }),
        (text, { rate, cutoff }, gain, shift, trailing) => {
          const tts = encodeVoice(text, 24000, durationFor(text));
          const resampled = rate === 24000 ? tts : resample(tts, 24000, rate, cutoff);
          const heard = pad(applyGain(resampled, gain), shift, trailing);
          expect(decodeVoice(heard, rate)).toBe(text);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('400 Swedish characters survive the telephone path (24 → 8 kHz at 3.4 kHz, 0.3×, shifted, padded)', () => {
    const text = `${'Jag köpte äpplen och ost på förmiddagen, kön var kort och personalen trevlig. '.repeat(6)}Åäö!`.slice(0, 400);
    expect(text).toHaveLength(400);
    const phone = pad(applyGain(resample(encodeVoice(text, 24000, durationFor(text)), 24000, 8000, 3400), 0.3), 8000, 8000);
    expect(decodeVoice(phone, 8000)).toBe(text);
    const loud = pad(applyGain(resample(encodeVoice(text, 24000, durationFor(text)), 24000, 16000), 2), -3, 100);
    expect(decodeVoice(loud, 16000)).toBe(text);
  });

  test('clipped hard (gain 4×) and noisy (white noise at 10 dB SNR) audio still decodes', () => {
    const x = resample(encodeVoice(GREETING, 24000, durationFor(GREETING)), 24000, 8000);
    expect(decodeVoice(applyGain(x, 4), 8000)).toBe(GREETING);
    const rnd = noise(7);
    const noiseAmp = (VOICE_AMPLITUDE / Math.SQRT2 / 10 ** (10 / 20)) * Math.sqrt(3);
    expect(decodeVoice(x.map((v) => v + Math.round(rnd() * noiseAmp)), 8000)).toBe(GREETING);
  });
});

describe('simulated voice: nothing else decodes', () => {
  test('silence, near-silence and an empty buffer are null', () => {
    expect(decodeVoice(new Int16Array(0), 8000)).toBeNull();
    expect(decodeVoice(new Int16Array(8000 * 10), 8000)).toBeNull();
    const rnd = noise(3);
    expect(decodeVoice(new Int16Array(24000 * 5).map(() => Math.round(rnd() * 30)), 24000)).toBeNull();
  });

  test('property: white noise and speech-like noise are null, never garbage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom(8000, 16000, 24000), fc.integer({ min: 100, max: 20000 }), (seed, rate, level) => {
        const rnd = noise(seed);
        const white = new Int16Array(rate * 4).map(() => Math.round(rnd() * level));
        expect(decodeVoice(white, rate)).toBeNull();
        const buf = pcmSamples({ sampleRate: rate, durationSec: 4, speech: { startSec: 0.3, endSec: 3.7 }, seed });
        const speechLike = new Int16Array(buf.length / 2).map((_, i) => buf.readInt16LE(i * 2));
        expect(decodeVoice(speechLike, rate)).toBeNull();
      }),
      { numRuns: 25 },
    );
  });

  test('pure tones at the modem frequencies, and the frame cut short, are null', () => {
    const tone = (hz: number) => new Int16Array(8000 * 3).map((_, i) => Math.round(9000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
    expect(decodeVoice(tone(1200), 8000)).toBeNull();
    expect(decodeVoice(tone(2400), 8000)).toBeNull();
    const x = encodeVoice(GREETING, 8000, 0); // a single frame
    expect(decodeVoice(x.subarray(0, Math.floor(x.length * 0.7)), 8000)).toBeNull();
  });

  test('a payload bit received wrong fails the CRC: null, not a wrong text', () => {
    // "a" (0x61) and "c" (0x63) differ in the 7th bit of the payload's first byte; splice that bit of
    // "c" into the frame of "a", whose CRC then no longer matches.
    const a = encodeVoice('a', 8000, 0);
    const c = encodeVoice('c', 8000, 0);
    expect(decodeVoice(a, 8000)).toBe('a');
    expect(decodeVoice(c, 8000)).toBe('c');
    const bitLen = 8000 / 300;
    const bit = 24 + 32 + 16 + 6;
    const from = 800 + Math.round(bit * bitLen);
    const spliced = a.slice();
    spliced.set(c.subarray(from, 800 + Math.round((bit + 1) * bitLen)), from);
    expect(decodeVoice(spliced, 8000)).toBeNull();
  });

  test('CRC-16/CCITT-FALSE check value', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });
});
