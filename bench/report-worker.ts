/**
 * A backend worker process for the reports benchmark: the backend's own `startWorkers` (every
 * queue, so the `reports` jobs run exactly as in ROLE=worker) with the `reports` concurrency
 * from BENCH_REPORTS_CONCURRENCY (startWorkers' default is 2). Configured from the environment
 * like the backend; prints "workers ready" once it consumes jobs.
 */
import { loadConfig } from '../apps/backend/src/config';
import { createDeps } from '../apps/backend/src/deps';
import { startWorkers } from '../apps/backend/src/jobs/workers';

async function main(): Promise<void> {
  const { deps, close } = createDeps(loadConfig());
  const concurrency = Number(process.env.BENCH_REPORTS_CONCURRENCY ?? 2);
  const workers = await startWorkers(deps, { concurrency: { reports: concurrency } });
  process.stdout.write(`workers ready (reports concurrency ${concurrency})\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    void workers
      .stop()
      .then(close)
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`report worker failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
