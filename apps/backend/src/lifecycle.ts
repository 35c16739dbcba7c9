import type { Server } from 'node:http';
import type { Logger } from './observability/logger';

export type Stoppable = { name: string; stop: () => Promise<void> };

/** Stops accepting connections, lets in-flight requests finish, closes idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * Runs the stop steps in order (HTTP first, then workers/scheduler, then clients) under a hard
 * deadline. Resolves true when everything stopped in time, false when the deadline cut it short.
 */
export async function shutdown(steps: Stoppable[], graceMs: number, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const run = (async () => {
    for (const step of steps) {
      try {
        await step.stop();
        log.info('stopped', { component: step.name });
      } catch (err) {
        log.error('stop failed', { component: step.name, err });
      }
    }
    return true as const;
  })();
  const finished = await Promise.race([run, deadline]);
  clearTimeout(timer);
  if (!finished) log.error('shutdown deadline passed; exiting with work still running', { grace_ms: graceMs });
  return finished;
}

/** SIGTERM/SIGINT → shutdown → exit 0 (or 1 past the deadline). A second signal exits at once. */
export function onSignals(stop: () => Promise<boolean>, log: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    stop().then(
      (ok) => process.exit(ok ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
