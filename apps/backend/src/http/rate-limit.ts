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
export type LimitOptions = { redis: Redis; prefix: string; windowMs: number; limit: number; kind: LimitKind; log: Logger };

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
      if (opts.kind === 'internal' && key) return `k:${hash(key)}`;
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
