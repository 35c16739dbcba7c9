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

async function check(fn: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes = (deps: Pick<Deps, 'sql' | 'redis'>) =>
  Router()
    /** Liveness: the process answers. Never touches a dependency. */
    .get('/health', (_req, res) => {
      const payload: HealthResponse = { status: 'ok', uptime_seconds: Math.round(process.uptime()) };
      res.json(payload);
    })
    /** Readiness: Postgres and Redis both answer; 503 names the one that does not. */
    .get('/ready', async (_req, res) => {
      const [postgres, redis] = await Promise.all([check(() => deps.sql`select 1`), check(() => pingRedis(deps.redis))]);
      if (postgres.ok && redis.ok) {
        const payload: ReadyResponse = { status: 'ready', checks: { postgres, redis } };
        res.json(payload);
        return;
      }
      const failing = [!postgres.ok && 'postgres', !redis.ok && 'redis'].filter(Boolean).join(' and ');
      throw new AppError('service_unavailable', `not ready: ${failing} unreachable`, { checks: { postgres, redis } });
    });
