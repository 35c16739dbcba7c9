import { LITTLE_ENDIAN } from '../../audio/pcm';

/**
 * Energy VAD over 20 ms frames of 24 kHz PCM16, driven only by the bytes appended (audio time = bytes).
 * A frame is speech when its RMS level is above the threshold mapped to dBFS: −70 + 50 × threshold
 * (0.5 → −45 dBFS, the transcription endpoint's silence level; the simulated voice sits near −13 dBFS).
 */

export const SAMPLE_RATE = 24_000;
export const BYTES_PER_MS = 48;
export const FRAME_MS = 20;
const FRAME_BYTES = FRAME_MS * BYTES_PER_MS;

export interface VadConfig {
  threshold: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export type VadEvent =
  | { type: 'speech_started'; audioStartMs: number }
  | { type: 'speech_stopped'; audioStartMs: number; audioEndMs: number; samples: Int16Array };

export const thresholdDbfs = (threshold: number): number => -70 + 50 * threshold;

/** The PCM16 LE samples of `bytes` (an even length), as a view where the bytes allow it, else a copy. */
const samplesOf = (bytes: Buffer): Int16Array => {
  const n = bytes.length >> 1;
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
};

const frameDbfs = (frame: Buffer): number => {
  const s = samplesOf(frame);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]! * s[i]!;
  return sum > 0 ? 20 * Math.log10(Math.sqrt(sum / s.length) / 32768) : Number.NEGATIVE_INFINITY;
};

/** A copy of the PCM16 LE samples (the caller keeps them; the bytes' memory may be reused). */
export const toSamples = (bytes: Buffer): Int16Array => samplesOf(bytes).slice();

/**
 * The input audio buffer: keeps the bytes since the last commit (or clear) and, when a VAD config is set,
 * reports speech starts and stops. `bufferStartMs` is the audio time of the buffer's first byte.
 */
export class InputBuffer {
  /** Total input audio so far, in ms (from bytes). */
  totalBytes = 0;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private bufferStartByte = 0;
  private partial: Buffer = Buffer.alloc(0);
  private speaking = false;
  private speechStartByte = 0;
  private lastSpeechEndByte = 0;
  private silenceMs = 0;

  constructor(public vad: VadConfig | null) {}

  get totalMs(): number {
    return this.totalBytes / BYTES_PER_MS;
  }

  get bufferedMs(): number {
    return this.bufferedBytes / BYTES_PER_MS;
  }

  get bufferStartMs(): number {
    return this.bufferStartByte / BYTES_PER_MS;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Appends audio; returns the VAD events it caused, in order. */
  append(bytes: Buffer): VadEvent[] {
    const events: VadEvent[] = [];
    this.chunks.push(bytes);
    this.bufferedBytes += bytes.length;
    this.totalBytes += bytes.length;
    if (!this.vad) return events;
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, bytes]) : bytes;
    let frameStart = this.totalBytes - data.length;
    while (data.length >= FRAME_BYTES) {
      const frame = data.subarray(0, FRAME_BYTES);
      data = data.subarray(FRAME_BYTES);
      const ev = this.frame(frame, frameStart);
      if (ev) events.push(ev);
      frameStart += FRAME_BYTES;
    }
    this.partial = Buffer.from(data);
    if (!this.speaking) this.trimIdle();
    return events;
  }

  private frame(frame: Buffer, startByte: number): VadEvent | null {
    const vad = this.vad as VadConfig;
    const speech = frameDbfs(frame) > thresholdDbfs(vad.threshold);
    const endByte = startByte + frame.length;
    if (!this.speaking) {
      if (!speech) return null;
      this.speaking = true;
      this.silenceMs = 0;
      this.speechStartByte = Math.max(this.bufferStartByte, startByte - vad.prefixPaddingMs * BYTES_PER_MS);
      this.lastSpeechEndByte = endByte;
      return { type: 'speech_started', audioStartMs: this.speechStartByte / BYTES_PER_MS };
    }
    if (speech) {
      this.silenceMs = 0;
      this.lastSpeechEndByte = endByte;
      return null;
    }
    this.silenceMs += FRAME_MS;
    if (this.silenceMs < vad.silenceDurationMs) return null;
    this.speaking = false;
    const samples = this.slice(this.speechStartByte, this.lastSpeechEndByte);
    const ev: VadEvent = {
      type: 'speech_stopped',
      audioStartMs: this.speechStartByte / BYTES_PER_MS,
      audioEndMs: this.lastSpeechEndByte / BYTES_PER_MS,
      samples,
    };
    this.drop(endByte);
    return ev;
  }

  /** Bytes [from, to) of the buffer (absolute byte offsets) as samples. */
  private slice(from: number, to: number): Int16Array {
    const all = Buffer.concat(this.chunks);
    const start = Math.max(0, from - this.bufferStartByte);
    const end = Math.max(start, Math.min(all.length, to - this.bufferStartByte));
    return toSamples(all.subarray(start - (start % 2), end - (end % 2)));
  }

  /** Forgets the buffer up to absolute byte `upTo`. */
  private drop(upTo: number): void {
    const all = Buffer.concat(this.chunks);
    const cut = Math.max(0, Math.min(all.length, upTo - this.bufferStartByte));
    const rest = Buffer.from(all.subarray(cut));
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    this.bufferStartByte += cut;
  }

  /** While nobody speaks, only the prefix padding (and a little more) is worth keeping. */
  private trimIdle(): void {
    const keep = ((this.vad?.prefixPaddingMs ?? 0) + 1000) * BYTES_PER_MS;
    if (this.bufferedBytes > 2 * keep) this.drop(this.totalBytes - keep);
  }

  /** Manual commit (or commit by the server): everything buffered; resets the VAD. */
  commitAll(): { audioStartMs: number; audioEndMs: number; samples: Int16Array } {
    const startByte = this.speaking ? this.speechStartByte : this.bufferStartByte;
    const samples = this.slice(startByte, this.totalBytes);
    const res = { audioStartMs: startByte / BYTES_PER_MS, audioEndMs: this.totalMs, samples };
    this.clear();
    return res;
  }

  clear(): void {
    this.chunks = [];
    this.bufferedBytes = 0;
    this.bufferStartByte = this.totalBytes;
    this.speaking = false;
    this.silenceMs = 0;
  }
}
