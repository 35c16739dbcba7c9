import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';

/** How often the watchdog reconciles stuck calls and lost dial jobs. */
export const WATCHDOG_EVERY_MS = 60_000;

/**
 * ROLE=scheduler|all: repeating maintenance through BullMQ job schedulers, which Redis dedupes,
 * so any number of scheduler instances yields one run per tick.
 */
export async function startScheduler(deps: Deps): Promise<Stoppable> {
  await deps.queues.maintenance.upsertJobScheduler(
    'watchdog',
    { every: WATCHDOG_EVERY_MS },
    { name: 'maintenance', data: { task: 'watchdog' }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  deps.log.info('scheduler started', { schedules: ['watchdog'] });
  return { name: 'scheduler', stop: async () => {} };
}
