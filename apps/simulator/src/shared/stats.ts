/** Latency samples with nearest-rank percentiles. Bounded: keeps the most recent `cap` samples. */
export interface LatencySummary {
  count: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export interface LatencyStats {
  add(ms: number): void;
  addError(): void;
  summary(): LatencySummary;
  samples(): readonly number[];
}

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
};

const round2 = (n: number): number => Math.round(n * 100) / 100;

export const summarize = (values: readonly number[], errors = 0): LatencySummary => {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    errors,
    p50_ms: round2(percentile(sorted, 50)),
    p95_ms: round2(percentile(sorted, 95)),
    p99_ms: round2(percentile(sorted, 99)),
    max_ms: round2(sorted[sorted.length - 1] ?? 0),
    mean_ms: round2(sorted.length ? sum / sorted.length : 0),
  };
};

export const createLatencyStats = (cap = 200_000): LatencyStats => {
  const values: number[] = [];
  let next = 0;
  let errors = 0;
  return {
    add: (ms) => {
      if (values.length < cap) values.push(ms);
      else {
        values[next] = ms;
        next = (next + 1) % cap;
      }
    },
    addError: () => {
      errors++;
    },
    summary: () => summarize(values, errors),
    samples: () => values,
  };
};
