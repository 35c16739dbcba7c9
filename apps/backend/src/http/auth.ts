import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from './errors';

/**
 * Constant-time equality that does not reveal the secret's length either: both sides are hashed to
 * 32 bytes first (comparing raw buffers returns early when the lengths differ).
 */
export const sameSecret = (given: string, secret: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(secret).digest());
const same = sameSecret;

/** Internal callers: `X-API-Key: $ADMIN_API_KEY`. */
export const requireApiKey =
  (key: string): RequestHandler =>
  (req, _res, next) => {
    const given = req.header('x-api-key');
    if (!given || !same(given, key)) throw unauthorized('missing or invalid X-API-Key');
    next();
  };

/** A shared bearer secret (the Supabase database webhook). */
export const requireBearerSecret =
  (secret: string): RequestHandler =>
  (req, _res, next) => {
    const m = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    if (!m || !same(m[1]!, secret)) throw unauthorized('missing or invalid bearer secret');
    next();
  };
