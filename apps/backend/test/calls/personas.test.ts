import request from 'supertest';
import { fireVerification, startStack, type Stack, waitForFinal } from '../helpers/stack';
import { findPhoneLeaks } from '../drills/support/log-guard';

/**
 * Every persona of the 46elks simulator, end to end through the real call path: verification
 * webhook → dial job → 46elks webhooks → STT jobs → hang-up → final status, attempts, transcript.
 */

type Expect = { status: string; reason: string | null; attempts: number; outcomes: string[]; transcript: boolean };

const EXPECTED: Record<string, Expect> = {
  engaged: { status: 'completed', reason: null, attempts: 1, outcomes: ['answered'], transcript: true },
  brief: { status: 'completed', reason: null, attempts: 1, outcomes: ['answered'], transcript: true },
  negative_specific: { status: 'completed', reason: null, attempts: 1, outcomes: ['answered'], transcript: true },
  fraud: { status: 'completed', reason: null, attempts: 1, outcomes: ['answered'], transcript: true },
  declines: { status: 'declined', reason: 'declined_recording', attempts: 1, outcomes: ['answered'], transcript: false },
  opt_out: { status: 'declined', reason: 'opt_out', attempts: 1, outcomes: ['answered'], transcript: false },
  english: { status: 'abandoned', reason: 'non_swedish', attempts: 1, outcomes: ['answered'], transcript: false },
  hangs_up: { status: 'abandoned', reason: 'customer_hung_up', attempts: 1, outcomes: ['answered'], transcript: false },
  no_answer: { status: 'failed', reason: 'no_answer_after_3_attempts', attempts: 3, outcomes: ['no_answer', 'no_answer', 'no_answer'], transcript: false },
  busy: { status: 'failed', reason: 'busy_after_3_attempts', attempts: 3, outcomes: ['busy', 'busy', 'busy'], transcript: false },
  voicemail: { status: 'failed', reason: 'voicemail_after_3_attempts', attempts: 3, outcomes: ['voicemail', 'voicemail', 'voicemail'], transcript: false },
  silent: { status: 'failed', reason: 'voicemail_after_3_attempts', attempts: 3, outcomes: ['voicemail', 'voicemail', 'voicemail'], transcript: false },
};

describe('every persona end to end', () => {
  let stack: Stack;
  const results = new Map<string, { sessionId: string; phone: string }>();

  beforeAll(async () => {
    stack = await startStack({ env: { RETRY_BACKOFF: 'no_answer=200ms,300ms;busy=200ms,300ms;failed=200ms,300ms;voicemail=200ms,300ms' } });
    await Promise.all(
      Object.keys(EXPECTED).map(async (persona) => {
        const { res, sessionId, phone } = await fireVerification(stack, { persona });
        expect(res.status).toBe(202);
        results.set(persona, { sessionId, phone });
      }),
    );
    await Promise.all([...results.values()].map(({ sessionId }) => waitForFinal(stack, sessionId, 60_000)));
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it.each(Object.entries(EXPECTED))('%s → %o', async (persona, want) => {
    const { sessionId, phone } = results.get(persona)!;
    const [session] = await stack.deps.sql`select * from feedback_call_sessions where id = ${sessionId}`;
    expect({ status: session!.session_status, reason: session!.failure_reason }).toEqual({ status: want.status, reason: want.reason });
    const attempts = await stack.deps.sql`select outcome, elks_call_id from call_attempts where call_session_id = ${sessionId} order by attempt_no`;
    expect(attempts.map((a) => a.outcome)).toEqual(want.outcomes);
    expect(session!.retry_count).toBe(want.attempts);
    // 46elks saw exactly as many calls to this number as we made attempts.
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(want.attempts);
    const messages = await stack.deps.sql`select speaker, content from conversation_transcripts where call_session_id = ${sessionId} order by message_order`;
    expect(messages.length > 0).toBe(want.transcript);
    // Every recording that reached us was fetched for speech-to-text (46elks offers no way to delete it).
    for (const call of stack.sim.elks.listCalls({ to: phone })) {
      for (const rec of call.recordings) if (rec.delivered && want.transcript) expect(rec.downloads).toBeGreaterThanOrEqual(1);
    }
    // Live state is dropped once the session is final.
    expect(await stack.deps.redis.exists(stack.deps.key('call', sessionId, String(want.attempts)))).toBe(0);
  });

  it('stores the conversation in order, with the customer’s own words', async () => {
    const { sessionId, phone } = results.get('engaged')!;
    const messages = await stack.deps.sql<{ speaker: string; content: string; message_type: string; timestamp_ms: number }[]>`
      select speaker, content, message_type, timestamp_ms from conversation_transcripts where call_session_id = ${sessionId} order by message_order`;
    expect(messages[0]).toMatchObject({ speaker: 'ai', message_type: 'greeting' });
    expect(messages[0]!.content).toMatch(/Lindqvists Livs/);
    expect(messages[1]).toMatchObject({ speaker: 'customer', message_type: 'consent' });
    const said = stack.sim.elks.listCalls({ to: phone })[0]!.said.map((s: { text: string }) => s.text).filter(Boolean);
    const customer = messages.filter((m) => m.speaker === 'customer').map((m) => m.content);
    expect(customer).toEqual(said);
    const questions = messages.filter((m) => m.message_type === 'question');
    expect(questions.length).toBeGreaterThanOrEqual(3);
    expect(questions.length).toBeLessThanOrEqual(5);
    expect(messages.at(-1)!.message_type).toBe('closing');
    const stamps = messages.map((m) => m.timestamp_ms);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('serves prompts 46elks can play: canonical 8 kHz PCM WAV (sizes that match the file), heard word for word', async () => {
    const { sessionId, phone } = results.get('engaged')!;
    const [call] = stack.sim.elks.listCalls({ to: phone });
    expect(call!.played.every((p) => p.ok)).toBe(true);
    const prompts = await stack.deps.sql<{ content: string }[]>`
      select content from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'ai' order by message_order`;
    // What the simulated callee decoded from the audio samples is exactly the text we rendered.
    expect(call!.played.map((p) => p.heard)).toEqual(expect.arrayContaining(prompts.map((p) => p.content)));
    const url = new URL(call!.played[0]!.url);
    const res = await request(stack.server).get(url.pathname).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const wav = res.body as Buffer;
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(8_000);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
  });

  it('asks one follow-up after a vague answer, and no more', async () => {
    const { sessionId } = results.get('brief')!;
    const messages = await stack.deps.sql`select message_type from conversation_transcripts where call_session_id = ${sessionId}`;
    expect(messages.filter((m) => m.message_type === 'follow_up')).toHaveLength(1);
  });

  it('enqueues one analysis per completed call', async () => {
    for (const persona of ['engaged', 'brief', 'negative_specific', 'fraud']) {
      const job = await stack.deps.queues.analyze.getJob(`analyze-${results.get(persona)!.sessionId}`);
      expect(job?.data).toEqual({ sessionId: results.get(persona)!.sessionId });
    }
    // The analyze worker may already have run them: count finished jobs too.
    const counts = await stack.deps.queues.analyze.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('opt-out suppresses the number for every store: the next verification is declined without a call', async () => {
    const { phone } = results.get('opt_out')!;
    const again = await fireVerification(stack, { phone });
    expect(again.res.status).toBe(202);
    expect(again.res.body).toMatchObject({ status: 'declined', estimated_call_time: null });
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
  });

  it('exposes Prometheus metrics: webhook latency, outcomes, active calls, queues', async () => {
    const res = await request(stack.server).get('/metrics').set('X-API-Key', stack.config.ADMIN_API_KEY);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/samtal_elks_webhook_duration_seconds_bucket\{[^}]*kind="next"/);
    expect(res.text).toMatch(/samtal_call_attempts_total\{[^}]*outcome="answered"[^}]*\} \d+/);
    expect(res.text).toMatch(/samtal_call_sessions_final_total\{[^}]*status="completed"/);
    expect(res.text).toMatch(/samtal_active_calls\{[^}]*\} 0/);
    expect(res.text).toMatch(/samtal_queue_jobs\{[^}]*queue="analyze"/);
    expect(res.text).toMatch(/samtal_http_request_duration_seconds_bucket\{[^}]*route="\/webhooks\/verification"/);
    // No label carries a phone number (the patterns, not a digit run: values like 14670 are fine).
    expect(findPhoneLeaks(res.text.split('\n'))).toEqual([]);
  });

  it('records per-call metrics for answered calls', async () => {
    const { sessionId } = results.get('engaged')!;
    const [m] = await stack.deps.sql`select * from call_quality_metrics where call_session_id = ${sessionId}`;
    expect(Number(m!.turns)).toBeGreaterThanOrEqual(4);
    expect(Number(m!.talk_time_seconds)).toBeGreaterThan(60);
    expect(Number(m!.talk_time_seconds)).toBeLessThanOrEqual(120);
    expect(m!.answer_to_first_audio_ms).not.toBeNull();
    expect((m!.stt_latencies_ms as number[]).length).toBe(Number(m!.turns));
    expect(Object.keys(m!.webhook_latencies_ms as object)).toEqual(expect.arrayContaining(['voice-start', 'next:0', 'rec:0']));
  });
});
