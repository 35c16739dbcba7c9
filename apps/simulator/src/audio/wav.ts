/**
 * Hand-written RIFF/WAVE (PCM 16-bit mono) with the spoken words in a LIST/INFO `ICMT` chunk, the
 * convention both simulators use to carry "what is said" inside real audio.
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

/** PCM samples: quiet noise everywhere, a syllable-like louder noise where speech is. */
export const pcmSamples = (o: WavBuildOptions): Buffer => {
  const count = Math.max(0, Math.round(o.durationSec * o.sampleRate));
  const data = Buffer.alloc(count * 2);
  let state = (o.seed ?? 1) >>> 0 || 1;
  const start = o.speech ? o.speech.startSec * o.sampleRate : Number.POSITIVE_INFINITY;
  const end = o.speech ? o.speech.endSec * o.sampleRate : 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const white = (state / 4294967296) * 2 - 1;
    let amplitude = 24;
    if (i >= start && i < end) {
      const t = i / o.sampleRate;
      amplitude = 1800 * (0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t)); // ~4 syllables per second
    }
    data.writeInt16LE(Math.round(white * amplitude), i * 2);
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
      out.bitsPerSample = body.readUInt16LE(14);
    } else if (id === 'data') {
      out.dataBytes = body.length;
    } else if (id === 'LIST') {
      Object.assign(out.info, parseInfo(body));
    }
    offset = bodyStart + size + (size % 2);
  }
  out.durationSec = out.byteRate > 0 ? out.dataBytes / out.byteRate : 0;
  return out;
};
