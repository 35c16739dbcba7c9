import { createHash } from 'node:crypto';
/**
 * The simulated voice: the words travel *in the samples*, as a small FSK modem signal, the way real
 * speech carries words in sound rather than in metadata. Whatever a backend legitimately does to
 * audio (resampling to 8 or 16 kHz with a telephone low-pass, gain, shifting, trimming or padding
 * silence) leaves the words readable; noise, silence or speech-like noise never decode to text.
 *
 * Modem: binary FSK, continuous phase, 300 baud, space (0) = 1200 Hz, mark (1) = 2400 Hz: both tones sit
 * well inside the 300–3400 Hz telephone band and are orthogonal over one bit (4 and 8 whole cycles).
 * Peak level 10 000 (about −10 dBFS), with 4 ms raised-cosine ramps at the edges of each burst.
 *
 * Frame (bits MSB first):
 *
 *     preamble 24 bits 1010… | sync word 0x1ACFFC1D (32 bits) | length (16 bits, UTF-8 bytes)
 *     | payload (UTF-8) | CRC-16/CCITT-FALSE over length + payload (16 bits) | tail 8 bits 1010…
 *
 * The output starts with 0.1 s of silence, then the frame, repeated (0.1 s apart) as long as whole
 * frames fit, then silence to the end, so the "speech" fills its duration like a spoken sentence.
 *
 * Decoding is non-coherent: the energy of each tone over the central 80 % of every bit gives a soft
 * decision d = (E₁ − E₀)/(E₁ + E₀) in [−1, 1] (0 when both are below an absolute floor, i.e. silence).
 * The sync word is searched at every sample offset by correlating its 32 soft bits (a match needs
 * ≥ 20 of a possible 32; clean audio scores ≈ 31); the frame is accepted only if the CRC matches and
 * the payload is valid UTF-8. The first frame that passes is returned.
 */

// Module-level bindings: hot loops must not look up the global `Math` (slow inside vm contexts such as jest's).
const { PI, cos, sin, round, floor, ceil, min, max } = Math;
const NEG_INF = Number.NEGATIVE_INFINITY;

export const VOICE_BAUD = 300;
export const VOICE_SPACE_HZ = 1200;
export const VOICE_MARK_HZ = 2400;
/** Peak sample value of the tones (moderate, like speech, not a full-scale test tone). */
export const VOICE_AMPLITUDE = 10_000;

const PREAMBLE_BITS = 24;
const SYNC_WORD = 0x1acffc1d;
const SYNC_BITS = 32;
const LENGTH_BITS = 16;
const CRC_BITS = 16;
const TAIL_BITS = 8;
const LEAD_SEC = 0.1;
const GAP_SEC = 0.1;
const RAMP_SEC = 0.004;
/** Share of each bit the decoder integrates over (the centre; the edges carry the filters' ringing). */
const WINDOW = 0.8;
/** Sync correlation needed, out of 32. */
const SYNC_THRESHOLD = 20;
/** Tone amplitude below which a window counts as silence (about −44 dBFS). */
const FLOOR_AMPLITUDE = 200;
/** Give up after this many sync matches whose frame did not check out. */
const MAX_ATTEMPTS = 256;
const MIN_SAMPLE_RATE = 6000;
const MAX_PAYLOAD_BYTES = 0xffff;

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR). */
export const crc16 = (bytes: Uint8Array, crc = 0xffff): number => {
  let c = crc;
  for (const byte of bytes) {
    c ^= byte << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
};

const pushBits = (bits: number[], value: number, count: number): void => {
  for (let i = count - 1; i >= 0; i--) bits.push(floor(value / 2 ** i) % 2);
};

const utf8 = (text: string): Uint8Array => {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_PAYLOAD_BYTES) throw new RangeError(`voice: ${bytes.length} bytes of text, at most ${MAX_PAYLOAD_BYTES}`);
  return bytes;
};

const frameBits = (payload: Uint8Array): Uint8Array => {
  const bits: number[] = [];
  for (let i = 0; i < PREAMBLE_BITS; i++) bits.push((i + 1) % 2);
  pushBits(bits, SYNC_WORD, SYNC_BITS);
  const length = Uint8Array.of(payload.length >> 8, payload.length & 0xff);
  pushBits(bits, payload.length, LENGTH_BITS);
  for (const byte of payload) pushBits(bits, byte, 8);
  pushBits(bits, crc16(payload, crc16(length)), CRC_BITS);
  for (let i = 0; i < TAIL_BITS; i++) bits.push((i + 1) % 2);
  return Uint8Array.from(bits);
};

const frameSec = (payloadBytes: number): number =>
  (PREAMBLE_BITS + SYNC_BITS + LENGTH_BITS + 8 * payloadBytes + CRC_BITS + TAIL_BITS) / VOICE_BAUD;

/** The shortest audio that carries `text` once: lead-in, one frame, and as much silence after it. */
export const voiceDurationSec = (text: string): number => LEAD_SEC + frameSec(utf8(text).length) + LEAD_SEC;

/**
 * Mono samples at `sampleRate` that "say" `text`: at least `durationSec` long, longer only if one frame
 * of the words needs more time (see voiceDurationSec).
 */
export const encodeVoice = (text: string, sampleRate: number, durationSec: number): Int16Array => {
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE) throw new RangeError(`voice: sample rate ${sampleRate} is below ${MIN_SAMPLE_RATE}`);
  const bits = frameBits(utf8(text));
  const bitLen = sampleRate / VOICE_BAUD;
  const frameLen = ceil(bits.length * bitLen);
  const lead = round(LEAD_SEC * sampleRate);
  const gap = round(GAP_SEC * sampleRate);
  const minimum = 2 * lead + frameLen;
  const out = new Int16Array(max(minimum, round(max(0, durationSec) * sampleRate)));
  const ramp = max(1, round(RAMP_SEC * sampleRate));
  const w0 = (2 * PI * VOICE_SPACE_HZ) / sampleRate;
  const w1 = (2 * PI * VOICE_MARK_HZ) / sampleRate;
  for (let start = lead; start + frameLen + lead <= out.length; start += frameLen + gap) {
    let phase = 0;
    for (let i = 0; i < frameLen; i++) {
      const bit = bits[min(bits.length - 1, floor(i / bitLen))];
      const edge = min(i, frameLen - 1 - i);
      const envelope = edge < ramp ? 0.5 - 0.5 * cos((PI * edge) / ramp) : 1;
      out[start + i] = round(VOICE_AMPLITUDE * envelope * sin(phase));
      phase += bit ? w1 : w0;
      if (phase > 2 * PI) phase -= 2 * PI;
    }
  }
  return out;
};

/** Soft bit decision for a window of `len` samples starting at every index (0 where it is silent). */
const softBits = (x: Int16Array, sampleRate: number, len: number): Float32Array => {
  const n = x.length;
  const out = new Float32Array(max(0, n - len + 1));
  const ring = len + 1;
  // Prefix sums of x·e^{-jωk} for both tones; a window's correlation is a difference of two of them.
  const r0 = new Float64Array(ring);
  const i0 = new Float64Array(ring);
  const r1 = new Float64Array(ring);
  const i1 = new Float64Array(ring);
  const w0 = (2 * PI * VOICE_SPACE_HZ) / sampleRate;
  const w1 = (2 * PI * VOICE_MARK_HZ) / sampleRate;
  const floor = ((FLOOR_AMPLITUDE * len) / 2) ** 2;
  let sr0 = 0;
  let si0 = 0;
  let sr1 = 0;
  let si1 = 0;
  for (let j = 0; j < n; j++) {
    const v = x[j] ?? 0;
    if (v !== 0) {
      sr0 += v * cos(w0 * j);
      si0 -= v * sin(w0 * j);
      sr1 += v * cos(w1 * j);
      si1 -= v * sin(w1 * j);
    }
    const at = (j + 1) % ring;
    r0[at] = sr0;
    i0[at] = si0;
    r1[at] = sr1;
    i1[at] = si1;
    const m = j + 1 - len; // window [m, j]
    if (m < 0) continue;
    const old = m % ring;
    const a0 = sr0 - (r0[old] ?? 0);
    const b0 = si0 - (i0[old] ?? 0);
    const a1 = sr1 - (r1[old] ?? 0);
    const b1 = si1 - (i1[old] ?? 0);
    const e0 = a0 * a0 + b0 * b0;
    const e1 = a1 * a1 + b1 * b1;
    const total = e0 + e1;
    out[m] = total > floor ? (e1 - e0) / total : 0;
  }
  return out;
};

/** The words carried by `samples` (mono, any rate ≥ 6 kHz), or null if they carry none. */
export const decodeVoice = (samples: Int16Array, sampleRate: number): string | null => {
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE) return null;
  const bitLen = sampleRate / VOICE_BAUD;
  const len = max(3, round(bitLen * WINDOW));
  const d = softBits(samples, sampleRate, len);
  const lead = (bitLen - len) / 2;
  /** Index into d of bit k of a frame whose sync word starts at sample s. */
  const at = (s: number, k: number): number => s + round(k * bitLen + lead);
  const syncSigns: number[] = [];
  pushBits(syncSigns, SYNC_WORD, SYNC_BITS);
  const signs = syncSigns.map((b) => (b ? 1 : -1));
  const offsets = signs.map((_, k) => round(k * bitLen + lead));
  const headerBits = SYNC_BITS + LENGTH_BITS + CRC_BITS;
  const lastStart = d.length - ceil(headerBits * bitLen);
  const correlate = (s: number, stopBelow: number): number => {
    let c = 0;
    for (let k = 0; k < SYNC_BITS; k++) {
      c += (signs[k] ?? 0) * (d[s + (offsets[k] ?? 0)] ?? 0);
      if (c + (SYNC_BITS - 1 - k) < stopBelow) return NEG_INF;
    }
    return c;
  };
  const readBits = (s: number, from: number, count: number): number => {
    let v = 0;
    for (let k = from; k < from + count; k++) v = v * 2 + ((d[at(s, k)] ?? 0) > 0 ? 1 : 0);
    return v;
  };
  const readFrame = (s: number): string | null => {
    const length = readBits(s, SYNC_BITS, LENGTH_BITS);
    const bits = headerBits + 8 * length;
    if (at(s, bits - 1) >= d.length) return null;
    const payload = new Uint8Array(length);
    for (let i = 0; i < length; i++) payload[i] = readBits(s, SYNC_BITS + LENGTH_BITS + 8 * i, 8);
    const crc = readBits(s, SYNC_BITS + LENGTH_BITS + 8 * length, CRC_BITS);
    if (crc16(payload, crc16(Uint8Array.of(length >> 8, length & 0xff))) !== crc) return null;
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
    } catch {
      return null;
    }
  };
  let attempts = 0;
  for (let s = 0; s <= lastStart; s++) {
    if (d[s + (offsets[0] ?? 0)] === 0) continue; // silence
    if (correlate(s, SYNC_THRESHOLD) < SYNC_THRESHOLD) continue;
    // The best alignment lies within half a bit after the first match.
    let best = s;
    let bestScore = NEG_INF;
    const end = min(lastStart, s + ceil(bitLen / 2));
    for (let t = s; t <= end; t++) {
      const c = correlate(t, NEG_INF);
      if (c > bestScore) {
        bestScore = c;
        best = t;
      }
    }
    const text = readFrame(best);
    if (text !== null) return text;
    if (++attempts >= MAX_ATTEMPTS) return null;
    s = best + floor(bitLen);
  }
  return null;
};

// ---------------------------------------------------------------------------------------------
// Memoised forms for the realtime simulators: hundreds of calls speak and hear the same lines, and
// demodulating a few seconds of 24 kHz audio costs milliseconds of CPU. Same samples (once the silence
// around them is trimmed) → same text, so the result is exact, not an approximation.

const MEMO_LIMIT = 4096;
const decoded = new Map<string, string | null>();
const encoded = new Map<string, Int16Array>();

const remember = <V>(memo: Map<string, V>, key: string, value: V): V => {
  memo.set(key, value);
  if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  return value;
};

/** decodeVoice, memoised on the samples between the first and last non-zero sample. */
export const decodeVoiceMemo = (samples: Int16Array, sampleRate: number): string | null => {
  let from = 0;
  let to = samples.length;
  while (from < to && samples[from] === 0) from++;
  while (to > from && samples[to - 1] === 0) to--;
  if (from === to) return null;
  const view = samples.subarray(from, to);
  const key = `${sampleRate}:${createHash('sha1').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('base64')}`;
  const hit = decoded.get(key);
  if (hit !== undefined) return hit;
  return remember(decoded, key, decodeVoice(samples, sampleRate));
};

/** encodeVoice, memoised (the result is shared: callers must not write to it). */
export const encodeVoiceMemo = (text: string, sampleRate: number, durationSec: number): Int16Array => {
  const key = `${sampleRate}:${durationSec}:${text}`;
  return encoded.get(key) ?? remember(encoded, key, encodeVoice(text, sampleRate, durationSec));
};
