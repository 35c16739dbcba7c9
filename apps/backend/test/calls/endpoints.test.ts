import request from 'supertest';
import { fireVerification, GROCERY, startStack, type Stack, waitFor, waitForFinal } from '../helpers/stack';

/** The internal call endpoints: status, transcript, retry, cancel and erase (DESIGN §3). */

describe('/api/ai/calls/:id', () => {
  let stack: Stack;
  const api = (method: 'get' | 'post' | 'put' | 'delete', path: string) =>
    request(stack.server)[method](`/api/ai/calls${path}`).set('X-API-Key', stack.config.ADMIN_API_KEY);

  beforeAll(async () => {
    stack = await startStack({ env: { RETRY_BACKOFF: 'no_answer=100ms,100ms;busy=100ms,100ms;failed=100ms,100ms;voicemail=100ms,100ms' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('status of a completed call: attempts, timings and metrics', async () => {
    const { sessionId } = await fireVerification(stack, { persona: 'engaged' });
    await waitForFinal(stack, sessionId);
    const res = await api('get', `/${sessionId}/status`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      call_session_id: sessionId,
      status: 'completed',
      current_retry: 1,
      next_attempt_at: null,
      failure_reason: null,
      attempts: [{ attempt_no: 1, outcome: 'answered', started_at: expect.any(String), ended_at: expect.any(String) }],
      quality_metrics: { turns: expect.any(Number), talk_time_seconds: expect.any(Number), answer_to_first_audio_ms: expect.any(Number) },
    });
    expect(res.body.duration_seconds).toBeGreaterThan(0);
    expect(res.body.attempts[0].cost_sek).toBeGreaterThan(0);
    expect((await api('get', `/${crypto.randomUUID()}/status`)).status).toBe(404);
    expect((await api('get', '/not-a-uuid/status')).status).toBe(400);
  });

  it('GET transcript; POST on a session that has one → 409', async () => {
    const { sessionId } = await fireVerification(stack, { persona: 'negative_specific' });
    await waitForFinal(stack, sessionId);
    const got = await api('get', `/${sessionId}/transcript`);
    expect(got.status).toBe(200);
    expect(got.body.messages[0]).toMatchObject({ speaker: 'ai', message_order: 0, timestamp_ms: 0, message_type: 'greeting' });
    const posted = await api('post', `/${sessionId}/transcript`).send({
      messages: [{ speaker: 'customer', content: 'Hej', timestamp_ms: 0, message_order: 0 }],
      total_duration_seconds: 70,
    });
    expect(posted.status).toBe(409);
  });

  it('POST a transcript of a call held elsewhere → 201, completed, analysis queued', async () => {
    await stack.stopWorkers();
    try {
      const { sessionId } = await fireVerification(stack, { persona: 'engaged' });
      const body = {
        messages: [
          { speaker: 'ai', content: 'Går det bra att vi spelar in?', timestamp_ms: 0, message_order: 0, message_type: 'greeting' },
          { speaker: 'customer', content: 'Ja, det går bra.', timestamp_ms: 4000, message_order: 1, message_type: 'consent', confidence_score: 0.95, language_detected: 'sv' },
        ],
        total_duration_seconds: 75,
        openai_session_id: 'sess_123',
      };
      const res = await api('post', `/${sessionId}/transcript`).send(body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ transcript_id: expect.any(String), analysis_queued: true });
      const again = await api('post', `/${sessionId}/transcript`).send(body);
      expect(again.status).toBe(409);
      const status = await api('get', `/${sessionId}/status`);
      expect(status.body).toMatchObject({ status: 'completed', duration_seconds: 75 });
      const msgs = await api('get', `/${sessionId}/transcript`);
      expect(msgs.body.messages[1]).toMatchObject({ confidence_score: 0.95, language_detected: 'sv', message_type: 'consent' });
      expect(await stack.deps.queues.analyze.getJob(`analyze-${sessionId}`)).toBeDefined();
      const bad = await api('post', `/${sessionId}/transcript`).send({ messages: [{ speaker: 'robot' }] });
      expect(bad.status).toBe(400);
    } finally {
      await stack.startWorkers();
    }
  });

  it('retry: 409 while pending, 409 after three attempts, 202 for an abandoned call with attempts left', async () => {
    const busy = await fireVerification(stack, { persona: 'busy' });
    const early = await api('put', `/${busy.sessionId}/retry`);
    expect(early.status).toBe(409);
    await waitForFinal(stack, busy.sessionId);
    const spent = await api('put', `/${busy.sessionId}/retry`);
    expect(spent.status).toBe(409);
    expect(spent.body.message).toMatch(/all 3 attempts/);

    const hung = await fireVerification(stack, { persona: 'hangs_up' });
    expect(await waitForFinal(stack, hung.sessionId)).toMatchObject({ session_status: 'abandoned' });
    stack.sim.elks.setPersona(hung.phone, 'engaged');
    const retried = await api('put', `/${hung.sessionId}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ call_session_id: hung.sessionId, retry_number: 2, estimated_call_time: expect.any(String) });
    expect(await waitForFinal(stack, hung.sessionId)).toMatchObject({ session_status: 'completed', retry_count: 2 });
    expect(stack.sim.elks.listCalls({ to: hung.phone })).toHaveLength(2);
  });

  it('cancel a pending session: no call is placed; a second cancel → 409', async () => {
    await stack.stopWorkers();
    let sessionId = '';
    try {
      ({ sessionId } = await fireVerification(stack, { persona: 'engaged' }));
      const res = await api('delete', `/${sessionId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ call_session_id: sessionId, status: 'cancelled', erased: false });
      expect((await api('delete', `/${sessionId}`)).status).toBe(409);
    } finally {
      await stack.startWorkers();
    }
    const [s] = await stack.deps.sql`select session_status, retry_count from feedback_call_sessions where id = ${sessionId}`;
    expect(s).toEqual({ session_status: 'cancelled', retry_count: 0 });
  });

  it('cancel a live call: it hears the goodbye at its next webhook and ends cancelled', async () => {
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    await waitFor(stack, sessionId, () => stack.sim.elks.listCalls({ to: phone })[0]?.answered === true);
    const res = await api('delete', `/${sessionId}`);
    expect(res.body.status).toBe('cancelled');
    const [call] = stack.sim.elks.listCalls({ to: phone });
    const ended = await stack.sim.elks.waitForCall(call!.id);
    expect(ended.played.at(-1)?.heard).toMatch(/avsluta samtalet nu/);
    expect(await waitForFinal(stack, sessionId)).toMatchObject({ session_status: 'cancelled' });
    const transcript = await stack.deps.sql`select 1 from conversation_transcripts where call_session_id = ${sessionId}`;
    expect(transcript).toHaveLength(0);
  });

  it('?erase=true removes the personal data of a finished session', async () => {
    const { sessionId, verificationId } = await fireVerification(stack, { persona: 'engaged' });
    await waitForFinal(stack, sessionId);
    const res = await api('delete', `/${sessionId}?erase=true`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ call_session_id: sessionId, status: 'completed', erased: true });
    const [s] = await stack.deps.sql`select phone_number, phone_hash from feedback_call_sessions where id = ${sessionId}`;
    expect(s).toEqual({ phone_number: null, phone_hash: null });
    const [v] = await stack.deps.sql`select phone_number from customer_verifications where id = ${verificationId}`;
    expect(v!.phone_number).toBeNull();
    for (const table of ['conversation_transcripts', 'call_quality_metrics', 'fraud_detection_results']) {
      const rows = await stack.deps.sql`select 1 from ${stack.deps.sql(table)} where call_session_id = ${sessionId}`;
      expect(rows).toHaveLength(0);
    }
    expect((await api('delete', `/${sessionId}?erase=maybe`)).status).toBe(400);
    // A replay of the verification event must not bring the number back.
    const replay = await api('post', '/initiate').send({ customer_verification_id: verificationId, phone_number: '0701234567', store_id: GROCERY });
    expect(replay.status).toBe(409);
  });
});
