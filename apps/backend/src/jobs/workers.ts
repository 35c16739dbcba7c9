import { DelayedError, type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import { processAnalyzeJob } from '../analysis/analyze-job';
import { dialAttempt } from '../calls/dial';
import { handleHangup } from '../calls/outcome';
import { processRecording } from '../calls/recording';
import { runWatchdog } from '../calls/watchdog';
import { enqueueWeeklyReports } from '../reports/report-schedule';
import { buildWeeklyReport } from '../reports/weekly-report';
import { weekOf } from '../reports/week';
import { runPurge } from '../retention/purge';
import { createBlockingRedis } from '../db/redis';
import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';
import { JOBS, type JobData, type JobName } from './queues';

/** ROLE=worker|all: one BullMQ worker per queue; handlers are thin and idempotent. */

function parse<N extends JobName>(name: N, job: Job): JobData<N> {
  const r = JOBS[name].safeParse(job.data);
  if (!r.success) throw new UnrecoverableError(`bad ${name} payload: ${r.error.message}`);
  return r.data as JobData<N>;
}

export type WorkerOptions = { concurrency?: Partial<Record<JobName, number>> };

export async function startWorkers(deps: Deps, opts: WorkerOptions = {}): Promise<Stoppable> {
  const connection = createBlockingRedis(deps.config.REDIS_URL);
  connection.on('error', (err) => deps.log.warn('worker redis connection error', { err: err.message }));
  const processors: Partial<Record<JobName, Processor>> = {
    dial: async (job, token) => {
      const { sessionId, attemptNo } = parse('dial', job);
      const { result, retryAt } = await dialAttempt(deps, sessionId, attemptNo);
      if (result === 'rescheduled' && retryAt && token) {
        await job.moveToDelayed(retryAt.getTime(), token);
        throw new DelayedError();
      }
      return result;
    },
    stt: async (job) => processRecording(deps, parse('stt', job)),
    hangup: async (job) => handleHangup(deps, parse('hangup', job)),
    analyze: async (job) => processAnalyzeJob(deps, parse('analyze', job), job),
    reports: async (job) => {
      const { storeId, monday } = parse('reports', job);
      const row = await buildWeeklyReport(deps, storeId, weekOf(monday, deps.config.TZ_CALLS));
      return { reportId: row.id };
    },
    maintenance: async (job) => {
      const { task } = parse('maintenance', job);
      if (task === 'purge') return runPurge(deps);
      if (task === 'weekly-reports') return enqueueWeeklyReports(deps, deps.clock());
      return runWatchdog(deps);
    },
  };
  const defaults: Partial<Record<JobName, number>> = {
    dial: 20,
    stt: 20,
    hangup: 20,
    analyze: deps.config.ANALYSIS_CONCURRENCY,
    reports: 2,
    maintenance: 1,
  };
  const workers = Object.entries(processors).map(([name, processor]) => {
    const worker = new Worker(name, processor, {
      connection,
      prefix: deps.config.REDIS_PREFIX,
      concurrency: opts.concurrency?.[name as JobName] ?? defaults[name as JobName] ?? 5,
      lockDuration: deps.config.WORKER_LOCK_DURATION_MS,
      stalledInterval: deps.config.WORKER_STALLED_INTERVAL_MS,
    });
    worker.on('error', (err) => deps.log.error('worker error', { queue: name, err }));
    worker.on('failed', (job, err) =>
      deps.log.warn('job failed', { queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }),
    );
    return worker;
  });
  deps.log.info('workers started', { workers: Object.keys(processors) });
  return {
    name: 'workers',
    stop: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
