/**
 * Hand-written RIFF/WAVE (PCM 16-bit mono).
 * - `buildWav` renders the 46elks simulator's recordings: speech-like noise, with the callee's words in a
 *   LIST/INFO `ICMT` chunk, which only the OpenAI simulator's transcription reads (a simulator convention;
 *   a listener never reads metadata, so prompts must carry their words in the samples, see voice.ts).
 * - `streamedWavHeader` is the exact header OpenAI's `/v1/audio/speech` streams (sizes 0xFFFFFFFF).
 * - `parseWav` is lenient, like a transcription service (ffmpeg) reading a streamed file; `checkWav`
 *   is the strict reading of a telephony player, which refuses a header that disagrees with the file.
 */

export interface WavBuildOptions {
  sampleRate: number;
  durationSec: number;
  /** Stored in LIST/INFO ICMT (UTF-8). Omitted when undefined. */
  text?: string;
  /** Where the louder speech-like noise sits; the rest is near-silence. */
  speech?: { startSec: number; endSec: number } | null;
  /** Seed of the noise generator (same seed → same bytes). */
  seed?: number;
}

export interface WavInfo {
  format: 'wav';
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  blockAlign: number;
  /** Where the sample data starts in the file. */
  dataOffset: number;
  dataBytes: number;
  durationSec: number;
  info: Record<string, string>;
}

const chunk = (id: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'ascii');
  header.writeUInt32LE(body.length, 4);
  return body.length % 2 === 1 ? Buffer.concat([header, body, Buffer.alloc(1)]) : Buffer.concat([header, body]);
};

const infoList = (entries: Record<string, string>): Buffer => {
  const subchunks = Object.entries(entries).map(([id, value]) =>
    chunk(id, Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)])),
  );
  return chunk('LIST', Buffer.concat([Buffer.from('INFO', 'ascii'), ...subchunks]));
};

const fmtChunk = (sampleRate: number): Buffer => {
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE(sampleRate * 2, 8); // byte rate
  fmt.writeUInt16LE(2, 12); // block align
  fmt.writeUInt16LE(16, 14); // bits per sample
  return chunk('fmt ', fmt);
};

const { imul, round, sin, PI } = Math; // module bindings for the sample loop (no global lookups)

/** PCM samples: quiet noise everywhere, a syllable-like louder noise where speech is. */
export const pcmSamples = (o: WavBuildOptions): Buffer => {
  const count = Math.max(0, Math.round(o.durationSec * o.sampleRate));
  const data = Buffer.alloc(count * 2);
  let state = (o.seed ?? 1) >>> 0 || 1;
  const start = o.speech ? o.speech.startSec * o.sampleRate : Number.POSITIVE_INFINITY;
  const end = o.speech ? o.speech.endSec * o.sampleRate : 0;
  for (let i = 0; i < count; i++) {
    state = (imul(state, 1664525) + 1013904223) >>> 0;
    const white = (state / 4294967296) * 2 - 1;
    let amplitude = 24;
    if (i >= start && i < end) {
      const t = i / o.sampleRate;
      amplitude = 1800 * (0.55 + 0.45 * sin(2 * PI * 4 * t)); // ~4 syllables per second
    }
    data.writeInt16LE(round(white * amplitude), i * 2);
  }
  return data;
};

export const buildWav = (o: WavBuildOptions): Buffer => {
  const parts = [fmtChunk(o.sampleRate)];
  if (o.text !== undefined) parts.push(infoList({ ICMT: o.text, ISFT: 'Samtal simulator' }));
  parts.push(chunk('data', pcmSamples(o)));
  const body = Buffer.concat([Buffer.from('WAVE', 'ascii'), ...parts]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
};

export const isWav = (buf: Buffer): boolean =>
  buf.length >= 12 && buf.toString('ascii', 0, 4) === 'RIFF' && buf.toString('ascii', 8, 12) === 'WAVE';

const parseInfo = (body: Buffer): Record<string, string> => {
  const info: Record<string, string> = {};
  if (body.toString('ascii', 0, 4) !== 'INFO') return info;
  let offset = 4;
  while (offset + 8 <= body.length) {
    const id = body.toString('ascii', offset, offset + 4);
    const size = body.readUInt32LE(offset + 4);
    const value = body.subarray(offset + 8, Math.min(body.length, offset + 8 + size));
    info[id] = value.toString('utf8').replace(/\0+$/, '');
    offset += 8 + size + (size % 2);
  }
  return info;
};

/** Reads a WAV's format, duration and INFO text; null if the bytes are not RIFF/WAVE. */
export const parseWav = (buf: Buffer): WavInfo | null => {
  if (!isWav(buf)) return null;
  const out: WavInfo = {
    format: 'wav',
    audioFormat: 0,
    channels: 0,
    sampleRate: 0,
    bitsPerSample: 0,
    byteRate: 0,
    blockAlign: 0,
    dataOffset: 0,
    dataBytes: 0,
    durationSec: 0,
    info: {},
  };
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    const bodyStart = offset + 8;
    // Streamed WAVs write 0xFFFFFFFF (or 0) as the data size: the data runs to the end of the file.
    if (id === 'data' && (size === 0xffffffff || size === 0 || bodyStart + size > buf.length)) {
      size = buf.length - bodyStart;
    }
    const body = buf.subarray(bodyStart, Math.min(buf.length, bodyStart + size));
    if (id === 'fmt ' && body.length >= 16) {
      out.audioFormat = body.readUInt16LE(0);
      out.channels = body.readUInt16LE(2);
      out.sampleRate = body.readUInt32LE(4);
      out.byteRate = body.readUInt32LE(8);
      out.blockAlign = body.readUInt16LE(12);
      out.bitsPerSample = body.readUInt16LE(14);
    } else if (id === 'data') {
      out.dataOffset = bodyStart;
      out.dataBytes = body.length;
    } else if (id === 'LIST') {
      Object.assign(out.info, parseInfo(body));
    }
    offset = bodyStart + size + (size % 2);
  }
  out.durationSec = out.byteRate > 0 ? out.dataBytes / out.byteRate : 0;
  return out;
};

/** A canonical WAV of mono PCM16 samples: 44-byte header, sizes that match the file, no other chunk. */
export const wavFromSamples = (samples: Int16Array, sampleRate: number): Buffer => {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  fmtChunk(sampleRate).copy(out, 12);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + 2 * i);
  return out;
};

/**
 * The 44 bytes OpenAI streams before `wav` speech: PCM mono 16-bit at `sampleRate` (24 kHz), with the
 * RIFF and data sizes left at 0xFFFFFFFF because the length is not known when streaming starts.
 */
export const streamedWavHeader = (sampleRate = 24_000): Buffer => {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(0xffffffff, 4);
  header.write('WAVE', 8, 'ascii');
  fmtChunk(sampleRate).copy(header, 12);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(0xffffffff, 40);
  return header;
};

const FORMAT_NAMES: Record<number, string> = {
  1: 'PCM',
  2: 'MS ADPCM',
  3: 'IEEE float',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  85: 'MPEG Layer III',
  65534: 'WAVE_FORMAT_EXTENSIBLE', // 0xFFFE
};

const playableFormat = (format: number, bits: number): boolean => (format === 1 && (bits === 8 || bits === 16)) || ((format === 6 || format === 7) && bits === 8);

/**
 * The strict reading of a WAV a telephony player does before playing it: null if the file is sound,
 * otherwise what is wrong with it. It refuses a RIFF size other than the file length − 8, a chunk
 * (`data` included) that runs past the end or holds a streaming placeholder (0xFFFFFFFF, or a `data`
 * size of 0 with bytes after it), a sample format other than PCM 8/16-bit, A-law or µ-law, and a
 * block align or byte rate that disagrees with the other fields.
 */
export const checkWav = (buf: Buffer): string | null => {
  if (!isWav(buf)) return 'not a RIFF/WAVE file';
  const riff = buf.readUInt32LE(4);
  if (riff !== buf.length - 8) {
    return `WAV header says RIFF size ${riff} but the file has ${buf.length} bytes (RIFF size must be the file length − 8 = ${buf.length - 8})`;
  }
  let fmt: { format: number; channels: number; rate: number; byteRate: number; blockAlign: number; bits: number } | null = null;
  let sawData = false;
  let offset = 12;
  while (offset < buf.length) {
    if (offset + 8 > buf.length) return `WAV ends with ${buf.length - offset} stray byte(s) at byte ${offset}, too few for a chunk header`;
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    const left = buf.length - body;
    if (size === 0xffffffff) {
      return `WAV header says "${id}" chunk size 4294967295 (0xFFFFFFFF, a streaming placeholder) but ${left} bytes follow the chunk header at byte ${offset}`;
    }
    if (size > left) return `WAV header says "${id}" chunk size ${size} but only ${left} bytes follow the chunk header at byte ${offset}`;
    if (id === 'fmt ') {
      if (size < 16) return `WAV fmt chunk is ${size} bytes, a format needs at least 16`;
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) return 'WAV data chunk comes before any fmt chunk';
      if (size === 0 && left > 0) return `WAV header says data size 0 (a streaming placeholder?) but ${left} bytes follow the data chunk header`;
      sawData = true;
    }
    offset = body + size + (size % 2);
  }
  if (!fmt) return 'WAV has no fmt chunk';
  if (!sawData) return 'WAV has no data chunk';
  if (!playableFormat(fmt.format, fmt.bits)) {
    const name = FORMAT_NAMES[fmt.format] ?? 'unknown';
    return `WAV format ${fmt.format} (${name}) with ${fmt.bits}-bit samples is not playable: PCM 8/16-bit, A-law or µ-law only`;
  }
  if (fmt.channels === 0) return 'WAV header says 0 channels';
  if (fmt.rate === 0) return 'WAV header says sample rate 0';
  const blockAlign = (fmt.channels * fmt.bits) / 8;
  if (fmt.blockAlign !== blockAlign) {
    return `WAV header says block align ${fmt.blockAlign} but ${fmt.channels} channel(s) of ${fmt.bits}-bit samples make ${blockAlign}`;
  }
  if (fmt.byteRate !== fmt.rate * blockAlign) {
    return `WAV header says byte rate ${fmt.byteRate} but ${fmt.rate} Hz × block align ${blockAlign} makes ${fmt.rate * blockAlign}`;
  }
  return null;
};
