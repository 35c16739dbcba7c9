import { setMaxListeners } from 'node:events';

/** Thrown into every pending wait when the simulators are stopped. */
export class StoppedError extends Error {
  constructor() {
    super('simulator stopped');
    this.name = 'StoppedError';
  }
}

/**
 * Owns every timer of one simulator instance, so `stop()` can cancel them all (no open handles).
 * Simulated durations are turned into real waits by `timeScale` (0.05 = 20x faster).
 */
export interface Scheduler {
  readonly timeScale: number;
  /** Aborted by stop(); pass it (or a signal derived from it) to fetch. */
  readonly signal: AbortSignal;
  readonly stopped: () => boolean;
  /** Wait a simulated duration (scaled by timeScale). */
  sleepSim(simMs: number): Promise<void>;
  /** Wait real milliseconds (not scaled). */
  sleepReal(ms: number): Promise<void>;
  /** Run fn after real ms unless stopped first; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  stop(): void;
}

export const createScheduler = (timeScale: number): Scheduler => {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const pending = new Map<NodeJS.Timeout, () => void>();

  const sleepReal = (ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (controller.signal.aborted) return reject(new StoppedError());
      const timer = setTimeout(
        () => {
          pending.delete(timer);
          resolve();
        },
        Math.max(0, ms),
      );
      pending.set(timer, () => reject(new StoppedError()));
    });

  const after = (ms: number, fn: () => void): (() => void) => {
    if (controller.signal.aborted) return () => {};
    const timer = setTimeout(
      () => {
        pending.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    pending.set(timer, () => {});
    return () => {
      clearTimeout(timer);
      pending.delete(timer);
    };
  };

  return {
    timeScale,
    signal: controller.signal,
    stopped: () => controller.signal.aborted,
    sleepSim: (simMs) => sleepReal(simMs * timeScale),
    sleepReal,
    after,
    stop: () => {
      if (controller.signal.aborted) return;
      controller.abort(new StoppedError());
      for (const [timer, cancel] of pending) {
        clearTimeout(timer);
        cancel();
      }
      pending.clear();
    },
  };
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 46elks timestamp: UTC, no zone, microseconds, e.g. `2016-11-03T15:08:14.609873`. */
export const elksTimestamp = (date: Date = new Date()): string => {
  const micro = Number(process.hrtime.bigint() / 1000n) % 1000;
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `.${pad(date.getUTCMilliseconds(), 3)}${pad(micro, 3)}`
  );
};
