import type { Deps } from '../deps';
import { lastCompleteWeek } from './week';

/**
 * Monday 06:00 (Europe/Stockholm): one `report` job per active store for the week that just
 * ended. Every scheduler instance fires; the job id `report-<store>-<isoweek>` makes all but the
 * first enqueue a no-op, and the upsert on (store, week) covers a job that runs twice.
 */
export const WEEKLY_REPORT_CRON = '0 6 * * 1';

export const reportJobId = (storeId: string, isoWeek: string) => `report-${storeId}-${isoWeek}`;

export async function enqueueWeeklyReports(ctx: Pick<Deps, 'sql' | 'queues' | 'config' | 'log'>, now: Date): Promise<number> {
  const week = lastCompleteWeek(now, ctx.config.TZ_CALLS);
  let enqueued = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const stores = await ctx.sql<{ id: string }[]>`
      select id from stores where is_active and id > ${after} order by id limit 1000`;
    if (stores.length === 0) break;
    await ctx.queues.reports.addBulk(
      stores.map((s) => ({
        name: 'reports',
        data: { storeId: s.id, monday: week.monday },
        opts: { jobId: reportJobId(s.id, week.isoWeek), attempts: 5, backoff: { type: 'exponential', delay: 30_000 } },
      })),
    );
    enqueued += stores.length;
    after = stores.at(-1)!.id;
  }
  ctx.log.info('weekly reports enqueued', { week: week.isoWeek, stores: enqueued });
  return enqueued;
}
