/**
 * Hand-written MP3: an ID3v2.4 tag whose `TXXX` frame (description "text") carries the spoken words,
 * followed by silent MPEG-1 Layer III frames (32 kbit/s, 48 kHz, mono: 96 bytes = 24 ms each).
 * The parser walks real frame headers (MPEG-1/2/2.5, layers I–III) to measure duration.
 */

const FRAME_HEADER = Buffer.from([0xff, 0xfb, 0x14, 0xc0]); // MPEG-1 L3, no CRC, 32 kbps, 48 kHz, mono
const FRAME_BYTES = 96;
const FRAME_SAMPLES = 1152;
const FRAME_RATE = 48_000;
export const MP3_FRAME_SEC = FRAME_SAMPLES / FRAME_RATE;

const syncsafe = (n: number): Buffer =>
  Buffer.from([(n >>> 21) & 0x7f, (n >>> 14) & 0x7f, (n >>> 7) & 0x7f, n & 0x7f]);

const readSyncsafe = (buf: Buffer, offset: number): number =>
  ((buf[offset] ?? 0) << 21) | ((buf[offset + 1] ?? 0) << 14) | ((buf[offset + 2] ?? 0) << 7) | (buf[offset + 3] ?? 0);

const id3Frame = (id: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(id, 'ascii'), syncsafe(body.length), Buffer.alloc(2), body]);

export const buildId3 = (text: string): Buffer => {
  const txxx = id3Frame(
    'TXXX',
    Buffer.concat([Buffer.from([3]), Buffer.from('text', 'utf8'), Buffer.alloc(1), Buffer.from(text, 'utf8')]),
  );
  const tsse = id3Frame('TSSE', Buffer.concat([Buffer.from([3]), Buffer.from('Samtal simulator', 'utf8')]));
  const frames = Buffer.concat([txxx, tsse]);
  return Buffer.concat([Buffer.from('ID3', 'ascii'), Buffer.from([4, 0, 0]), syncsafe(frames.length), frames]);
};

export const buildMp3 = (durationSec: number, text?: string): Buffer => {
  const frames = Math.max(1, Math.ceil(durationSec / MP3_FRAME_SEC));
  const frame = Buffer.alloc(FRAME_BYTES);
  FRAME_HEADER.copy(frame, 0);
  const audio = Buffer.alloc(frames * FRAME_BYTES);
  for (let i = 0; i < frames; i++) frame.copy(audio, i * FRAME_BYTES);
  return text === undefined ? audio : Buffer.concat([buildId3(text), audio]);
};

const BITRATES: Record<string, readonly number[]> = {
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

interface FrameHeader {
  length: number;
  samples: number;
  sampleRate: number;
}

/** Decodes the MPEG audio frame header at offset; null if it is not one. */
export const frameAt = (buf: Buffer, offset: number): FrameHeader | null => {
  if (offset + 4 > buf.length) return null;
  const b1 = buf[offset + 1] ?? 0;
  const b2 = buf[offset + 2] ?? 0;
  if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b1 >> 1) & 3; // 1 = III, 2 = II, 3 = I
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  const padding = (b2 >> 1) & 1;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const v1 = version === 3;
  const table = v1 ? (layer === 3 ? 'v1l1' : layer === 2 ? 'v1l2' : 'v1l3') : layer === 3 ? 'v2l1' : 'v2l23';
  const kbps = BITRATES[table]?.[bitrateIndex] ?? 0;
  const sampleRate = RATES[version]?.[rateIndex] ?? 0;
  if (!kbps || !sampleRate) return null;
  const bitrate = kbps * 1000;
  if (layer === 3) return { length: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4, samples: 384, sampleRate };
  const samples = layer === 1 && !v1 ? 576 : 1152;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { length, samples, sampleRate };
};

const decodeText = (encoding: number, bytes: Buffer): string => {
  if (encoding === 0) return bytes.toString('latin1');
  if (encoding === 3) return bytes.toString('utf8');
  if (encoding === 2) return Buffer.from(bytes).swap16().toString('utf16le');
  const bom = bytes.readUInt16BE(0);
  if (bom === 0xfeff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return bytes.subarray(bom === 0xfffe ? 2 : 0).toString('utf16le');
};

/** Splits an ID3 text body at its first terminator (1 NUL byte, or 2 for UTF-16). */
const splitTerminated = (encoding: number, bytes: Buffer): [Buffer, Buffer] => {
  const wide = encoding === 1 || encoding === 2;
  for (let i = 0; i < bytes.length; i += wide ? 2 : 1) {
    if (bytes[i] === 0 && (!wide || bytes[i + 1] === 0)) return [bytes.subarray(0, i), bytes.subarray(i + (wide ? 2 : 1))];
  }
  return [bytes, Buffer.alloc(0)];
};

const clean = (text: string): string => text.replace(/\0+$/, '');

/** Reads TXXX/COMM/TIT2 text from an ID3v2.3/2.4 tag. */
const parseId3 = (buf: Buffer, size: number, major: number): Record<string, string> => {
  const out: Record<string, string> = {};
  let offset = 10;
  const end = Math.min(buf.length, 10 + size);
  while (offset + 10 <= end) {
    const id = buf.toString('ascii', offset, offset + 4);
    if (!/^[A-Z0-9]{4}$/.test(id)) break;
    const frameSize = major >= 4 ? readSyncsafe(buf, offset + 4) : buf.readUInt32BE(offset + 4);
    const body = buf.subarray(offset + 10, Math.min(end, offset + 10 + frameSize));
    const encoding = body[0] ?? 0;
    if (id === 'TXXX' && body.length > 1) {
      const [desc, value] = splitTerminated(encoding, body.subarray(1));
      out[`TXXX:${clean(decodeText(encoding, desc))}`] = clean(decodeText(encoding, value));
    } else if (id === 'COMM' && body.length > 4) {
      const [, value] = splitTerminated(encoding, body.subarray(4));
      out.COMM = clean(decodeText(encoding, value));
    } else if (id.startsWith('T') && body.length > 1) {
      out[id] = clean(decodeText(encoding, body.subarray(1)));
    }
    offset += 10 + frameSize;
  }
  return out;
};

export interface Mp3Info {
  format: 'mp3';
  frames: number;
  durationSec: number;
  tags: Record<string, string>;
}

export const looksLikeMp3 = (buf: Buffer): boolean =>
  (buf.length >= 3 && buf.toString('ascii', 0, 3) === 'ID3') || frameAt(buf, 0) !== null;

/** Counts frames to get the duration; null unless at least one valid MPEG audio frame is found. */
export const parseMp3 = (buf: Buffer): Mp3Info | null => {
  let offset = 0;
  let tags: Record<string, string> = {};
  if (buf.length >= 10 && buf.toString('ascii', 0, 3) === 'ID3') {
    const major = buf[3] ?? 4;
    const size = readSyncsafe(buf, 6);
    tags = parseId3(buf, size, major);
    offset = 10 + size + ((buf[5] ?? 0) & 0x10 ? 10 : 0);
  }
  let frames = 0;
  let seconds = 0;
  let misses = 0;
  while (offset < buf.length) {
    if (buf.toString('ascii', offset, offset + 3) === 'TAG' && buf.length - offset === 128) break;
    const header = frameAt(buf, offset);
    if (!header || header.length < 4) {
      // lost sync: scan forward a little (junk between frames), give up on garbage
      offset++;
      if (++misses > 4096) break;
      continue;
    }
    frames++;
    seconds += header.samples / header.sampleRate;
    offset += header.length;
  }
  if (frames === 0) return null;
  return { format: 'mp3', frames, durationSec: seconds, tags };
};
