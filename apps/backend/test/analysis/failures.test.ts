import { Assessment } from '@samtal/types';
import request from 'supertest';
import { analyzeSession } from '../../src/analysis/analyze-session';
import { jobId } from '../../src/jobs/queues';
import { GROCERY, HARDWARE, startStack, type Stack } from '../helpers/stack';
import { ALL_DAY, ANSWERS, api, enqueueAnalysis, seedCompletedCall, setOpeningHours, waitForRun } from './helpers';

/**
 * The analyze job under OpenAI's failures (the simulator's fault knobs) and repetition. Calls are
 * seeded as finalize.ts stores them, so the only OpenAI requests are the grading ones.
 * ANALYSIS_LLM_MAX_RETRIES=2: the SDK tries each request 3 times before the job sees the error.
 */

describe('the analyze job: retries, failed state, idempotency', () => {
  let stack: Stack;
  const deps = () => stack.deps;
  const chatRequests = () => stack.sim.openai.stats().endpoints['POST /v1/chat/completions']?.requests ?? 0;
  const counts = async (sessionId: string) => {
    const [r] = await stack.deps.sql<{ grades: number; checks: number; rewards: number; events: number }[]>`
      select (select count(*) from quality_assessments where call_session_id = ${sessionId})::int as grades,
             (select count(*) from fraud_detection_results where call_session_id = ${sessionId})::int as checks,
             (select count(*) from rewards where call_session_id = ${sessionId})::int as rewards,
             (select count(*) from reward_ledger_events e join rewards r on r.id = e.reward_id where r.call_session_id = ${sessionId})::int as events`;
    return r!;
  };

  beforeAll(async () => {
    stack = await startStack({ env: { ANALYSIS_LLM_MAX_RETRIES: '2' } });
    await setOpeningHours(stack.deps, GROCERY, ALL_DAY);
    await setOpeningHours(stack.deps, HARDWARE, ALL_DAY);
  });
  afterEach(() => {
    stack.sim.openai.setFaults({ next429: 0, next500: 0, malformedRate: 0, refusalRate: 0, latencyMs: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('429s are retried by the client (honouring retry-after) and the call is graded', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { answers: ANSWERS.engagedGrocery });
    const before = stack.sim.openai.stats().faults_injected.rate_limited;
    stack.sim.openai.setFaults({ next429: 2 });
    await enqueueAnalysis(stack.deps, sessionId);
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(stack.sim.openai.stats().faults_injected.rate_limited - before).toBe(2);
    expect(await counts(sessionId)).toEqual({ grades: 1, checks: 5, rewards: 1, events: 2 });
  });

  it('500s past the client’s retries fail the attempt (logged, run retrying), and the job’s own retry grades it', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: ANSWERS.engagedHardware });
    const requests = chatRequests();
    stack.sim.openai.setFaults({ next500: 3 });
    await enqueueAnalysis(stack.deps, sessionId, { attempts: 3, backoffMs: 50 });
    const run = await waitForRun(deps, sessionId);
    expect(run).toMatchObject({ status: 'completed', attempts: 2, failure_kind: null });
    expect(chatRequests() - requests).toBe(4); // 3 × 500, then 200
    expect(stack.logs.some((l) => l.includes('analysis attempt failed') && l.includes(sessionId) && l.includes('"kind":"upstream"'))).toBe(true);
    expect(await counts(sessionId)).toMatchObject({ grades: 1, rewards: 1 });
  });

  it('transient errors on every attempt end in the failed state with the last reason', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: [ANSWERS.negativeHardware[2]!, ANSWERS.engagedHardware[0]!] });
    stack.sim.openai.setFaults({ next429: 6 }); // 2 job attempts × 3 requests each
    await enqueueAnalysis(stack.deps, sessionId, { attempts: 2, backoffMs: 50 });
    const run = await waitForRun(deps, sessionId);
    expect(run).toMatchObject({ status: 'failed', failure_kind: 'upstream', attempts: 2, last_error: expect.stringMatching(/HTTP 429/) });
    const job = await stack.deps.queues.analyze.getJob(jobId.analyze(sessionId));
    expect(await job!.getState()).toBe('failed');
    expect(await counts(sessionId)).toEqual({ grades: 0, checks: 0, rewards: 0, events: 0 });
  });

  it.each([
    ['malformed JSON', { malformedRate: 1 }, 'schema_invalid', GROCERY, ANSWERS.negativeGrocery],
    ['a refusal', { refusalRate: 1 }, 'refusal', HARDWARE, ANSWERS.negativeHardware],
  ] as const)('%s is asked again, then the job fails into a visible failed state — nothing half-written', async (_what, faults, kind, storeId, answers) => {
    const sessionId = await seedCompletedCall(stack.deps, { storeId, answers: [...answers] });
    const requests = chatRequests();
    stack.sim.openai.setFaults(faults);
    await enqueueAnalysis(stack.deps, sessionId);
    const run = await waitForRun(deps, sessionId);
    expect(run).toMatchObject({ status: 'failed', failure_kind: kind, attempts: 1 });
    expect(run.last_error).toMatch(kind === 'refusal' ? /refused/ : /not valid JSON|does not match the schema/);
    expect(chatRequests() - requests).toBe(stack.config.ANALYSIS_LLM_ATTEMPTS);
    const job = await stack.deps.queues.analyze.getJob(jobId.analyze(sessionId));
    expect(await job!.getState()).toBe('failed');
    expect(job!.failedReason).toMatch(new RegExp(`^${kind}: `));
    expect(await counts(sessionId)).toEqual({ grades: 0, checks: 0, rewards: 0, events: 0 });

    // Once the model behaves again, POST /quality runs the analysis by hand and the run completes.
    stack.sim.openai.setFaults({ malformedRate: 0, refusalRate: 0 });
    const res = await api(stack).post('/quality').send({ call_session_id: sessionId });
    expect(res.status).toBe(200);
    expect(Assessment.parse(res.body).qualifies_for_reward).toBe(true);
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'completed', failure_kind: null, attempts: 2 });
  });

  it('POST /quality while the model refuses answers 502 with the kind, and the run shows it', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { answers: ANSWERS.engagedGrocery.slice(0, 2) });
    stack.sim.openai.setFaults({ refusalRate: 1 });
    const res = await api(stack).post('/quality').send({ call_session_id: sessionId });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'upstream_error', details: { service: 'openai', failure_kind: 'refusal', retryable: false } });
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'failed', failure_kind: 'refusal' });
  });

  it('a session without a transcript fails at once with missing_data; POST /quality answers 409', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { answers: [] });
    await stack.deps.sql`delete from conversation_transcripts where call_session_id = ${sessionId}`;
    await enqueueAnalysis(stack.deps, sessionId);
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'failed', failure_kind: 'missing_data' });
    expect((await api(stack).post('/quality').send({ call_session_id: sessionId })).status).toBe(409);
    expect((await api(stack).post('/quality').send({ call_session_id: crypto.randomUUID() })).status).toBe(404);
  });

  it('a session erased while the model is grading gets no grade: nothing erased is written back', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: ANSWERS.engagedHardware.slice(0, 2) });
    stack.sim.openai.setFaults({ latencyMs: 400 });
    const grading = analyzeSession(stack.deps, sessionId, { final: true, log: stack.deps.log }).then(
      () => 'graded',
      (err: { kind?: string }) => err.kind,
    );
    await waitForRun(deps, sessionId, (r) => r.status === 'running');
    const erased = await request(stack.server).delete(`/api/ai/calls/${sessionId}?erase=true`).set('X-API-Key', stack.config.ADMIN_API_KEY);
    expect(erased.status).toBe(200);
    expect(await grading).toBe('missing_data');
    expect(await counts(sessionId)).toEqual({ grades: 0, checks: 0, rewards: 0, events: 0 });
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'failed', failure_kind: 'missing_data', last_error: expect.stringMatching(/erased/) });
  });

  it('the same job twice (and a concurrent run) → one grade, one ledger entry', async () => {
    const sessionId = await seedCompletedCall(stack.deps, { answers: ANSWERS.otherGrocery, phone: '+46701999001' });
    const log = stack.deps.log.child({ test: 'idempotency' });
    const outcomes = await Promise.all([
      analyzeSession(stack.deps, sessionId, { final: true, log }),
      analyzeSession(stack.deps, sessionId, { final: true, log }),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_graded', 'graded']);
    expect(outcomes[0]!.row.id).toBe(outcomes[1]!.row.id);

    // The job, enqueued twice (the second add is deduped by its id), then re-added after it finished.
    await enqueueAnalysis(stack.deps, sessionId);
    await enqueueAnalysis(stack.deps, sessionId);
    const job = await stack.deps.queues.analyze.getJob(jobId.analyze(sessionId));
    expect(job!.data).toEqual({ sessionId });
    expect(await job!.waitUntilFinished(await queueEvents(), 90_000)).toBe('already_graded');
    await job!.remove();
    await enqueueAnalysis(stack.deps, sessionId);
    const again = await stack.deps.queues.analyze.getJob(jobId.analyze(sessionId));
    expect(await again!.waitUntilFinished(await queueEvents(), 90_000)).toBe('already_graded');

    expect(await counts(sessionId)).toEqual({ grades: 1, checks: 5, rewards: 1, events: 2 });
    expect(await waitForRun(deps, sessionId)).toMatchObject({ status: 'completed' });
    // Job data carries the id only — never a phone number or the transcript.
    expect(JSON.stringify(again!.data)).not.toMatch(/\+46|mejeri|verktyg/);
  });

  let events: import('bullmq').QueueEvents | undefined;
  async function queueEvents() {
    if (!events) {
      const { QueueEvents } = await import('bullmq');
      events = new QueueEvents('analyze', { connection: { url: stack.config.REDIS_URL }, prefix: stack.config.REDIS_PREFIX });
      await events.waitUntilReady();
    }
    return events;
  }
  afterAll(async () => {
    await events?.close();
  });
});
