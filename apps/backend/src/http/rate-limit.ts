import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../observability/logger';
import { AppError } from './errors';

/**
 * Rate limits shared by every instance through Redis (express-rate-limit + rate-limit-redis),
 * keyed per business user, per API key or per client IP. 429 carries Retry-After and our
 * ErrorResponse. 46elks webhooks are not limited here: their tokens protect them.
 */

export type LimitKind = 'business' | 'internal' | 'ip';
export type LimitOptions = {
  redis: Redis;
  prefix: string;
  windowMs: number;
  limit: number;
  kind: LimitKind;
  log: Logger;
  /** internal: whether an X-API-Key is the real one. Only then is it the bucket; a guess counts against its IP. */
  isValidKey?: (key: string) => boolean;
};

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);

export function rateLimiter(opts: LimitOptions): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Retry-After is set by express-rate-limit on 429; our handler shapes the body.
    store: new RedisStore({
      prefix: `${opts.prefix}:rl:${opts.kind}:`,
      sendCommand: (command: string, ...args: string[]) => opts.redis.call(command, ...args) as Promise<RedisReply>,
    }),
    keyGenerator: (req) => {
      if (opts.kind === 'business' && req.business) return `u:${req.business.userId}`;
      const key = req.header('x-api-key');
      if (opts.kind === 'internal' && key && opts.isValidKey?.(key)) return `k:${hash(key)}`;
      return `ip:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`;
    },
    // A Redis outage must not take the API down with it.
    passOnStoreError: true,
    logger: {
      warn: (...args: unknown[]) => opts.log.warn('rate limiter', { detail: args.map(String).join(' ') }),
      error: (...args: unknown[]) => opts.log.warn('rate limiter store error', { detail: args.map(String).join(' ') }),
    },
    handler: (_req, _res, next, options) => {
      next(new AppError('rate_limited', `too many requests: at most ${options.limit} per ${Math.round(options.windowMs / 1000)} s`));
    },
  });
}

/**
 * Failed authentication, counted per client IP across instances: after `limit` 401s in a window
 * every further request from that address is refused with 429 until the window ends, so guessing a
 * key, a token or a secret costs the guesser the whole window. Successful requests do not count.
 */
export function authFailureLimiter(opts: Omit<LimitOptions, 'kind' | 'isValidKey'>): RequestHandler {
  return async (req, res, next) => {
    const key = `${opts.prefix}:rl:authfail:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`;
    let failures = 0;
    try {
      failures = Number((await opts.redis.get(key)) ?? 0);
    } catch (err) {
      // A Redis outage must not take the API down with it.
      opts.log.warn('auth failure limiter store error', { err: (err as Error).message });
    }
    if (failures >= opts.limit) {
      const ttl = await opts.redis.pttl(key).catch(() => opts.windowMs);
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((ttl > 0 ? ttl : opts.windowMs) / 1000))));
      return next(new AppError('rate_limited', `too many failed authentications from this address: wait ${Math.round(opts.windowMs / 1000)} s`));
    }
    res.on('finish', () => {
      if (res.statusCode !== 401) return;
      opts.redis
        .multi()
        .incr(key)
        .pexpire(key, opts.windowMs, 'NX')
        .exec()
        .catch(() => {});
    });
    next();
  };
}