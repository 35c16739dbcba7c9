/**
 * A reference resampler for the tests: band-limited interpolation with a Blackman-windowed sinc,
 * centred on each output instant (no delay), normalised to unity gain at DC. The cut-off defaults to
 * 0.45 × the lower rate (3.6 kHz for 8 kHz), what a telephone-grade converter does. It exists only to
 * check that the simulated voice survives what a backend legitimately does to audio; the backend has
 * its own.
 */
const { PI, cos, sin, floor, round, max, min, ceil } = Math;

export const clip = (v: number): number => max(-32768, min(32767, round(v)));

export const resample = (input: Int16Array, fromRate: number, toRate: number, cutoffHz = 0.45 * min(fromRate, toRate), zeros = 24): Int16Array => {
  if (fromRate === toRate) return input.slice();
  const ratio = toRate / fromRate;
  const fc = cutoffHz / fromRate; // cycles per input sample
  const half = ceil(zeros / min(1, ratio));
  const out = new Int16Array(round(input.length * ratio));
  // Rational ratios repeat a few fractional offsets: each kernel is computed once.
  const kernels = new Map<number, Float64Array>();
  const kernelAt = (frac: number): Float64Array => {
    const key = round(frac * 1e6);
    let k = kernels.get(key);
    if (!k) {
      k = new Float64Array(2 * half);
      let norm = 0;
      for (let m = 0; m < 2 * half; m++) {
        const x = m - half + 1 - frac;
        const w = 0.42 + 0.5 * cos((PI * x) / half) + 0.08 * cos((2 * PI * x) / half);
        k[m] = w * (x === 0 ? 2 * fc : sin(2 * PI * fc * x) / (PI * x));
        norm += k[m]!;
      }
      for (let m = 0; m < k.length; m++) k[m]! /= norm;
      if (kernels.size < 4096) kernels.set(key, k);
    }
    return k;
  };
  for (let i = 0; i < out.length; i++) {
    const t = i / ratio;
    const centre = floor(t);
    const k = kernelAt(t - centre);
    const first = centre - half + 1;
    let acc = 0;
    for (let m = 0; m < k.length; m++) {
      const j = first + m;
      if (j >= 0 && j < input.length) acc += input[j]! * k[m]!;
    }
    out[i] = clip(acc);
  }
  return out;
};

/** Multiplies every sample by `gain`, clipping to int16 as a real gain stage does. */
export const applyGain = (x: Int16Array, gain: number): Int16Array => x.map((v) => clip(v * gain));

/** `before` samples of silence in front and `after` behind (a negative `before` drops samples instead). */
export const pad = (x: Int16Array, before: number, after: number): Int16Array => {
  const body = before < 0 ? x.subarray(-before) : x;
  const out = new Int16Array(max(0, before) + body.length + after);
  out.set(body, max(0, before));
  return out;
};
