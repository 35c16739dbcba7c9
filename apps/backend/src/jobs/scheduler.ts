import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';

/**
 * ROLE=scheduler|all: node-cron triggers that enqueue deduplicated BullMQ jobs (weekly reports,
 * the daily purge, due retries). Empty until those features exist.
 */
export async function startScheduler(deps: Deps): Promise<Stoppable> {
  deps.log.info('scheduler started', { schedules: [] });
  return { name: 'scheduler', stop: async () => {} };
}
