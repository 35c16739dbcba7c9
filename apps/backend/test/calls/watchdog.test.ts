import { runWatchdog } from '../../src/calls/watchdog';
import { createTestContext, type TestContext } from '../helpers/context';

/** The watchdog's analysis sweep: a completed call is never left ungraded by a lost job or an outage. */

describe('watchdog: ungraded completed calls', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  async function completedSession(updatedMinutesAgo: number): Promise<string> {
    const [b] = await ctx.deps.sql<{ id: string }[]>`insert into businesses (name) values ('B') returning id`;
    const [st] = await ctx.deps.sql<{ id: string }[]>`insert into stores (business_id, name) values (${b!.id}, 'S') returning id`;
    const [v] = await ctx.deps.sql<{ id: string }[]>`
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time) values (${st!.id}, '+46701234567', 10, now()) returning id`;
    const [s] = await ctx.deps.sql<{ id: string }[]>`
      insert into feedback_call_sessions (customer_verification_id, store_id, session_status, retry_count, updated_at)
      values (${v!.id}, ${st!.id}, 'completed', 1, now() - make_interval(mins => ${updatedMinutesAgo})) returning id`;
    return s!.id;
  }

  it('re-enqueues the analysis of a call whose job was lost; leaves recent and refused ones alone', async () => {
    const lost = await completedSession(30);
    const recent = await completedSession(1);
    const refused = await completedSession(30);
    await ctx.deps.sql`insert into analysis_runs (call_session_id, status, failure_kind, updated_at)
                       values (${refused}, 'failed', 'refusal', now() - interval '30 minutes')`;
    const result = await runWatchdog(ctx.deps);
    expect(result.reanalysed).toBe(1);
    expect((await ctx.deps.queues.analyze.getJob(`analyze-${lost}`))?.data).toEqual({ sessionId: lost });
    expect(await ctx.deps.queues.analyze.getJob(`analyze-${recent}`)).toBeUndefined();
    expect(await ctx.deps.queues.analyze.getJob(`analyze-${refused}`)).toBeUndefined();
    // Running again does not duplicate the job.
    await runWatchdog(ctx.deps);
    expect(await ctx.deps.queues.analyze.getJobCounts('waiting', 'prioritized')).toMatchObject({ waiting: 1 });
  });
});
