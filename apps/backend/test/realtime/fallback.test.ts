import { fireVerification, startStack, type Stack, waitForFinal } from '../helpers/stack';

/**
 * Failure drills of the realtime transport: the OpenAI leg fails, the customer never notices more than
 * a pause — the record loop continues the same conversation from Redis and the call is graded once.
 */

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('realtime fallback to the record loop', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ transport: 'realtime', sim: { timeScale: 0.25 } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const settle = async (sessionId: string) => {
    const final = await waitForFinal(stack, sessionId, 120_000);
    await until(async () => (await stack.deps.sql`select 1 from analysis_runs where call_session_id = ${sessionId} and status = 'completed'`).length === 1);
    const runs = await stack.deps.sql`select status from analysis_runs where call_session_id = ${sessionId}`;
    const grades = await stack.deps.sql`select 1 from quality_assessments where call_session_id = ${sessionId}`;
    const rows = await stack.deps.sql<{ speaker: string; content: string; message_type: string }[]>`
      select speaker, content, message_type from conversation_transcripts where call_session_id = ${sessionId} order by message_order`;
    const [metrics] = await stack.deps.sql`select transport from call_quality_metrics where call_session_id = ${sessionId}`;
    return { final, runs, grades, rows, transport: metrics?.transport };
  };

  it('the OpenAI socket dies mid-call: the call finishes in the record loop, without asking again what was answered, graded once', async () => {
    stack.sim.openai.realtime.setFaults({ closeAfterMs: 20_000 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    const r = await settle(sessionId);
    stack.sim.openai.realtime.setFaults({ closeAfterMs: null });
    expect(r.final.session_status).toBe('completed');
    expect(r.transport).toBe('realtime+record');
    expect(r.runs).toHaveLength(1);
    expect(r.grades).toHaveLength(1);
    const call = stack.sim.elks.listCalls({ to: phone });
    expect(call).toHaveLength(1); // one call: the customer was not rung again
    // The realtime part, then the record loop's questions; no question asked twice.
    const questions = r.rows.filter((m) => m.speaker === 'ai' && m.message_type === 'question').map((m) => m.content);
    expect(new Set(questions).size).toBe(questions.length);
    expect(r.rows.some((m) => m.speaker === 'customer' && m.message_type === 'consent')).toBe(true);
    expect(call[0]!.played.length).toBeGreaterThan(0); // the record loop played prompts after the leg
  });

  it('the OpenAI socket is refused at answer: the record loop runs the conversation from the start', async () => {
    stack.sim.openai.realtime.setFaults({ refuseConnect: 1 });
    const { sessionId, phone } = await fireVerification(stack, { persona: 'engaged' });
    const r = await settle(sessionId);
    expect(r.final.session_status).toBe('completed');
    expect(r.transport).toBe('realtime+record');
    expect(r.runs).toHaveLength(1);
    expect(stack.sim.elks.listCalls({ to: phone })).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ speaker: 'ai', message_type: 'greeting' });
    // The circuit is open: `auto` would now send calls to the record loop.
    expect(await stack.deps.redis.exists(stack.deps.key('rt', 'circuit'))).toBe(1);
  });
});
