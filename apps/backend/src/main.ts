import { setFlagsFromString } from 'node:v8';
import { type Config, ConfigError, loadConfig, loadEnvFile } from './config';
import { createDeps } from './deps';
import { buildApp } from './http/app';
import { startScheduler } from './jobs/scheduler';
import { startWorkers } from './jobs/workers';
import { closeServer, onSignals, type Stoppable, shutdown } from './lifecycle';
import type { Logger } from './observability/logger';
import { enableTrace, writeTrace } from './observability/trace';
import { startRealtime } from './realtime/attach';

/** Composition root: config → clients → roles; graceful shutdown in reverse order. */
export async function start(config: Config): Promise<{ stop: () => Promise<boolean>; port: number | undefined; log: Logger }> {
  const { deps, close } = createDeps(config);
  if (config.TRACE_FILE) enableTrace();
  const runs = (role: 'api' | 'worker' | 'scheduler') => config.ROLE === 'all' || config.ROLE === role;
  const steps: Stoppable[] = [];
  let port: number | undefined;

  if (runs('api')) {
    const server = buildApp(deps).listen(config.PORT);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : undefined;
    deps.log.info('api listening', { port, role: config.ROLE });
    // The realtime socket first: closing it ends its bridges (46elks continues those calls in the record loop).
    const realtime = startRealtime(deps, server);
    if (realtime) steps.push(realtime);
    steps.push({ name: 'http', stop: () => closeServer(server) });
  }
  if (runs('worker')) steps.push(await startWorkers(deps));
  if (runs('scheduler')) steps.push(await startScheduler(deps));
  steps.push({ name: 'clients', stop: close });
  const traceFile = config.TRACE_FILE;
  if (traceFile) steps.push({ name: 'trace', stop: async () => void deps.log.info('trace written', { file: traceFile, records: writeTrace(traceFile) }) });

  return { stop: () => shutdown(steps, config.SHUTDOWN_GRACE_MS, deps.log), port, log: deps.log };
}

if (require.main === module) {
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig();
    // An API process holds little live data (34 MiB of heap at 1,000 concurrent calls) but lets V8 grow
    // its heap far past that between collections: V8's memory-saving heuristics keep its RSS near half
    // (measured: 195 → 108 MiB peak, README "Benchmarks" f) for ~25 % more CPU — cheap on a process
    // that mostly waits on Redis. Workers keep the default (their CPU is the analysis throughput). Not
    // a heap cap: the heap still grows as far as the load needs.
    if (config.ROLE === 'api') setFlagsFromString('--optimize-for-size');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The logger needs config; a bad config is reported on stderr, one line per problem.
    process.stderr.write(`samtal: cannot start, ${err.message}\n`);
    process.exit(2);
  }
  start(config).then(
    ({ stop, log }) => onSignals(stop, log),
    (err: unknown) => {
      process.stderr.write(`samtal: failed to start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

