import type { RequestHandler } from 'express';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import type { Deps } from '../deps';
import { AppError, unauthorized } from './errors';

/**
 * Business users send `Authorization: Bearer <Supabase access token>`. The token is verified
 * locally (HS256 with SUPABASE_JWT_SECRET and/or the project's JWKS, cached by jose), its `sub`
 * looked up in business_users, and every business query is scoped to those businesses.
 */

export type BusinessRole = 'owner' | 'admin' | 'viewer';
export type BusinessPrincipal = {
  userId: string;
  businessIds: string[];
  /** The businesses this user may change things for (role owner or admin); a viewer only reads. */
  managedBusinessIds: string[];
};

declare global {
  namespace Express {
    interface Request {
      business?: BusinessPrincipal;
    }
  }
}

type Ctx = Pick<Deps, 'config' | 'sql'>;
const CLOCK_TOLERANCE_S = 5;
type Verifier = (token: string) => Promise<JWTPayload>;

export function createTokenVerifier(config: Deps['config']): Verifier {
  const secret = config.SUPABASE_JWT_SECRET ? new TextEncoder().encode(config.SUPABASE_JWT_SECRET) : null;
  const jwks = config.SUPABASE_JWKS_URL ? createRemoteJWKSet(new URL(config.SUPABASE_JWKS_URL), { cacheMaxAge: 10 * 60_000 }) : null;
  // Supabase Auth issues tokens as `<project URL>/auth/v1`: pinned when the project URL is known.
  const issuer = config.SUPABASE_URL ? `${config.SUPABASE_URL.replace(/\/+$/, '')}/auth/v1` : undefined;
  const options: JWTVerifyOptions = {
    audience: 'authenticated',
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['exp', 'sub'],
    ...(issuer ? { issuer } : {}),
  };
  const checked = (payload: JWTPayload): JWTPayload => {
    // A token "issued" in the future was not issued by a clock we share: refused.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) throw unauthorized('invalid token: issued in the future');
    return payload;
  };
  return async (token) => {
    let header: { alg?: string };
    try {
      header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString() || '{}') as { alg?: string };
    } catch {
      throw unauthorized('invalid token: unreadable header');
    }
    if (header.alg === 'HS256') {
      if (!secret) throw unauthorized('HS256 tokens are not accepted here');
      return checked((await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload);
    }
    if (!jwks) throw unauthorized('asymmetric tokens need SUPABASE_JWKS_URL');
    return checked((await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload);
  };
}

/** Verifies the bearer token and attaches `req.business`; 401 for anything not a valid, known user. */
export function requireBusinessUser(ctx: Ctx): RequestHandler {
  const verify = createTokenVerifier(ctx.config);
  return async (req, _res, next) => {
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(req.header('authorization') ?? '');
    if (!m) throw unauthorized('missing bearer token');
    let payload: JWTPayload;
    try {
      payload = await verify(m[1]!);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unauthorized(`invalid token: ${(err as { code?: string }).code ?? 'unverifiable'}`);
    }
    const userId = payload.sub;
    if (!userId || !/^[0-9a-f-]{36}$/i.test(userId)) throw unauthorized('token has no valid subject');
    const rows = await ctx.sql<{ business_id: string; role: BusinessRole }[]>`
      select business_id, role from business_users where user_id = ${userId}`;
    if (rows.length === 0) throw unauthorized('unknown user');
    req.business = {
      userId,
      businessIds: rows.map((r) => r.business_id),
      managedBusinessIds: rows.filter((r) => r.role === 'owner' || r.role === 'admin').map((r) => r.business_id),
    };
    next();
  };
}

/** The principal of an authenticated business request (the middleware ran). */
export function principal(req: Express.Request): BusinessPrincipal {
  if (!req.business) throw unauthorized();
  return req.business;
}
