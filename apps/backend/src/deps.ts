import type { Redis } from 'ioredis';
import type OpenAI from 'openai';
import type { Config } from './config';
import { createDb, type Sql } from './db/client';
import { createCommandRedis, type Keyer, keyer } from './db/redis';
import { closeQueues, createQueues, type Queues } from './jobs/queues';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createOpenAI } from './speech/openai';
import { createElksClient, type ElksClient } from './telephony/elks-client';

/** Everything a feature needs, built once in the composition root (or by a test, against its own DB/prefix). */
export type Deps = {
  config: Config;
  log: Logger;
  sql: Sql;
  /** Fail-fast command connection (HTTP path, producers). */
  redis: Redis;
  key: Keyer;
  queues: Queues;
  elks: ElksClient;
  openai: OpenAI;
  metrics: Metrics;
  clock: () => Date;
};

export type Overrides = { log?: Logger; clock?: () => Date };

export function createDeps(config: Config, overrides: Overrides = {}): { deps: Deps; close: () => Promise<void> } {
  const log = overrides.log ?? createLogger({ level: config.LOG_LEVEL });
  const sql = createDb({ url: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, prepare: config.DATABASE_PREPARE, log });
  const redis = createCommandRedis(config.REDIS_URL);
  // An unreachable Redis must not crash the process: /ready reports it, ioredis reconnects.
  redis.on('error', (err) => log.warn('redis connection error', { err: err.message }));
  // Queues on a connection of their own: BullMQ's scripts and the job traffic of busy workers never
  // sit in front of a webhook's reads and writes on one socket (replies come back in order).
  const queueRedis = createCommandRedis(config.REDIS_URL);
  queueRedis.on('error', (err) => log.warn('redis connection error', { err: err.message, connection: 'queues' }));
  const queues = createQueues(queueRedis, config.REDIS_PREFIX, (queue, err) =>
    log.warn('queue connection error', { queue, err: err.message }),
  );
  const elks = createElksClient({
    baseUrl: config.ELKS_API_URL,
    username: config.ELKS_USERNAME,
    password: config.ELKS_PASSWORD,
    log,
  });
  const deps: Deps = {
    config,
    log,
    sql,
    redis,
    key: keyer(config.REDIS_PREFIX),
    queues,
    elks,
    openai: createOpenAI(config),
    metrics: createMetrics(),
    clock: overrides.clock ?? (() => new Date()),
  };
  const close = async () => {
    await closeQueues(queues).catch((err) => log.warn('closing queues failed', { err }));
    await Promise.allSettled([
      redis.quit().catch(() => redis.disconnect()),
      queueRedis.quit().catch(() => queueRedis.disconnect()),
      sql.end({ timeout: 5 }),
    ]);
  };
  return { deps, close };
}
