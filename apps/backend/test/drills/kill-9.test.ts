import type { Job } from 'bullmq';
import { type BackendProcess, freePort, spawnBackend } from '../helpers/processes';
import { nextPhone, type Stack, startStack, waitForFinal } from '../helpers/stack';
import { waitForRun } from '../analysis/helpers';
import { FAST_RETRIES, footprint, postVerification, until } from './support/drill';
import { expectNoPhoneNumbers } from './support/log-guard';
import { createTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * Drill: `kill -9` of the backend (a real child process, ROLE=all) in the middle of a call, then a
 * new process on the same port. Everything a call needs lives in Redis (live state, jobs) and
 * Postgres, so the new process carries on: the call completes and is graded exactly once.
 *
 * What the drill has to respect about 46elks: it retries recording and hangup webhooks (for 24 h;
 * the simulator is told to retry for a few seconds), but a `voice_start`/`next` that fails ends the
 * call. A real deployment runs instances behind a load balancer that retries connects (and a
 * request whose answer never started) while an instance restarts; `front` plays that part here.
 * Without it a `next` falling into the outage ends the call — and that is our failure, never the
 * customer's: the second test kills the backend under 20 live calls and checks nobody is blamed.
 *
 * The kill lands while a speech-to-text job is running in the dead process (OpenAI is slowed so it
 * is), so the new process must take over a job whose worker vanished: BullMQ's stalled-job check,
 * made fast here by WORKER_LOCK_DURATION_MS / WORKER_STALLED_INTERVAL_MS.
 */

describe('drill: kill -9 of a backend process mid-call', () => {
  let stack: Stack;
  let front: TcpProxy;
  let port: number;
  let backend: BackendProcess | null = null;
  const processes: BackendProcess[] = [];
  const phones: string[] = [];

  const spawn = async () => {
    backend = await spawnBackend({
      ROLE: 'all',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${front.port}`,
      DATABASE_URL: stack.db.url,
      REDIS_PREFIX: stack.config.REDIS_PREFIX,
      ELKS_API_URL: stack.sim.elksUrl,
      OPENAI_BASE_URL: stack.sim.openaiUrl,
      LOG_LEVEL: 'debug',
      RETRY_BACKOFF: FAST_RETRIES,
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '250',
      SHUTDOWN_GRACE_MS: '2000',
    });
    processes.push(backend);
    return backend;
  };

  beforeAll(async () => {
    // The in-process stack only provides the database, the simulators and a Postgres/Redis handle
    // for the assertions; the backend under test is the child process.
    stack = await startStack({
      workers: false,
      // Slow enough (a call lasts ~10 s) that 20 calls are live at once when the kill lands.
      sim: { timeScale: 0.08, duplicateHangupRate: 0, webhookRetry: { attempts: 12, baseDelayMs: 15_000 } },
    });
    port = await freePort();
    front = await createTcpProxy({ target: { port }, holdMs: 15_000, replay: true });
    await spawn();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await front?.close();
    await stack?.close();
  });

  const underWay = (phone: string) =>
    until('the conversation to be under way', () => {
      const call = stack.sim.elks.listCalls({ to: phone })[0];
      return call?.webhooks.some((w) => w.kind === 'next' && w.status === 200) ? call : null;
    });

  it('killed while a recording is being transcribed: the new process resumes the stalled job; completed, graded once', async () => {
    const phone = nextPhone();
    phones.push(phone);
    stack.sim.elks.setPersona(phone, 'engaged');
    const { status, sessionId } = await postVerification(`http://127.0.0.1:${front.port}`, stack.config.VERIFICATION_WEBHOOK_SECRET, { phone });
    expect(status).toBe(202);
    const call = await underWay(phone);

    // Slow speech-to-text down so the next recording's job is mid-flight in the process we kill.
    // Only a job picked up after the slow-down is sure to be mid-flight when the kill lands.
    const slowFrom = Date.now();
    stack.sim.openai.setFaults({ latencyMs: 3_000 });
    const inFlight = await until('a speech-to-text job running in the backend', async () => {
      const jobs = (await stack.deps.queues.stt.getJobs(['active'])) as Job[];
      return jobs.find((job) => job.data.sessionId === sessionId && (job.processedOn ?? 0) >= slowFrom) ?? null;
    });
    const killed = await backend!.kill('SIGKILL');
    stack.sim.openai.setFaults({ latencyMs: 0 });
    expect(killed.signal).toBe('SIGKILL');

    await spawn();
    expect(await waitForFinal(stack, sessionId, 90_000)).toMatchObject({ session_status: 'completed', retry_count: 1 });
    expect(await waitForRun(() => stack.deps, sessionId)).toMatchObject({ status: 'completed', attempts: 1, failure_kind: null });

    // The job the dead worker held went back to the queue (stalled) and completed in the new process.
    const resumed = await stack.deps.queues.stt.getJob(inFlight.id!);
    expect(await resumed!.getState()).toBe('completed');
    expect(resumed!.stalledCounter).toBeGreaterThanOrEqual(1);

    // 46elks noticed nothing: every webhook was answered, the call ended normally.
    const done = await stack.sim.elks.waitForCall(call.id, { timeoutMs: 60_000 });
    expect(done.state).toBe('success');
    expect(done.webhooks.filter((w) => w.status === null || w.status >= 300)).toEqual([]);
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);

    // Nothing lost, nothing twice: every answer in the transcript, one grade, at most one reward.
    const customer = await stack.deps.sql<{ content: string }[]>`
      select content from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'customer' order by message_order`;
    expect(customer.map((m) => m.content)).toEqual(done.said.map((s) => s.text));
    const left = await footprint(stack.deps.sql, sessionId);
    expect(left).toMatchObject({ sessions: 1, attempts: 1, grades: 1 });
    expect(left.rewards).toBeLessThanOrEqual(1);
  }, 150_000);

  it('without a retrying front, 20 live calls, kill -9, restart 3 s later: our outage is never the customer’s hang-up', async () => {
    // The front passes connections straight through: a webhook during the outage fails at once and
    // 46elks ends that call (its documented behaviour for a failed call-control webhook).
    front.options.holdMs = 0;
    front.options.replay = false;
    const calls: Array<{ phone: string; sessionId: string }> = [];
    for (let i = 0; i < 20; i++) {
      const phone = nextPhone();
      phones.push(phone);
      stack.sim.elks.setPersona(phone, 'engaged');
      const { status, sessionId } = await postVerification(backend!.url, stack.config.VERIFICATION_WEBHOOK_SECRET, { phone });
      expect(status).toBe(202);
      calls.push({ phone, sessionId });
    }
    await until(
      '20 calls answered and live at once',
      () => calls.every(({ phone }) => stack.sim.elks.listCalls({ to: phone }).some((c) => c.answered && c.state === 'ongoing')),
      90_000,
    );
    await backend!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000)); // the outage: a deliberate 3 s, not a wait for a condition
    await spawn();
    front.options.holdMs = 15_000;
    front.options.replay = true;

    const finals = await Promise.all(calls.map(({ sessionId }) => waitForFinal(stack, sessionId, 150_000)));
    // Nobody is blamed for our outage: no session abandoned, hung up, declined or failed.
    expect(finals.map((f) => f.session_status)).toEqual(calls.map(() => 'completed'));
    const attempts = await stack.deps.sql<{ call_session_id: string; attempt_no: number; outcome: string; failure_reason: string | null }[]>`
      select call_session_id, attempt_no, outcome, failure_reason from call_attempts
      where call_session_id in ${stack.deps.sql(calls.map((c) => c.sessionId))} order by call_session_id, attempt_no`;
    const cutBeforeAnswers = attempts.filter((a) => a.outcome === 'failed');
    const cutAfterAnswers = attempts.filter((a) => a.outcome === 'answered' && a.failure_reason?.startsWith('dropped_by_us'));
    // The outage cut calls: those cut before the customer answered anything got another attempt
    // (and completed on it); those cut later kept what was said.
    expect(cutBeforeAnswers.length + cutAfterAnswers.length).toBeGreaterThan(0);
    for (const a of cutBeforeAnswers) {
      expect(a.failure_reason).toBe('dropped_by_us: webhook_unreachable');
      expect(attempts.some((b) => b.call_session_id === a.call_session_id && b.attempt_no === a.attempt_no + 1 && b.outcome === 'answered')).toBe(true);
    }
    for (const { phone, sessionId } of calls) {
      const mine = attempts.filter((a) => a.call_session_id === sessionId);
      // One call per attempt, never more.
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(mine.length);
    }
    process.stdout.write(
      `kill-9 drill: 20 live calls, ${cutBeforeAnswers.length} cut before any answer (retried), ${cutAfterAnswers.length} cut after answers (kept), ${20 - cutBeforeAnswers.length - cutAfterAnswers.length} unaffected\n`,
    );
  }, 300_000);

  it('no phone number in any line the backend processes wrote (stdout and stderr)', () => {
    const lines = processes.flatMap((p) => p.lines);
    expect(lines.length).toBeGreaterThan(50);
    expectNoPhoneNumbers([...lines, ...stack.logs], phones);
    // And nothing crashed on its own: the only deaths were our SIGKILLs.
    expect(lines.filter((l) => /uncaught|unhandled/i.test(l))).toEqual([]);
  });
});
