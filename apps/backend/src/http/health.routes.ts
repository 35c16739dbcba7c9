import { Router } from 'express';
import type { DependencyCheck, HealthResponse, ReadyResponse } from '@samtal/types';
import type { Deps } from '../deps';
import { AppError } from './errors';

const READY_TIMEOUT_MS = 1_500;

/** A fresh connection may still be connecting: give it the check's time budget before pinging. */
async function pingRedis(redis: Deps['redis']): Promise<unknown> {
  if (redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'reconnecting') {
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        redis.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        redis.off('ready', onReady);
        reject(err);
      };
      redis.once('ready', onReady);
      redis.once('error', onError);
    });
  }
  return redis.ping();
}

type Checked = { check: DependencyCheck; cause: string | null };

async function check(fn: () => Promise<unknown>): Promise<Checked> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`timed out after ${READY_TIMEOUT_MS} ms`));
        }, READY_TIMEOUT_MS);
      }),
    ]);
    return { check: { ok: true, latency_ms: Math.round(performance.now() - started) }, cause: null };
  } catch (err) {
    // The driver's own message (hosts, ports, users) is for the log, not for an anonymous caller.
    const error = timedOut ? 'timed out' : 'unreachable';
    return { check: { ok: false, latency_ms: Math.round(performance.now() - started), error }, cause: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness: the process answers. Never touches a dependency, never limited. */
export const livenessRoutes = () =>
  Router().get('/health', (_req, res) => {
    const payload: HealthResponse = { status: 'ok', uptime_seconds: Math.round(process.uptime()) };
    res.json(payload);
  });

/** Readiness: Postgres and Redis both answer; 503 names the one that does not (the cause goes to the log). */
export const readinessRoutes = (deps: Pick<Deps, 'sql' | 'redis' | 'log'>) =>
  Router().get('/ready', async (_req, res) => {
    const [pg, rd] = await Promise.all([check(() => deps.sql`select 1`), check(() => pingRedis(deps.redis))]);
    const checks = { postgres: pg.check, redis: rd.check };
    if (pg.check.ok && rd.check.ok) {
      const payload: ReadyResponse = { status: 'ready', checks };
      res.json(payload);
      return;
    }
    deps.log.warn('not ready', { postgres: pg.cause, redis: rd.cause });
    const failing = [!pg.check.ok && 'postgres', !rd.check.ok && 'redis'].filter(Boolean).join(' and ');
    throw new AppError('service_unavailable', `not ready: ${failing} unreachable`, { checks });
  });
