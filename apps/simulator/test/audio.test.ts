import fc from 'fast-check';
import { buildMp3, parseMp3 } from '../src/audio/mp3';
import { parseOgg } from '../src/audio/ogg';
import { inspectAudio, sniffAudio } from '../src/audio/sniff';
import { buildWav, parseWav } from '../src/audio/wav';
import { sampleFromPattern } from '../src/openai/schema/regex-gen';

describe('WAV', () => {
  test('property: build → parse round-trips sample rate, duration and UTF-8 text', () => {
    fc.assert(
      fc.property(fc.constantFrom(8000, 16000, 24000), fc.double({ min: 0.01, max: 5, noNaN: true }), fc.option(fc.string({ unit: 'grapheme', maxLength: 200 })), (rate, sec, text) => {
        const bytes = buildWav({ sampleRate: rate, durationSec: sec, ...(text === null ? {} : { text }) });
        const wav = parseWav(bytes)!;
        expect(wav.sampleRate).toBe(rate);
        expect(wav.dataBytes).toBe(Math.round(sec * rate) * 2);
        expect(wav.durationSec).toBeCloseTo(Math.round(sec * rate) / rate, 6);
        expect(wav.info.ICMT).toBe(text === null ? undefined : text.replace(/\0+$/, ''));
        expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
      }),
      { numRuns: 60 },
    );
  });

  test('a streamed WAV (data size 0xFFFFFFFF) runs to the end of the file', () => {
    const bytes = buildWav({ sampleRate: 8000, durationSec: 1 });
    const dataAt = bytes.indexOf('data');
    bytes.writeUInt32LE(0xffffffff, dataAt + 4);
    expect(parseWav(bytes)!.durationSec).toBeCloseTo(1, 3);
  });

  test('speech is louder than the silence around it', () => {
    const bytes = buildWav({ sampleRate: 8000, durationSec: 3, speech: { startSec: 1, endSec: 2 }, seed: 3 });
    const data = bytes.subarray(bytes.indexOf('data') + 8);
    const peak = (from: number, to: number): number => {
      let max = 0;
      for (let i = from * 8000; i < to * 8000; i++) max = Math.max(max, Math.abs(data.readInt16LE(i * 2)));
      return max;
    };
    expect(peak(1, 2)).toBeGreaterThan(10 * peak(0, 1));
  });
});

describe('MP3', () => {
  test('frame count follows the duration; ID3 text is read back', () => {
    const mp3 = parseMp3(buildMp3(2.4, 'Hej då!'))!;
    expect(mp3.frames).toBe(100);
    expect(mp3.durationSec).toBeCloseTo(2.4, 5);
    expect(mp3.tags['TXXX:text']).toBe('Hej då!');
  });

  test('frames of other MPEG versions/bitrates are measured (MPEG-2 L3 24 kHz 64 kbps)', () => {
    const frame = Buffer.alloc(192); // 72 * 64000 / 24000
    frame.set([0xff, 0xf3, 0x84, 0xc4]);
    const mp3 = parseMp3(Buffer.concat(Array.from({ length: 50 }, () => frame)))!;
    expect(mp3.frames).toBe(50);
    expect(mp3.durationSec).toBeCloseTo((50 * 576) / 24000, 5);
  });

  test('garbage with an MP3-looking first byte pair is not audio', () => {
    expect(parseMp3(Buffer.from([0xff, 0xfb, 0xff, 0xff, 1, 2, 3]))).toBeNull();
  });
});

describe('sniffing', () => {
  test('magic bytes: RIFF/WAVE, ID3, MPEG sync 0xFFE, OggS; anything else is not audio', () => {
    expect(sniffAudio(buildWav({ sampleRate: 8000, durationSec: 0.1 }))).toBe('wav');
    expect(sniffAudio(buildMp3(0.1, 'x'))).toBe('mp3');
    expect(sniffAudio(buildMp3(0.1))).toBe('mp3');
    expect(sniffAudio(Buffer.from('OggS\0\x02'))).toBe('ogg');
    expect(sniffAudio(Buffer.from('<!doctype html>'))).toBeNull();
    expect(sniffAudio(Buffer.from('{"play":"x"}'))).toBeNull();
    expect(inspectAudio(Buffer.from('RIFF....WAVE'))).toBeNull(); // no fmt chunk
  });

  test('Ogg Vorbis duration comes from the last granule position', () => {
    const page = (granule: number, payload: Buffer): Buffer => {
      const header = Buffer.alloc(27);
      header.write('OggS', 0, 'ascii');
      header.writeBigUInt64LE(BigInt(granule), 6);
      header[26] = 1;
      return Buffer.concat([header, Buffer.from([payload.length]), payload]);
    };
    const ident = Buffer.alloc(30);
    ident[0] = 1;
    ident.write('vorbis', 1, 'ascii');
    ident.writeUInt32LE(44100, 12);
    const ogg = Buffer.concat([page(0, ident), page(44100 * 3, Buffer.alloc(10))]);
    expect(parseOgg(ogg)).toMatchObject({ codec: 'vorbis', durationSec: 3 });
  });
});

describe('pattern samples', () => {
  test.each([
    '^[A-Z]{3}-\\d{2}$',
    '^(sv|en)$',
    '^\\d{4}-\\d{2}-\\d{2}$',
    '^[a-z]+(?:_[a-z0-9]+)*$',
    '^[^\\s]+@example\\.se$',
    '^\\p{Lu}\\p{Ll}+$',
    'abc',
  ])('%s', (pattern) => {
    const sample = sampleFromPattern(pattern);
    expect(sample).not.toBeNull();
    expect(new RegExp(pattern, 'u').test(sample!)).toBe(true);
  });
});
