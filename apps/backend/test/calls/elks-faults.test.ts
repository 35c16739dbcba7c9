import request from 'supertest';
import { until } from '../drills/support/drill';
import { fireVerification, startStack, type Stack, waitFor, waitForFinal } from '../helpers/stack';

/**
 * What 46elks tells us, read and acted on: an account that cannot call (no credit), a play or a
 * record it reports failed (`result=failed` on the `next` POST), and recordings that hold no speech.
 * None of it is ever the customer's doing.
 */

const FAST = 'no_answer=200ms,300ms;busy=200ms,300ms;failed=200ms,300ms;voicemail=200ms,300ms';

/** A metric's value from GET /metrics; `labels` like 'a="x",b="y"' match in any order. */
const metric = async (stack: Stack, name: string, labels = ''): Promise<number> => {
  const text = (await request(stack.server).get('/metrics').set('X-API-Key', stack.config.ADMIN_API_KEY)).text;
  const wanted = labels.split(',').filter(Boolean);
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

const attempts = (stack: Stack, sessionId: string) =>
  stack.deps.sql<{ attempt_no: number; outcome: string | null; failure_reason: string | null }[]>`
    select attempt_no, outcome, failure_reason from call_attempts where call_session_id = ${sessionId} order by attempt_no`;

describe('46elks refuses calls for the account (out of credit)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RETRY_BACKOFF: FAST, ELKS_BLOCKED_BACKOFF: '300ms,1s' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sessions wait with back-off (no attempt spent), an operator sees a metric and a log line, and calls resume once credit is back', async () => {
    stack.sim.elks.setBalance(0);
    const fired = [await fireVerification(stack, { persona: 'engaged' }), await fireVerification(stack, { persona: 'engaged' })];
    await until('46elks to have refused a create', () => stack.logs.some((l) => l.includes('46elks refuses calls for the account')));
    expect(await metric(stack, 'samtal_elks_account_blocked')).toBe(1);
    expect(await metric(stack, 'samtal_elks_call_creates_total', 'result="refused_account"')).toBeGreaterThanOrEqual(1);
    // Several back-off rounds later the sessions still wait (between two probes: pending, no attempt
    // spent), and no call was made.
    await until('a few refused probes', async () => (await metric(stack, 'samtal_elks_call_creates_total', 'result="refused_account"')) >= 3, 60_000);
    for (const { sessionId, phone } of fired) {
      await waitFor(stack, sessionId, (s) => s.session_status === 'pending' && s.retry_count === 0);
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(0);
    }
    stack.sim.elks.setBalance(1_000_000_000);
    for (const { sessionId, phone } of fired) {
      // The refused probes spent no attempt: the call that went through is attempt 1, the only one.
      expect(await waitForFinal(stack, sessionId, 60_000)).toMatchObject({ session_status: 'completed', retry_count: 1 });
      expect(await attempts(stack, sessionId)).toEqual([{ attempt_no: 1, outcome: 'answered', failure_reason: null }]);
      expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
    }
    expect(await metric(stack, 'samtal_elks_account_blocked')).toBe(0);
    expect(stack.logs.some((l) => l.includes('46elks accepts calls again'))).toBe(true);
  }, 120_000);
});

describe('result=failed on a next POST: retried once with the same prompt, never blamed on the customer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RETRY_BACKOFF: FAST } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a play that fails once is played again; the customer answers the question they heard', async () => {
    stack.sim.elks.setFaults({ playFailures: 1 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
    const [call] = stack.sim.elks.listCalls({ to: phone });
    // The greeting failed, then the same URL played; nothing was recorded after the failed play.
    expect(call!.played[0]).toMatchObject({ ok: false });
    expect(call!.played[1]).toMatchObject({ ok: true, url: call!.played[0]!.url });
    expect(call!.said[0]!.atSec).toBeGreaterThan(0);
    const answers = await stack.deps.sql`select content from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'customer' order by message_order`;
    expect(answers.map((a) => a.content)).toEqual(call!.said.map((s) => s.text));
    expect(await metric(stack, 'samtal_elks_action_failures_total', 'action="play",handling="retried"')).toBe(1);
    expect(stack.logs.some((l) => l.includes('46elks reports the action failed') && l.includes(sessionId))).toBe(true);
  });

  it('a play that fails twice ends the call as our failure: the attempt is retried, the customer not judged', async () => {
    stack.sim.elks.setFaults({ playFailures: 2 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 2 });
    expect(await attempts(stack, sessionId)).toEqual([
      { attempt_no: 1, outcome: 'failed', failure_reason: 'dropped_by_us: play_failed' },
      { attempt_no: 2, outcome: 'answered', failure_reason: null },
    ]);
    const [first] = stack.sim.elks.listCalls({ to: phone });
    expect(first!.said).toEqual([]); // nothing was recorded after a question nobody heard
    expect(await metric(stack, 'samtal_elks_action_failures_total', 'action="play",handling="ended"')).toBe(1);
    expect(await metric(stack, 'samtal_calls_dropped_by_us_total', 'next="retry",reason="play_failed"')).toBe(1);
  });

  it('a record that fails once is started again; every answer is kept', async () => {
    stack.sim.elks.setFaults({ recordFailures: 1 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
    const [call] = stack.sim.elks.listCalls({ to: phone });
    expect(call!.actions.filter((a) => 'record' in a && a.result === 'failed')).toHaveLength(1);
    const answers = await stack.deps.sql`select content from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'customer' order by message_order`;
    expect(answers.map((a) => a.content)).toEqual(call!.said.map((s) => s.text));
    expect(await metric(stack, 'samtal_elks_action_failures_total', 'action="record",handling="retried"')).toBe(1);
  });

  it('a record that fails twice ends the call with a short goodbye (no reward promised) as our failure; the next attempt completes', async () => {
    stack.sim.elks.setFaults({ recordFailures: 2 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed', retry_count: 2 });
    expect(await attempts(stack, sessionId)).toEqual([
      { attempt_no: 1, outcome: 'failed', failure_reason: 'dropped_by_us: record_failed' },
      { attempt_no: 2, outcome: 'answered', failure_reason: null },
    ]);
    const [first] = stack.sim.elks.listCalls({ to: phone });
    expect(first!.played.at(-1)!.heard).toMatch(/Vi behöver tyvärr avsluta samtalet nu/);
    expect(await metric(stack, 'samtal_elks_action_failures_total', 'action="record",handling="ended"')).toBe(1);
  });
});

describe('recordings that cannot hold speech are not transcribed', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RETRY_BACKOFF: FAST } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a silent customer: no speech-to-text request for the silence (models invent text on it), the attempt counts as no one there', async () => {
    const transcriptions = () => stack.sim.openai.stats().endpoints['POST /v1/audio/transcriptions']?.requests ?? 0;
    const before = transcriptions();
    const { sessionId, phone } = await fireVerification(stack, { persona: 'silent' });
    expect(await waitForFinal(stack, sessionId, 60_000)).toMatchObject({ session_status: 'failed', failure_reason: 'voicemail_after_3_attempts' });
    const recordings = stack.sim.elks.listCalls({ to: phone }).flatMap((c) => c.recordings);
    expect(recordings.length).toBeGreaterThanOrEqual(3);
    expect(transcriptions() - before).toBe(0);
    expect(await metric(stack, 'samtal_stt_skipped_total', 'reason="too_quiet"')).toBeGreaterThanOrEqual(recordings.length);
  }, 180_000);

  it('a customer who speaks is transcribed in Swedish', async () => {
    const { sessionId } = await fireVerification(stack, { persona: 'engaged' });
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'completed' });
    const answers = await stack.deps.sql`select content, language_detected from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'customer'`;
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.every((a) => a.content.length > 0)).toBe(true);
  });
});
