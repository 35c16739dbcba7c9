import fc from 'fast-check';
import { buildId3, buildMp3, checkMp3, parseMp3 } from '../src/audio/mp3';
import { parseOgg } from '../src/audio/ogg';
import { inspectAudio, inspectPlayable, sniffAudio } from '../src/audio/sniff';
import { encodeVoice } from '../src/audio/voice';
import { buildWav, checkWav, parseWav, streamedWavHeader, wavFromSamples } from '../src/audio/wav';
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
        expect(checkWav(bytes)).toBeNull();
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

describe('WAV: the strict reading of a player', () => {
  const canonical = (): Buffer => wavFromSamples(encodeVoice('Hej!', 8000, 1), 8000);
  const withFmt = (edit: (b: Buffer) => void): Buffer => {
    const b = canonical();
    edit(b);
    return b;
  };

  test('a canonical WAV (sizes match the file) is sound', () => {
    expect(checkWav(canonical())).toBeNull();
    expect(inspectPlayable(canonical())).toMatchObject({ ok: true, audio: { format: 'wav', text: 'Hej!' } });
  });

  test('OpenAI\'s streamed header (RIFF and data size 0xFFFFFFFF) is refused, saying why', () => {
    const streamed = Buffer.concat([streamedWavHeader(24000), Buffer.alloc(96000)]);
    expect(checkWav(streamed)).toMatch(/^WAV header says RIFF size 4294967295 but the file has 96044 bytes/);
    // RIFF size patched, data size still the placeholder
    const half = Buffer.from(streamed);
    half.writeUInt32LE(half.length - 8, 4);
    expect(checkWav(half)).toMatch(/"data" chunk size 4294967295 \(0xFFFFFFFF, a streaming placeholder\) but 96000 bytes follow/);
    // …but a lenient reader (a transcription service) reads it to the end
    expect(parseWav(streamed)!.durationSec).toBeCloseTo(2, 6);
  });

  test('sizes that disagree with the file are refused', () => {
    const zero = withFmt((b) => b.writeUInt32LE(0, 40));
    expect(checkWav(zero)).toMatch(/data size 0 .* but \d+ bytes follow/);
    const long = withFmt((b) => b.writeUInt32LE(b.length, 40));
    expect(checkWav(long)).toMatch(/"data" chunk size \d+ but only \d+ bytes follow/);
    const riff = withFmt((b) => b.writeUInt32LE(b.length - 10, 4));
    expect(checkWav(riff)).toMatch(/RIFF size \d+ but the file has \d+ bytes/);
    expect(checkWav(Buffer.concat([canonical(), Buffer.from([1, 2, 3])]))).toMatch(/RIFF size/);
  });

  test('formats other than PCM 8/16-bit, A-law or µ-law, and inconsistent block align or byte rate, are refused', () => {
    expect(checkWav(withFmt((b) => b.writeUInt16LE(3, 20)))).toMatch(/WAV format 3 \(IEEE float\) with 16-bit samples is not playable/);
    expect(checkWav(withFmt((b) => b.writeUInt16LE(0xfffe, 20)))).toMatch(/WAVE_FORMAT_EXTENSIBLE/);
    expect(checkWav(withFmt((b) => b.writeUInt16LE(24, 34)))).toMatch(/24-bit samples is not playable/);
    expect(checkWav(withFmt((b) => b.writeUInt16LE(4, 32)))).toMatch(/block align 4 but 1 channel\(s\) of 16-bit samples make 2/);
    expect(checkWav(withFmt((b) => b.writeUInt32LE(8000, 28)))).toMatch(/byte rate 8000 but 8000 Hz × block align 2 makes 16000/);
    // µ-law 8-bit is fine
    const ulaw = withFmt((b) => {
      b.writeUInt16LE(7, 20);
      b.writeUInt16LE(8, 34);
      b.writeUInt16LE(1, 32);
      b.writeUInt32LE(8000, 28);
    });
    expect(checkWav(ulaw)).toBeNull();
  });

  test('a LIST chunk between fmt and data is fine; ICMT is metadata, not heard', () => {
    const bytes = buildWav({ sampleRate: 8000, durationSec: 1, text: 'Ja, det går bra.', speech: { startSec: 0.1, endSec: 0.9 } });
    expect(checkWav(bytes)).toBeNull();
    expect(inspectPlayable(bytes)).toMatchObject({ ok: true, audio: { text: null, metadataText: 'Ja, det går bra.' } });
  });
});

describe('MP3', () => {
  test('bare MPEG-2 Layer III 24 kHz mono frames; the frame count follows the duration; the words ride in ancillary data', () => {
    const bytes = buildMp3(2.4, 'Hej då!');
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xf3, 0xc4, 0xc4]));
    expect(bytes.length).toBe(100 * 384);
    const mp3 = parseMp3(bytes)!;
    expect(mp3.frames).toBe(100);
    expect(mp3.durationSec).toBeCloseTo(2.4, 5);
    expect(mp3.text).toBe('Hej då!');
    expect(mp3.tags).toEqual({});
    expect(checkMp3(bytes)).toBeNull();
    // side information all zero: silent granules
    for (let f = 0; f < 100; f++) expect(bytes.subarray(f * 384 + 4, f * 384 + 13)).toEqual(Buffer.alloc(9));
    const tts1 = buildMp3(1, 'x', 160);
    expect(tts1.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xf3, 0xe4, 0xc4]));
    expect(tts1.length % 480).toBe(0);
  });

  test('long Swedish text spreads over the frames and reads back', () => {
    const text = 'Kön i kassan var lång men personalen i mejeriet var hjälpsam och trevlig. '.repeat(40);
    expect(parseMp3(buildMp3(1, text))!.text).toBe(text);
  });

  test('property: frames whose ancillary bytes are random never read as words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 371 * 3, maxLength: 371 * 3 }), fc.boolean(), (random, withPieces) => {
        const bytes = buildMp3(0.072);
        for (let f = 0; f < 3; f++) {
          const body = random.subarray(f * 371, (f + 1) * 371);
          if (withPieces) body.set([0x53, 0x56, 200], 0); // "SV" piece markers in front of random bytes
          bytes.set(body, f * 384 + 13);
        }
        expect(parseMp3(bytes)!.text).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  test('strict: whole frames only, after an optional ID3v2 tag', () => {
    const bytes = buildMp3(0.5, 'Hej');
    expect(checkMp3(Buffer.concat([buildId3({ TSSE: 'Lavf60.16.100' }), bytes]))).toBeNull();
    expect(parseMp3(Buffer.concat([buildId3({ TSSE: 'Lavf60.16.100' }), bytes]))).toMatchObject({ text: 'Hej', tags: { TSSE: 'Lavf60.16.100' } });
    expect(checkMp3(bytes.subarray(0, bytes.length - 100))).toMatch(/^MP3 ends inside frame 21: it starts at byte 7680 and needs 384 bytes, only 284 are left/);
    expect(checkMp3(Buffer.concat([bytes.subarray(0, 384), Buffer.from('garbage!'), bytes.subarray(384)]))).toMatch(/no valid frame header after frame 1/);
    expect(checkMp3(Buffer.from([0xff, 0xf3, 0x04, 0xc4, 0, 0, 0, 0]))).toMatch(/does not start with an MPEG audio frame/); // free format
    // …while a lenient reader skips the junk
    expect(parseMp3(Buffer.concat([bytes.subarray(0, 384), Buffer.from('garbage!'), bytes.subarray(384)]))!.frames).toBe(21);
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
