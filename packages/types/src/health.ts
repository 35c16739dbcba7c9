import { z } from 'zod';

export const HealthResponse = z.object({ status: z.literal('ok'), uptime_seconds: z.number() });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const DependencyCheck = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
export type DependencyCheck = z.infer<typeof DependencyCheck>;

export const ReadyResponse = z.object({
  status: z.literal('ready'),
  checks: z.object({ postgres: DependencyCheck, redis: DependencyCheck }),
});
export type ReadyResponse = z.infer<typeof ReadyResponse>;
