import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The job catalog: queue → payload schema. Payloads carry ids, never transcripts or phone numbers
 * (BullMQ stores job data in clear text). Job ids are deterministic, so a duplicate enqueue from
 * any instance is a no-op while the job exists; handlers are idempotent for after that.
 */
export const JOBS = {
  dial: z.object({ sessionId: z.uuid(), attemptNo: z.number().int().min(1).max(3) }),
  stt: z.object({
    sessionId: z.uuid(),
    attemptNo: z.number().int(),
    turn: z.number().int().min(0),
    wav: z.url(),
    /** The call the recording belongs to (jobs queued before it was carried take it from the call state). */
    callid: z.string().regex(/^c[0-9a-f]{32}$/).optional(),
    durationS: z.number(),
  }),
  hangup: z.object({
    sessionId: z.uuid(),
    attemptNo: z.number().int(),
    id: z.string(),
    state: z.string(),
    start: z.string().nullable(),
    durationS: z.number().nullable(),
    cost: z.number().nullable(),
    recordActions: z.number().int(),
    actionsRun: z.number().int().optional(),
    actionsSucceeded: z.number().int().optional(),
  }),
  analyze: z.object({ sessionId: z.uuid() }),
  reports: z.object({ storeId: z.uuid(), monday: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  maintenance: z.object({ task: z.enum(['watchdog', 'purge', 'weekly-reports']) }),
} as const;
export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]>;
export type Queues = { [N in JobName]: Queue };

export const jobId = {
  dial: (sessionId: string, attemptNo: number) => `dial-${sessionId}-${attemptNo}`,
  stt: (sessionId: string, attemptNo: number, turn: number) => `stt-${sessionId}-${attemptNo}-${turn}`,
  hangup: (sessionId: string, attemptNo: number) => `hangup-${sessionId}-${attemptNo}`,
  analyze: (sessionId: string) => `analyze-${sessionId}`,
};

const DEFAULTS = {
  removeOnComplete: { count: 5_000, age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function createQueues(connection: Redis, prefix: string, onError: (queue: string, err: Error) => void): Queues {
  const make = (name: JobName) => {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULTS });
    // Without a listener BullMQ prints connection errors to the console; the logger takes them.
    queue.on('error', (err) => onError(name, err));
    return queue;
  };
  return {
    dial: make('dial'),
    stt: make('stt'),
    hangup: make('hangup'),
    analyze: make('analyze'),
    reports: make('reports'),
    maintenance: make('maintenance'),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

export async function enqueue<N extends JobName>(
  queues: Queues,
  name: N,
  data: JobData<N>,
  opts: { jobId: string; delayMs?: number; attempts?: number; backoffMs?: number; priority?: number },
): Promise<void> {
  await queues[name].add(name, JOBS[name].parse(data), {
    jobId: opts.jobId,
    delay: opts.delayMs && opts.delayMs > 0 ? Math.round(opts.delayMs) : undefined,
    attempts: opts.attempts ?? 5,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 1_000 },
    priority: opts.priority,
  });
}
