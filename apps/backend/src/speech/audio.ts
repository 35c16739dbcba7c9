/**
 * The audio we play and the audio we record, read and written in plain TypeScript:
 * - conversation time is counted from the audio itself (DESIGN §6), so every prompt's length must
 *   be known exactly;
 * - prompts are served as canonical PCM WAV (sizes that match the file, 8 kHz mono 16-bit, the rate
 *   of a phone line), whatever OpenAI streamed (a 24 kHz WAV whose size fields say 0xFFFFFFFF);
 * - a recording that cannot hold speech (too short, or silence) is not sent to speech-to-text,
 *   which invents text on silence.
 */

export type Pcm = { sampleRate: number; samples: Int16Array };

/** The rate prompts are served at: telephone audio (G.711 on the PSTN) is 8 kHz. */
export const PROMPT_SAMPLE_RATE = 8_000;

type Fmt = { format: number; channels: number; sampleRate: number; byteRate: number; blockAlign: number; bits: number };

/** Walks the RIFF chunks; a streamed file's placeholder sizes (0xFFFFFFFF, 0) mean "to the end". */
function readWav(buf: Buffer): { fmt: Fmt; data: Buffer } | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let offset = 12;
  let fmt: Fmt | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
      // WAVE_FORMAT_EXTENSIBLE: the real format tag is the sub-format GUID's first two bytes.
      if (fmt.format === 0xfffe && size >= 40 && body + 26 <= buf.length) fmt.format = buf.readUInt16LE(body + 24);
    }
    if (id === 'data') {
      if (!fmt) return null;
      const end = size === 0xffffffff || size === 0 || body + size > buf.length ? buf.length : body + size;
      return { fmt, data: buf.subarray(body, end) };
    }
    offset = body + size + (size % 2);
  }
  return null;
}

/** Duration of a RIFF/WAVE file in ms, or null if the buffer is not WAV. */
export function wavDurationMs(buf: Buffer): number | null {
  const wav = readWav(buf);
  if (!wav || wav.fmt.byteRate === 0) return null;
  return Math.round((wav.data.length / wav.fmt.byteRate) * 1000);
}

export const isWav = (buf: Buffer) => wavDurationMs(buf) !== null;

/** G.711 µ-law and A-law to linear 16-bit (ITU-T G.711). */
function ulaw(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}
function alaw(byte: number): number {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/** Decodes WAV to mono 16-bit samples (PCM 8/16/24/32-bit, float 32, A-law, µ-law; channel 0). Null if it cannot. */
export function decodeWav(buf: Buffer): Pcm | null {
  const wav = readWav(buf);
  if (!wav) return null;
  const { fmt, data } = wav;
  const width = fmt.bits / 8;
  if (fmt.channels < 1 || fmt.sampleRate < 1 || !Number.isInteger(width) || width < 1) return null;
  const frame = fmt.blockAlign || width * fmt.channels;
  const count = Math.floor(data.length / frame);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * frame;
    let v: number;
    if (fmt.format === 1 && width === 2) v = data.readInt16LE(at);
    else if (fmt.format === 1 && width === 1) v = (data[at]! - 128) << 8;
    else if (fmt.format === 1 && width === 3) v = data.readIntLE(at, 3) >> 8;
    else if (fmt.format === 1 && width === 4) v = data.readInt32LE(at) >> 16;
    else if (fmt.format === 3 && width === 4) v = Math.round(Math.max(-1, Math.min(1, data.readFloatLE(at))) * 32767);
    else if (fmt.format === 7 && width === 1) v = ulaw(data[at]!);
    else if (fmt.format === 6 && width === 1) v = alaw(data[at]!);
    else return null;
    out[i] = v;
  }
  return { sampleRate: fmt.sampleRate, samples: out };
}

/** A canonical 44-byte-header PCM WAV (mono, 16-bit) whose RIFF and data sizes match its length. */
export function encodeWav(pcm: Pcm): Buffer {
  const dataBytes = pcm.samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(pcm.sampleRate, 24);
  buf.writeUInt32LE(pcm.sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.samples.length; i++) buf.writeInt16LE(pcm.samples[i]!, 44 + i * 2);
  return buf;
}

/** Half-width of the windowed-sinc kernel, in output-rate periods when decimating. */
const KERNEL_ZEROS = 16;

/**
 * Band-limited resampling with a Blackman-windowed sinc whose cut-off sits a little below the lower
 * Nyquist frequency (nothing above ~3.6 kHz survives into an 8 kHz file to alias). Zero delay: the
 * kernel is centred on each output instant.
 */
export function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.sampleRate === rate) return pcm;
  const ratio = rate / pcm.sampleRate;
  const cutoff = 0.45 * Math.min(1, ratio); // cycles per input sample: 0.9 × the lower Nyquist
  const half = Math.ceil(KERNEL_ZEROS / Math.min(1, ratio));
  const n = Math.round(pcm.samples.length * ratio);
  const out = new Int16Array(n);
  const src = pcm.samples;
  // Rational rate ratios repeat a handful of fractional offsets: each kernel is computed once.
  const kernels = new Map<number, Float64Array>();
  const kernelAt = (frac: number): Float64Array => {
    const key = Math.round(frac * 1e6);
    let k = kernels.get(key);
    if (!k) {
      k = new Float64Array(2 * half);
      let sum = 0;
      for (let m = 0; m < 2 * half; m++) {
        const x = m - half + 1 - frac;
        const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
        const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
        k[m] = w * sinc;
        sum += k[m]!;
      }
      for (let m = 0; m < k.length; m++) k[m] = k[m]! / sum; // unity gain at DC
      if (kernels.size < 4096) kernels.set(key, k);
    }
    return k;
  };
  for (let i = 0; i < n; i++) {
    const t = i / ratio; // position in input samples
    const centre = Math.floor(t);
    const k = kernelAt(t - centre);
    let acc = 0;
    const first = centre - half + 1;
    for (let m = 0; m < k.length; m++) {
      const j = first + m;
      if (j >= 0 && j < src.length) acc += src[j]! * k[m]!;
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return { sampleRate: rate, samples: out };
}

/** RMS of 20 ms frames in dBFS (full scale = 32768). */
function frameLevels(pcm: Pcm): number[] {
  const size = Math.max(1, Math.round(pcm.sampleRate / 50));
  const levels: number[] = [];
  for (let start = 0; start + size <= pcm.samples.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += pcm.samples[i]! * pcm.samples[i]!;
    const rms = Math.sqrt(sum / size);
    levels.push(rms > 0 ? 20 * Math.log10(rms / 32768) : -120);
  }
  return levels;
}

/** Below this a recording cannot hold a word (OpenAI refuses audio under 0.1 s). */
export const MIN_SPEECH_RECORDING_MS = 300;
/** A 20 ms frame at or above this level counts as voiced (phone-line noise sits around -60 dBFS). */
export const SPEECH_LEVEL_DBFS = -42;
/** A recording needs this much voiced audio to be worth transcribing ("ja" is about 0.3 s). */
export const MIN_VOICED_MS = 200;

export type SpeechCheck =
  | { speech: true; durationMs: number; voicedMs: number }
  | { speech: false; reason: 'too_short' | 'too_quiet'; durationMs: number; voicedMs: number }
  | { speech: 'unknown'; reason: 'not_decodable' };

/**
 * Whether a recording can hold speech. Transcription models invent text on silence ("Tack för att du
 * tittade!"), so a recording that is too short or too quiet is treated as silence without asking one.
 */
export function checkSpeech(wav: Buffer): SpeechCheck {
  const pcm = decodeWav(wav);
  if (!pcm) return { speech: 'unknown', reason: 'not_decodable' };
  const durationMs = Math.round((pcm.samples.length / pcm.sampleRate) * 1000);
  const voicedMs = frameLevels(pcm).filter((db) => db >= SPEECH_LEVEL_DBFS).length * 20;
  if (durationMs < MIN_SPEECH_RECORDING_MS) return { speech: false, reason: 'too_short', durationMs, voicedMs };
  if (voicedMs < MIN_VOICED_MS) return { speech: false, reason: 'too_quiet', durationMs, voicedMs };
  return { speech: true, durationMs, voicedMs };
}
