import { Redis } from 'ioredis';

/**
 * Two kinds of Redis connection (BullMQ's production guide):
 * - `command`: the HTTP path and producers — a command waits through the connect (a fresh process
 *   answers its first webhook) but fails after one reconnection attempt while Redis is down;
 * - `blocking`: BullMQ workers/QueueEvents — must use maxRetriesPerRequest: null.
 * Never set ioredis `keyPrefix` (BullMQ refuses it); keys are prefixed by `redisKey()`.
 */
export function createCommandRedis(url: string): Redis {
  // Auto-pipelining sends every command issued in one event-loop tick in a single write: under
  // hundreds of concurrent calls that is the difference between a syscall per command and per tick.
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 3_000, enableAutoPipelining: true });
}

export function createBlockingRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectTimeout: 3_000 });
}

/** `samtal:call:<id>` — every key of a deployment starts with its REDIS_PREFIX. */
export const keyer =
  (prefix: string) =>
  (...parts: string[]): string =>
    [prefix, ...parts].join(':');
export type Keyer = ReturnType<typeof keyer>;
