import { type BackendProcess, freePort, type RedisServer, spawnBackend, startRedisServer } from '../helpers/processes';
import { nextPhone, type Stack, startStack, waitForFinal } from '../helpers/stack';
import { waitForRun } from '../analysis/helpers';
import { runWatchdog } from '../../src/calls/watchdog';
import { jobId } from '../../src/jobs/queues';
import { FAST_RETRIES, footprint, postVerification, until } from './support/drill';
import { expectNoPhoneNumbers } from './support/log-guard';

/**
 * Drill: the backend's Redis (a private `redis-server` on its own port, no persistence) crashes in
 * the middle of a call and comes back empty — a failover without replication or persistence.
 *
 * What the system guarantees, and what it does not:
 * - it does not crash: liveness keeps answering, readiness answers 503 naming Redis while it is
 *   down and 200 once it is back, and the workers reconnect and take new work;
 * - the call in flight cannot continue: its live state (Redis) is gone, so 46elks gets a hang-up
 *   (or a 500 while Redis is down, which also ends the call). That is our failure, not the
 *   customer's: once its retried hangup webhook lands, the attempt fails (`dropped_by_us:
 *   call_state_lost`) and the customer is called again — one new call, which completes;
 * - repeating schedules stored in Redis (the watchdog, the purge) are upserted again by the
 *   scheduler as soon as its connection is back; delayed jobs (a busy line's retry) are gone, and
 *   the watchdog re-enqueues them from Postgres when it next runs.
 */

describe('drill: Redis restarts mid-call, empty', () => {
  let redis: RedisServer;
  let stack: Stack;
  let backend: BackendProcess;
  const phones: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack({
      workers: false,
      env: { REDIS_URL: redis.url },
      sim: { duplicateHangupRate: 0, webhookRetry: { attempts: 10, baseDelayMs: 15_000 } },
    });
    const port = await freePort();
    backend = await spawnBackend({
      ROLE: 'all',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: stack.db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: stack.config.REDIS_PREFIX,
      ELKS_API_URL: stack.sim.elksUrl,
      OPENAI_BASE_URL: stack.sim.openaiUrl,
      LOG_LEVEL: 'debug',
      // A busy line is retried after 3 s: long enough for that retry to sit in Redis during the crash.
      RETRY_BACKOFF: FAST_RETRIES.replace('busy=200ms,300ms', 'busy=3s,3s'),
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '250',
    });
  }, 180_000);

  afterAll(async () => {
    await backend?.kill();
    await stack?.close();
    await redis?.stop();
  });

  const call = async (persona: string) => {
    const phone = nextPhone();
    phones.push(phone);
    stack.sim.elks.setPersona(phone, persona as never);
    const res = await postVerification(backend.url, stack.config.VERIFICATION_WEBHOOK_SECRET, { phone });
    expect(res.status).toBe(202);
    return { ...res, phone };
  };

  it('mid-call crash: no crash of ours, /ready 503 then 200; the lost call is our failure: retried once, completed', async () => {
    // A busy customer first: attempt 1 ends and attempt 2 waits as a delayed job in Redis.
    const busy = await call('busy');
    await until('the busy line to wait for its retry', async () => {
      const [s] = await stack.deps.sql`select session_status, retry_count from feedback_call_sessions where id = ${busy.sessionId}`;
      return s?.session_status === 'pending' && s.retry_count === 1;
    });
    expect(await stack.deps.queues.dial.getJob(jobId.dial(busy.sessionId, 2))).toBeDefined();

    const { sessionId, phone } = await call('engaged');
    await until('the conversation to be under way', () =>
      stack.sim.elks.listCalls({ to: phone })[0]?.webhooks.some((w) => w.kind === 'next' && w.status === 200),
    );
    expect(await stack.deps.queues.maintenance.getJobScheduler('watchdog')).toBeDefined();

    await redis.crash();
    const down = await until('/ready to report Redis down', async () => {
      const res = await fetch(`${backend.url}/ready`);
      return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : null;
    });
    expect(down).toMatchObject({
      error: 'service_unavailable',
      message: 'not ready: redis unreachable',
      details: { checks: { postgres: { ok: true }, redis: { ok: false } } },
    });
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);

    await redis.start();
    await until('/ready to recover', async () => (await fetch(`${backend.url}/ready`)).status === 200, 60_000);

    const final = await waitForFinal(stack, sessionId, 90_000);
    expect(final).toMatchObject({ session_status: 'completed', failure_reason: null, retry_count: 2 });
    const tried = await stack.deps.sql`select outcome, failure_reason from call_attempts where call_session_id = ${sessionId} order by attempt_no`;
    expect(tried).toEqual([
      { outcome: 'failed', failure_reason: 'dropped_by_us: call_state_lost' },
      { outcome: 'answered', failure_reason: null },
    ]);
    const [lost] = stack.sim.elks.listCalls({ to: phone });
    expect(lost!.state === 'failed' || lost!.state === 'success').toBe(true);
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(2);
    // The repeating schedules lived in Redis and went with the data; the scheduler upserts them
    // again as soon as its connection is back …
    await until('the schedules to be re-asserted', async () => Boolean(await stack.deps.queues.maintenance.getJobScheduler('watchdog')), 60_000);
    expect(await stack.deps.queues.maintenance.getJobScheduler('purge')).toBeDefined();
    expect(backend.logs.some((l) => l.message === 'schedules re-asserted' && l.reason === 'redis reconnected')).toBe(true);
    // … but the busy customer's delayed retry went too: the session says pending, no job will dial it.
    const [waiting] = await stack.deps.sql`select session_status, retry_count from feedback_call_sessions where id = ${busy.sessionId}`;
    expect(waiting).toEqual({ session_status: 'pending', retry_count: 1 });
    expect(await stack.deps.queues.dial.getJob(jobId.dial(busy.sessionId, 2))).toBeUndefined();
    // The watchdog is what re-enqueues it, once it runs (a minute past the retry time):
    const later = new Date(Date.now() + 5 * 60_000);
    expect(await runWatchdog({ ...stack.deps, clock: () => later })).toMatchObject({ requeued: 1 });
    await until('the lost retry to be dialled', () => stack.sim.elks.listCalls({ to: busy.phone }).length === 2);
  }, 180_000);

  it('after the restart the same process takes new calls end to end: completed and graded', async () => {
    const { sessionId } = await call('engaged');
    expect(await waitForFinal(stack, sessionId, 60_000)).toMatchObject({ session_status: 'completed' });
    expect(await waitForRun(() => stack.deps, sessionId)).toMatchObject({ status: 'completed' });
    expect(await footprint(stack.deps.sql, sessionId)).toMatchObject({ attempts: 1, grades: 1, rewards: 1 });
  }, 120_000);

  it('the process never died, and logged no phone number', async () => {
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    expect(backend.lines.filter((l) => /uncaught|unhandled/i.test(l))).toEqual([]);
    expect(backend.logs.some((l) => String(l.message).includes('redis connection error'))).toBe(true);
    expectNoPhoneNumbers([...backend.lines, ...stack.logs], phones);
  });
});
