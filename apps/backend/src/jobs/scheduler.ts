import cron from 'node-cron';
import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';
import { enqueueWeeklyReports, WEEKLY_REPORT_CRON } from '../reports/report-schedule';

/** How often the watchdog reconciles stuck calls and lost dial jobs. */
export const WATCHDOG_EVERY_MS = 60_000;
/** The daily 90-day purge, at night in Stockholm. */
export const PURGE_CRON = '30 3 * * *';

/**
 * ROLE=scheduler|all. Repeating maintenance runs through BullMQ job schedulers, which Redis
 * dedupes, so any number of scheduler instances yields one run per tick. The weekly reports are
 * fired by node-cron in every instance (Monday 06:00 Europe/Stockholm); their deterministic job
 * ids (`report-<store>-<isoweek>`) make every instance but the first a no-op.
 */
export async function startScheduler(deps: Deps): Promise<Stoppable> {
  const { maintenance } = deps.queues;
  const opts = { removeOnComplete: 100, removeOnFail: 100 };
  await maintenance.upsertJobScheduler('watchdog', { every: WATCHDOG_EVERY_MS }, { name: 'maintenance', data: { task: 'watchdog' }, opts });
  await maintenance.upsertJobScheduler(
    'purge',
    { pattern: PURGE_CRON, tz: deps.config.TZ_CALLS },
    { name: 'maintenance', data: { task: 'purge' }, opts },
  );
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
      await weekly.destroy();
    },
  };
}
