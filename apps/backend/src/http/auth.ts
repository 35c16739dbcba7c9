import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from './errors';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

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
