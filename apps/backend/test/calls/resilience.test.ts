import request from 'supertest';
import { runWatchdog } from '../../src/calls/watchdog';
import { webhookUrl } from '../../src/telephony/webhook-urls';
import { createTestContext } from '../helpers/context';
import { until } from '../drills/support/drill';
import { fireVerification, startStack, type Stack, waitFor, waitForFinal } from '../helpers/stack';

/** What 46elks and the world throw at the call path: reordering, duplicates, restarts, forgeries. */

const transcriptOf = (stack: Stack, sessionId: string) =>
  stack.deps.sql<{ speaker: string; content: string }[]>`
    select speaker, content from conversation_transcripts where call_session_id = ${sessionId} order by message_order`;

describe.each(['before_next', 'after_next'] as const)('recording webhook %s the next POST', (recordingOrder) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: { recordingOrder, duplicateHangupRate: 0 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the conversation completes with every answer in place', async () => {
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed' });
    const [call] = stack.sim.elks.listCalls({ to: phone });
    const said = call!.said.map((s: { text: string }) => s.text);
    const customer = (await transcriptOf(stack, sessionId)).filter((m) => m.speaker === 'customer').map((m) => m.content);
    expect(customer).toEqual(said);
  });
});

describe('duplicates, late webhooks, restarts and failures', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sim: { duplicateHangupRate: 1 },
      env: { RETRY_BACKOFF: 'no_answer=200ms,300ms;busy=200ms,300ms;failed=200ms,300ms;voicemail=200ms,300ms' },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a hangup delivered twice, and once more much later, changes nothing', async () => {
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    await waitForFinal(stack, sessionId);
    const [call] = stack.sim.elks.listCalls({ to: phone });
    await stack.sim.elks.waitForCall(call!.id);
    expect(stack.sim.elks.getCall(call!.id)!.hangupDeliveries).toBe(2);
    const before = await transcriptOf(stack, sessionId);

    const late = await request(stack.server)
      .post(new URL(call!.whenhangup!).pathname + new URL(call!.whenhangup!).search)
      .type('form')
      .send({ id: call!.id, direction: 'outgoing', from: call!.from, to: call!.to, created: call!.created, state: 'success', start: call!.start!, duration: '80', cost: '5000', actions: '[]' });
    expect(late.status).toBe(204);
    await waitFor(stack, sessionId, () => true);
    const hangupJobs = await stack.deps.queues.hangup.getJobCounts('waiting', 'active', 'delayed');
    expect(Object.values(hangupJobs).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await transcriptOf(stack, sessionId)).toEqual(before);
    const attempts = await stack.deps.sql`select outcome from call_attempts where call_session_id = ${sessionId}`;
    expect(attempts).toEqual([{ outcome: 'answered' }]);
    // One analysis job for the session, whether the analyze worker has run it yet or not.
    const analyzeJobs = await stack.deps.queues.analyze.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    expect(analyzeJobs.filter((j) => j.data.sessionId === sessionId)).toHaveLength(1);
  });

  it('a backend restart mid-call loses nothing: the new process answers the next webhook', async () => {
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    // Wait until the conversation is under way (greeting answered, first question asked).
    const until = Date.now() + 10_000;
    while (!stack.sim.elks.listCalls({ to: phone })[0]?.webhooks.some((w: { kind: string }) => w.kind === 'next')) {
      if (Date.now() > until) throw new Error('call never reached its first next');
      await new Promise((r) => setTimeout(r, 5));
    }
    await stack.restart();
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
    const [call] = stack.sim.elks.listCalls({ to: phone });
    expect(call!.state).toBe('success');
    const customer = (await transcriptOf(stack, sessionId)).filter((m) => m.speaker === 'customer');
    expect(customer.map((m) => m.content)).toEqual(call!.said.map((s: { text: string }) => s.text));
  });

  const attemptRows = (sessionId: string) =>
    stack.deps.sql<{ attempt_no: number; outcome: string | null; elks_state: string | null; elks_call_id: string | null; failure_reason: string | null }[]>`
      select attempt_no, outcome, elks_state, elks_call_id, failure_reason from call_attempts
      where call_session_id = ${sessionId} order by attempt_no`;
  /** The watchdog as it runs a few minutes from now (every attempt looks overdue to it). */
  const watchdogLater = () => runWatchdog({ ...stack.deps, clock: () => new Date(Date.now() + 10 * 60_000) });

  it.each([
    ['a 503', { createCallLost503: 1 }],
    ['a connection reset', { createCallLostReset: 1 }],
  ] as const)('create answered with %s after the call was created: never re-sent, found in the history, one ring, the conversation goes on', async (_what, fault) => {
    stack.sim.elks.setFaults(fault);
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
    const calls = stack.sim.elks.listCalls({ to: phone });
    expect(calls).toHaveLength(1);
    const [attempt] = await attemptRows(sessionId);
    expect(attempt).toMatchObject({ outcome: 'answered', elks_call_id: calls[0]!.id });
    expect(stack.logs.some((l) => l.includes('the answer to the create was lost') && l.includes(sessionId))).toBe(true);
  });

  it('46elks creating every call but answering 503 each time: exactly one ring per purchase, not twelve', async () => {
    stack.sim.elks.setFaults({ createCallLost503: 1_000 });
    try {
      const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
      expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
      expect(stack.sim.elks.getCall(stack.sim.elks.listCalls({ to: phone })[0]!.id)!.webhooks.filter((w) => w.kind === 'voice_start')).toHaveLength(1);
    } finally {
      stack.sim.elks.setFaults({ createCallLost503: 0 });
    }
  });

  it('an unknown create (answer lost, history unavailable) that rings and is answered gets the conversation, not a rejection', async () => {
    stack.sim.elks.setFaults({ createCallLost503: 1, callHistory5xx: 20 });
    try {
      const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
      expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
      const [call] = stack.sim.elks.listCalls({ to: phone });
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
      expect(call!.played.length).toBeGreaterThan(3);
      // The hangup webhook named the call: the attempt knows its id now.
      expect((await attemptRows(sessionId))[0]).toMatchObject({ outcome: 'answered', elks_call_id: call!.id });
    } finally {
      stack.sim.elks.setFaults({ callHistory5xx: 0 });
    }
  });

  it('a 5xx on create that created nothing: the attempt waits as unknown, the watchdog finds no call and a new attempt rings once', async () => {
    stack.sim.elks.setFaults({ createCall5xx: 1 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    await until('the attempt to wait as unknown', async () => (await attemptRows(sessionId))[0]?.elks_state === 'unknown');
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(0);
    expect((await waitFor(stack, sessionId, () => true)).session_status).toBe('in_progress');
    await watchdogLater();
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 2 });
    const [first, second] = await attemptRows(sessionId);
    expect(first).toMatchObject({ outcome: 'failed', elks_state: 'unknown', elks_call_id: null });
    expect(first!.failure_reason).toBe('elks_create_unconfirmed');
    expect(second).toMatchObject({ outcome: 'answered' });
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
  });

  it('46elks down (5xx on every create): every attempt is reconciled, none re-sent; three attempts, then the session fails visibly', async () => {
    stack.sim.elks.setFaults({ createCall5xx: 1_000 });
    try {
      const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
      const final = await until('the session to fail after three reconciled attempts', async () => {
        const rows = await attemptRows(sessionId);
        if (rows.at(-1)?.elks_state === 'unknown' && rows.at(-1)?.outcome === null) await watchdogLater();
        const [s] = await stack.deps.sql`select session_status, retry_count, failure_reason from feedback_call_sessions where id = ${sessionId}`;
        return s?.session_status === 'failed' ? s : null;
      }, 60_000, 100);
      expect(final).toMatchObject({ session_status: 'failed', retry_count: 3, failure_reason: 'failed_after_3_attempts' });
      const attempts = await attemptRows(sessionId);
      expect(attempts.map((a) => [a.outcome, a.failure_reason])).toEqual([
        ['failed', 'elks_create_unconfirmed'],
        ['failed', 'elks_create_unconfirmed'],
        ['failed', 'elks_create_unconfirmed'],
      ]);
      const [row] = await stack.deps.sql<{ create_error: string }[]>`select create_error from call_attempts where call_session_id = ${sessionId} and attempt_no = 1`;
      expect(row?.create_error).toMatch(/POST \/calls answered 503/);
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(0);
    } finally {
      stack.sim.elks.setFaults({ createCall5xx: 0 });
    }
  }, 180_000);

  it('46elks refusing the request as wrong (400, balance positive) fails the session with the reason, no retries', async () => {
    stack.sim.elks.setFaults({ createCall4xx: 1 });
    const { sessionId } = await fireVerification(stack, { persona: 'engaged' });
    const final = await waitForFinal(stack, sessionId);
    expect(final.session_status).toBe('failed');
    expect(final.failure_reason).toMatch(/^elks_rejected: 46elks: POST \/calls answered 400/);
  });

  it('a retry that would fall past the 48 h deadline fails the session instead', async () => {
    const verifiedAt = new Date(Date.now() - 48 * 3600_000 + 2_000);
    const { sessionId } = await fireVerification(stack, { persona: 'no_answer', verifiedAt });
    const final = await waitForFinal(stack, sessionId);
    expect(final).toMatchObject({ session_status: 'failed', failure_reason: 'deadline_passed' });
    expect(final.retry_count).toBeLessThan(3);
  });

  it('the watchdog reconciles a call whose hangup webhook was lost, from GET /calls/{id}', async () => {
    await stack.deps.queues.hangup.pause();
    const { sessionId, phone } = await fireVerification(stack, { persona: 'busy' });
    await waitFor(stack, sessionId, () => stack.sim.elks.listCalls({ to: phone }).some((c: { settled: boolean }) => c.settled));
    // The hangup webhook reached us but its job is lost (e.g. Redis failed over).
    await stack.deps.queues.hangup.obliterate({ force: true });
    await stack.deps.queues.hangup.resume();
    expect((await waitFor(stack, sessionId, () => true)).session_status).toBe('in_progress');
    const later = new Date(Date.now() + 10 * 60_000);
    const result = await runWatchdog({ ...stack.deps, clock: () => later });
    expect(result.reconciled).toBe(1);
    const s = await waitFor(stack, sessionId, (x) => x.retry_count >= 2 || x.session_status !== 'in_progress');
    expect(['pending', 'in_progress', 'failed']).toContain(s.session_status);
    const [a] = await stack.deps.sql`select outcome, elks_state from call_attempts where call_session_id = ${sessionId} and attempt_no = 1`;
    expect(a).toEqual({ outcome: 'busy', elks_state: 'busy' });
  });
});

describe('webhook authentication', () => {
  it('a forged, missing or borrowed token → 403; the IP allow-list refuses other sources', async () => {
    const ctx = await createTestContext();
    try {
      const s = crypto.randomUUID();
      const good = new URL(webhookUrl(ctx.config.PUBLIC_BASE_URL, ctx.config.WEBHOOK_SECRET, 'next', s, 1, 0));
      const path = (u: URL) => u.pathname + u.search;
      expect((await request(ctx.app).post(path(good)).type('form').send({ callid: 'c1', result: 'success' })).status).toBe(200);
      const forged = new URL(good);
      forged.searchParams.set('t', 'AAAA'.repeat(11));
      expect((await request(ctx.app).post(path(forged)).type('form').send({})).status).toBe(403);
      const missing = new URL(good);
      missing.searchParams.delete('t');
      expect((await request(ctx.app).post(path(missing)).type('form').send({})).status).toBe(403);
      const borrowed = new URL(good);
      borrowed.searchParams.set('s', crypto.randomUUID());
      expect((await request(ctx.app).post(path(borrowed)).type('form').send({})).status).toBe(403);
      const otherAttempt = new URL(good);
      otherAttempt.searchParams.set('a', '2');
      const res = await request(ctx.app).post(path(otherAttempt)).type('form').send({});
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden' });
    } finally {
      await ctx.close();
    }
    const locked = await createTestContext({ ELKS_ALLOWED_IPS: '176.10.154.199' });
    const open = await createTestContext({ ELKS_ALLOWED_IPS: '176.10.154.199,127.0.0.1' });
    try {
      const s = crypto.randomUUID();
      const u = new URL(webhookUrl(locked.config.PUBLIC_BASE_URL, locked.config.WEBHOOK_SECRET, 'voice-start', s, 1));
      const res = await request(locked.app).post(u.pathname + u.search).type('form').send({});
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/source address/);
      expect((await request(open.app).post(u.pathname + u.search).type('form').send({})).status).toBe(200);
    } finally {
      await locked.close();
      await open.close();
    }
  });
});
