import cron from 'node-cron';
import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';
import { enqueueWeeklyReports, WEEKLY_REPORT_CRON } from '../reports/report-schedule';

/** How often the watchdog reconciles stuck calls and lost dial jobs. */
export const WATCHDOG_EVERY_MS = 60_000;
/** The daily 90-day purge, at night in Stockholm. */
export const PURGE_CRON = '30 3 * * *';

/** How often a scheduler instance re-asserts its repeating schedules in Redis, come what may. */
export const SCHEDULES_REASSERT_EVERY_MS = 5 * 60_000;

/**
 * ROLE=scheduler|all. Repeating maintenance runs through BullMQ job schedulers, which Redis
 * dedupes, so any number of scheduler instances yields one run per tick. The weekly reports are
 * fired by node-cron in every instance (Monday 06:00 Europe/Stockholm); their deterministic job
 * ids (`report-<store>-<isoweek>`) make every instance but the first a no-op.
 *
 * The schedules live in Redis. A Redis that comes back empty (a failover without persistence)
 * would lose them — and with them the watchdog that re-enqueues lost dial retries — so every
 * scheduler instance upserts them again whenever its Redis connection becomes ready after a
 * disconnect, and every few minutes besides. Upserting an unchanged schedule is a no-op.
 */
export async function startScheduler(deps: Deps): Promise<Stoppable> {
  const { maintenance } = deps.queues;
  const opts = { removeOnComplete: 100, removeOnFail: 100 };
  const assertSchedules = async () => {
    await maintenance.upsertJobScheduler('watchdog', { every: WATCHDOG_EVERY_MS }, { name: 'maintenance', data: { task: 'watchdog' }, opts });
    await maintenance.upsertJobScheduler(
      'purge',
      { pattern: PURGE_CRON, tz: deps.config.TZ_CALLS },
      { name: 'maintenance', data: { task: 'purge' }, opts },
    );
  };
  const reassert = (reason: string) => {
    assertSchedules()
      .then(() => deps.log.info('schedules re-asserted', { reason }))
      .catch((err: Error) => deps.log.warn('re-asserting schedules failed', { reason, err: err.message }));
  };
  await assertSchedules();

  let disconnected = false;
  const onClose = () => {
    disconnected = true;
  };
  const onReady = () => {
    if (!disconnected) return;
    disconnected = false;
    reassert('redis reconnected');
  };
  deps.redis.on('close', onClose);
  deps.redis.on('ready', onReady);
  const timer = setInterval(() => reassert('periodic'), SCHEDULES_REASSERT_EVERY_MS);
  timer.unref();

  const weekly = cron.schedule(
    WEEKLY_REPORT_CRON,
    () => {
      enqueueWeeklyReports(deps, deps.clock()).catch((err) => deps.log.error('enqueueing weekly reports failed', { err }));
    },
    { timezone: deps.config.TZ_CALLS, name: 'weekly-reports', noOverlap: true },
  );
  deps.log.info('scheduler started', { schedules: ['watchdog', 'purge', 'weekly-reports'] });
  return {
    name: 'scheduler',
    stop: async () => {
      clearInterval(timer);
      deps.redis.off('close', onClose);
      deps.redis.off('ready', onReady);
      await weekly.destroy();
    },
  };
}
