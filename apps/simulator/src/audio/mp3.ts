/**
 * Hand-written MP3 as OpenAI's `/v1/audio/speech` streams it: bare MPEG-2 Layer III frames, 24 kHz,
 * mono, CBR, no CRC, "original" bit set; no ID3 tag, no Xing/Info frame. `FF F3 C4 C4` (128 kbit/s,
 * 384-byte frames) for gpt-4o-mini-tts and other models, `FF F3 E4 C4` (160 kbit/s, 480-byte frames)
 * for tts-1/tts-1-hd. Each frame is 576 samples (24 ms) of one silent granule: the 9 bytes of side
 * information are all zero (part2_3_length 0, global_gain 0, main_data_begin 0), so a decoder plays
 * silence and treats the rest of the frame as ancillary data, which decoders skip (LAME fills it with
 * "LAME3.100" and 0x55/0xAA).
 *
 * The words travel in that ancillary data, standing in for the encoded speech:
 * - message = `"SVOX"` magic, u16 length (big-endian), UTF-8 text, CRC-16/CCITT-FALSE over length + text;
 * - it is spread evenly over the frames, each carrying its piece right after the side information as
 *   `"SV"` + u8 piece length + piece bytes; the rest of the frame is LAME-style filler;
 * - a reader concatenates the pieces of consecutive frames and accepts the message only if the magic,
 *   length and CRC agree, so the bytes of a real MP3 never read as words.
 * The parser walks real frame headers (MPEG-1/2/2.5, layers I–III) to measure duration.
 */

import { id3Length, parseId3 } from './id3';
import { crc16 } from './voice';

export { buildId3 } from './id3';

const SAMPLE_RATE = 24_000;
const FRAME_SAMPLES = 576; // MPEG-2 Layer III: one granule
export const MP3_FRAME_SEC = FRAME_SAMPLES / SAMPLE_RATE;
const SIDE_INFO_BYTES = 9; // MPEG-2 mono
const MESSAGE_MAGIC = Buffer.from('SVOX', 'ascii');
const PIECE_MAGIC = Buffer.from('SV', 'ascii');
const FILLER = Buffer.from('LAME3.100', 'ascii');

export type Mp3Kbps = 128 | 160;

/** OpenAI's MP3 bitrate per TTS model: 160 kbit/s for tts-1 and tts-1-hd, 128 kbit/s otherwise. */
export const mp3KbpsForModel = (model: string): Mp3Kbps => (/^tts-1(-hd)?(-\d|$)/.test(model) ? 160 : 128);

const frameHeader = (kbps: Mp3Kbps): Buffer => Buffer.from([0xff, 0xf3, kbps === 160 ? 0xe4 : 0xc4, 0xc4]);

const wordsMessage = (text: string): Buffer => {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 0xffff) throw new RangeError(`mp3: ${payload.length} bytes of text, at most 65535`);
  const length = Buffer.from([payload.length >> 8, payload.length & 0xff]);
  const crc = crc16(payload, crc16(length));
  return Buffer.concat([MESSAGE_MAGIC, length, payload, Buffer.from([crc >> 8, crc & 0xff])]);
};

/**
 * MP3 of about `durationSec` (⌈duration ÷ 24 ms⌉ frames, more only if the words need them) whose
 * frames' ancillary data carries `text`.
 */
export const buildMp3 = (durationSec: number, text?: string, kbps: Mp3Kbps = 128): Buffer => {
  const frameBytes = (72 * kbps * 1000) / SAMPLE_RATE;
  const capacity = Math.min(255, frameBytes - 4 - SIDE_INFO_BYTES - PIECE_MAGIC.length - 1);
  const message = text === undefined ? Buffer.alloc(0) : wordsMessage(text);
  const frames = Math.max(1, Math.ceil(durationSec / MP3_FRAME_SEC - 1e-9), Math.ceil(message.length / capacity));
  const piece = Math.ceil(message.length / frames);
  const header = frameHeader(kbps);
  const out = Buffer.alloc(frames * frameBytes);
  for (let i = 0; i < frames; i++) {
    const start = i * frameBytes;
    header.copy(out, start);
    let at = start + 4 + SIDE_INFO_BYTES; // side information stays zero
    const bytes = message.subarray(i * piece, (i + 1) * piece);
    if (bytes.length > 0) {
      PIECE_MAGIC.copy(out, at);
      out[at + 2] = bytes.length;
      bytes.copy(out, at + 3);
      at += 3 + bytes.length;
    }
    const end = start + frameBytes;
    at += FILLER.copy(out, at, 0, Math.max(0, Math.min(FILLER.length, end - at)));
    for (let k = 0; at < end; at++, k++) out[at] = k % 2 === 0 ? 0x55 : 0xaa;
  }
  return out;
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
  /** 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5. */
  version: number;
  /** 1 = Layer III, 2 = Layer II, 3 = Layer I (the header's bit values). */
  layer: number;
  crc: boolean;
  channels: 1 | 2;
}

/** Decodes the MPEG audio frame header at offset; null if it is not one (free-format bitrate included). */
export const frameAt = (buf: Buffer, offset: number): FrameHeader | null => {
  if (offset + 4 > buf.length) return null;
  const b1 = buf[offset + 1] ?? 0;
  const b2 = buf[offset + 2] ?? 0;
  const b3 = buf[offset + 3] ?? 0;
  if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  const padding = (b2 >> 1) & 1;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || (b3 & 3) === 2) return null;
  const v1 = version === 3;
  const table = v1 ? (layer === 3 ? 'v1l1' : layer === 2 ? 'v1l2' : 'v1l3') : layer === 3 ? 'v2l1' : 'v2l23';
  const kbps = BITRATES[table]?.[bitrateIndex] ?? 0;
  const sampleRate = RATES[version]?.[rateIndex] ?? 0;
  if (!kbps || !sampleRate) return null;
  const bitrate = kbps * 1000;
  const common = { sampleRate, version, layer, crc: (b1 & 1) === 0, channels: (b3 >> 6 === 3 ? 1 : 2) as 1 | 2 };
  if (layer === 3) return { length: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4, samples: 384, ...common };
  const samples = layer === 1 && !v1 ? 576 : 1152;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { length, samples, ...common };
};

export interface Mp3Info {
  format: 'mp3';
  frames: number;
  durationSec: number;
  tags: Record<string, string>;
  /** The words carried in the frames' ancillary data (see the top of this file); null if none. */
  text: string | null;
}

/**
 * Where a Layer III frame's ancillary data starts, if the frame holds no audio data of its own
 * (main_data_begin 0 and part2_3_length 0 in every granule); -1 otherwise.
 */
const ancillaryStart = (buf: Buffer, offset: number, h: FrameHeader): number => {
  if (h.layer !== 1) return -1;
  const side = offset + 4 + (h.crc ? 2 : 0);
  const mpeg1 = h.version === 3;
  const sideBytes = mpeg1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  if (side + sideBytes > offset + h.length || side + sideBytes > buf.length) return -1;
  const bit = (n: number): number => ((buf[side + (n >> 3)] ?? 0) >> (7 - (n & 7))) & 1;
  const bits = (from: number, count: number): number => {
    let v = 0;
    for (let i = 0; i < count; i++) v = v * 2 + bit(from + i);
    return v;
  };
  if (bits(0, mpeg1 ? 9 : 8) !== 0) return -1;
  // main_data_begin, private bits and (MPEG-1) scfsi, then 59 (MPEG-1) / 63 (MPEG-2) bits per granule and channel.
  const first = mpeg1 ? 9 + (h.channels === 1 ? 5 : 3) + 4 * h.channels : 8 + h.channels;
  const perGranule = mpeg1 ? 59 : 63;
  const granules = (mpeg1 ? 2 : 1) * h.channels;
  for (let g = 0; g < granules; g++) if (bits(first + g * perGranule, 12) !== 0) return -1;
  return side + sideBytes;
};

/** Reads the words from the frames' ancillary pieces; null unless magic, length and CRC agree. */
const ancillaryWords = (pieces: Buffer[]): string | null => {
  const message = Buffer.concat(pieces);
  if (message.length < 8 || !message.subarray(0, 4).equals(MESSAGE_MAGIC)) return null;
  const length = message.readUInt16BE(4);
  if (message.length < 8 + length) return null;
  const payload = message.subarray(6, 6 + length);
  if (crc16(payload, crc16(message.subarray(4, 6))) !== message.readUInt16BE(6 + length)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
  } catch {
    return null;
  }
};

/** Collects the ancillary pieces of consecutive frames; a frame without one ends the message. */
class PieceReader {
  private pieces: Buffer[] = [];
  private open = true;
  text: string | null = null;

  frame(buf: Buffer, offset: number, h: FrameHeader): void {
    if (this.text !== null || !this.open) return;
    const at = ancillaryStart(buf, offset, h);
    const end = Math.min(buf.length, offset + h.length);
    const n = buf[at + 2] ?? 0;
    if (at < 0 || buf[at] !== PIECE_MAGIC[0] || buf[at + 1] !== PIECE_MAGIC[1] || n === 0 || at + 3 + n > end) {
      if (this.pieces.length > 0) this.open = false;
      return;
    }
    this.pieces.push(buf.subarray(at + 3, at + 3 + n));
    this.text = ancillaryWords(this.pieces);
  }
}

/**
 * Counts frames to get the duration, leniently (junk between frames is skipped, as ffmpeg does);
 * null unless at least one valid MPEG audio frame is found.
 */
export const parseMp3 = (buf: Buffer): Mp3Info | null => {
  let offset = id3Length(buf);
  const tags = offset > 0 ? parseId3(buf, offset - 10, buf[3] ?? 4) : {};
  const words = new PieceReader();
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
    words.frame(buf, offset, header);
    offset += header.length;
  }
  if (frames === 0) return null;
  return { format: 'mp3', frames, durationSec: seconds, tags, text: words.text };
};

const hex = (buf: Buffer, offset: number): string =>
  [...buf.subarray(offset, offset + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/**
 * The strict reading of a player: the file must be whole MPEG audio frames, back to back, after an
 * optional ID3v2 tag (an ID3v1 tag may close it). Null if it is, otherwise what is wrong.
 */
export const checkMp3 = (buf: Buffer): string | null => {
  let offset = id3Length(buf);
  if (offset > buf.length) return `MP3 ID3v2 tag says ${offset} bytes but the file has ${buf.length}`;
  let frames = 0;
  while (offset < buf.length) {
    if (frames > 0 && buf.length - offset === 128 && buf.toString('latin1', offset, offset + 3) === 'TAG') break;
    const header = frameAt(buf, offset);
    if (!header) {
      const what = frames === 0 ? 'does not start with an MPEG audio frame' : `has no valid frame header after frame ${frames}`;
      return `MP3 ${what}: bytes ${hex(buf, offset)} at byte ${offset}`;
    }
    if (offset + header.length > buf.length) {
      return `MP3 ends inside frame ${frames + 1}: it starts at byte ${offset} and needs ${header.length} bytes, only ${buf.length - offset} are left`;
    }
    frames++;
    offset += header.length;
  }
  if (frames === 0) return 'MP3 has no audio frames';
  return null;
};
