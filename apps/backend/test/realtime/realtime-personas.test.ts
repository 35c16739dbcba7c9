import { PERSONAS } from '@samtal/simulator';
import { fireVerification, startStack, type Stack, waitForFinal } from '../helpers/stack';

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The realtime transport end to end, every persona: verification → dial → voice-start answers
 * `connect` to our WebSocket number → the 46elks simulator opens our socket, the bridge opens the OpenAI
 * simulator's Realtime socket, persona and simulated model talk in audio (words in FSK), the tools run
 * the shared dialogue on Redis → hang-up → finalize → the same settlement and grading as the record loop.
 */

type Expect = { status: string; reason: string | null; attempts: number; transcript: boolean };

/** The same outcomes as the record loop's (test/calls/personas.test.ts), plus the two realtime personas. */
const EXPECTED: Record<(typeof PERSONAS)[number], Expect> = {
  engaged: { status: 'completed', reason: null, attempts: 1, transcript: true },
  brief: { status: 'completed', reason: null, attempts: 1, transcript: true },
  negative_specific: { status: 'completed', reason: null, attempts: 1, transcript: true },
  fraud: { status: 'completed', reason: null, attempts: 1, transcript: true },
  interrupter: { status: 'completed', reason: null, attempts: 1, transcript: true },
  slow_thinker: { status: 'completed', reason: null, attempts: 1, transcript: true },
  declines: { status: 'declined', reason: 'declined_recording', attempts: 1, transcript: false },
  opt_out: { status: 'declined', reason: 'opt_out', attempts: 1, transcript: false },
  english: { status: 'abandoned', reason: 'non_swedish', attempts: 1, transcript: false },
  hangs_up: { status: 'abandoned', reason: 'customer_hung_up', attempts: 1, transcript: false },
  no_answer: { status: 'failed', reason: 'no_answer_after_3_attempts', attempts: 3, transcript: false },
  busy: { status: 'failed', reason: 'busy_after_3_attempts', attempts: 3, transcript: false },
  voicemail: { status: 'failed', reason: 'voicemail_after_3_attempts', attempts: 3, transcript: false },
  silent: { status: 'failed', reason: 'voicemail_after_3_attempts', attempts: 3, transcript: false },
};

describe.each(['realtime', 'record'] as const)('every persona end to end, CALL_TRANSPORT=%s', (transport) => {
  let stack: Stack;
  const results = new Map<string, { sessionId: string; phone: string }>();
  // The record loop's personas are covered in test/calls/personas.test.ts; here it runs the two new ones.
  const personas = (Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>).filter((p) => transport === 'realtime' || ['interrupter', 'slow_thinker'].includes(p));

  beforeAll(async () => {
    stack = await startStack({
      transport,
      sim: { timeScale: transport === 'realtime' ? 0.25 : 0.05 },
      env: { RETRY_BACKOFF: 'no_answer=200ms,300ms;busy=200ms,300ms;failed=200ms,300ms;voicemail=200ms,300ms' },
    });
    await Promise.all(
      personas.map(async (persona) => {
        const { res, sessionId, phone } = await fireVerification(stack, { persona });
        expect(res.status).toBe(202);
        results.set(persona, { sessionId, phone });
      }),
    );
    await Promise.all([...results.values()].map(({ sessionId }) => waitForFinal(stack, sessionId, 120_000)));
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('covers every persona of the simulator', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PERSONAS].sort());
  });

  it.each(personas)('%s', async (persona) => {
    const want = EXPECTED[persona];
    const { sessionId, phone } = results.get(persona)!;
    const [session] = await stack.deps.sql`select * from feedback_call_sessions where id = ${sessionId}`;
    expect({ status: session!.session_status, reason: session!.failure_reason }).toEqual({ status: want.status, reason: want.reason });
    const calls = stack.sim.elks.listCalls({ to: phone });
    expect(calls).toHaveLength(want.attempts);
    const messages = await stack.deps.sql<{ speaker: string; content: string; timestamp_ms: number }[]>`
      select speaker, content, timestamp_ms from conversation_transcripts where call_session_id = ${sessionId} order by message_order`;
    expect(messages.length > 0).toBe(want.transcript);
    if (want.transcript) {
      // Spoken order, audio time, the customer's own words (the persona's lines, heard through the audio).
      const stamps = messages.map((m) => m.timestamp_ms);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      const said = calls.at(-1)!.said.map((s: { text: string }) => s.text).filter(Boolean);
      for (const m of messages.filter((x) => x.speaker === 'customer')) expect(said).toContain(m.content);
      const [metrics] = await stack.deps.sql`select transport, realtime_usage, realtime_cost_sek from call_quality_metrics where call_session_id = ${sessionId}`;
      expect(metrics?.transport).toBe(transport);
      if (transport === 'realtime') {
        expect(Number(metrics!.realtime_cost_sek)).toBeGreaterThan(0);
        expect(metrics!.realtime_usage.usage.outputAudioTokens).toBeGreaterThan(0);
        expect(calls.at(-1)!.realtime).not.toBeNull();
      }
      // Graded as any other call: one completed analysis run.
      await until(async () => {
        const [run] = await stack.deps.sql`select status from analysis_runs where call_session_id = ${sessionId} and status = 'completed'`;
        return Boolean(run);
      });
    }
  });
});
