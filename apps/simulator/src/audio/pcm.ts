/** Sample-level helpers: WAV sample data to linear 16-bit, and loudness per 20 ms frame. */

/** Whether this machine stores 16-bit samples as PCM16LE does (then bytes can be viewed as an Int16Array). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** G.711 µ-law byte to linear 16-bit. */
export const ulawToLinear = (byte: number): number => {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
};

/** G.711 A-law byte to linear 16-bit. */
export const alawToLinear = (byte: number): number => {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
};

export interface SampleFormat {
  /** WAVE format tag: 1 PCM, 6 A-law, 7 µ-law. */
  audioFormat: number;
  channels: number;
  bitsPerSample: number;
  blockAlign: number;
}

/** Channel 0 of WAV sample data as linear 16-bit; null for a sample format a listener cannot decode. */
export const wavSamples = (data: Buffer, f: SampleFormat): Int16Array | null => {
  const width = f.bitsPerSample / 8;
  const pcm = f.audioFormat === 1 && (width === 1 || width === 2);
  const g711 = (f.audioFormat === 6 || f.audioFormat === 7) && width === 1;
  if (!(pcm || g711) || f.channels < 1 || f.blockAlign < width * f.channels) return null;
  const count = Math.floor(data.length / f.blockAlign);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * f.blockAlign;
    const byte = data[at] ?? 0;
    if (width === 2) out[i] = data.readInt16LE(at);
    else if (f.audioFormat === 1) out[i] = (byte - 128) << 8;
    else out[i] = f.audioFormat === 7 ? ulawToLinear(byte) : alawToLinear(byte);
  }
  return out;
};

/** The loudest 20 ms frame's RMS level in dBFS (full scale 32768); −Infinity for digital silence or no frame. */
export const loudestFrameDbfs = (samples: Int16Array, sampleRate: number): number => {
  const size = Math.max(1, Math.round(sampleRate / 50));
  let loudest = 0;
  for (let start = 0; start < samples.length; start += size) {
    const end = Math.min(samples.length, start + size);
    let sum = 0;
    for (let i = start; i < end; i++) sum += (samples[i] ?? 0) ** 2;
    loudest = Math.max(loudest, sum / size);
  }
  return loudest > 0 ? 20 * Math.log10(Math.sqrt(loudest) / 32768) : Number.NEGATIVE_INFINITY;
};
