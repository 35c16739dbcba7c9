import { analyzeSession } from '../../src/analysis/analyze-session';
import { HARDWARE, startStack, type Stack } from '../helpers/stack';
import { ALL_DAY, ANSWERS, seedCompletedCall, setOpeningHours } from './helpers';

/**
 * The near-duplicate check across calls, through the database: a graded call leaves a MinHash
 * signature (transcript_signatures) that later checks read, in this process or the next; calls
 * without one (not graded yet, or graded before signatures were stored) are compared on their text.
 */

describe('near-duplicates across calls (stored signatures)', () => {
  let stack: Stack;
  const copyOf = (answers: string[]) => answers.map((a) => a.replace('tio minuter', 'en kvart').replace('trasig', 'sönder'));
  const grade = async (sessionId: string) => (await analyzeSession(stack.deps, sessionId, { final: true, log: stack.deps.log })).row;
  const duplicateOf = (row: { fraud_reasons: unknown }) =>
    ((row.fraud_reasons as Array<{ code: string; evidence: Record<string, unknown> }>).find((r) => r.code === 'near_duplicate_transcript') ?? null)?.evidence ?? null;
  const signature = async (sessionId: string) => {
    const [r] = await stack.deps.sql<{ words: number; bytes: number | null }[]>`
      select words, octet_length(minhash) as bytes from transcript_signatures where call_session_id = ${sessionId}`;
    return r ?? null;
  };

  beforeAll(async () => {
    stack = await startStack();
    await setOpeningHours(stack.deps, HARDWARE, ALL_DAY);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a graded call stores its signature, and after a restart a near-duplicate is still flagged against it', async () => {
    const first = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: ANSWERS.negativeHardware });
    expect(duplicateOf(await grade(first))).toBeNull();
    expect(await signature(first)).toEqual({ words: expect.any(Number), bytes: 512 });

    await stack.restart();
    const second = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: copyOf(ANSWERS.negativeHardware) });
    const row = await grade(second);
    expect(row.is_fraudulent).toBe(true);
    expect(duplicateOf(row)).toMatchObject({ other_call_session_id: first, duplicates: 1, shared_passage: expect.stringMatching(/så jag kunde inte få min kulör/) });
    expect((duplicateOf(row)!.jaccard as number) >= 0.5).toBe(true);
  });

  it('calls without a signature are compared on their text: not graded yet, or graded before signatures existed', async () => {
    const answers = ANSWERS.engagedHardware;
    const ungraded = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers });
    const row = await grade(await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: answers.map((a) => a.replace('tio minuter', 'en kvart')) }));
    expect(duplicateOf(row)).toMatchObject({ other_call_session_id: ungraded });

    await stack.deps.sql`delete from transcript_signatures`;
    const again = await grade(await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: copyOf(ANSWERS.negativeHardware) }));
    expect(duplicateOf(again)).toMatchObject({ duplicates: 2 });
  });

  it('short answers leave a word count and no MinHash, and count as compared without matching', async () => {
    const brief = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: ANSWERS.brief });
    const row = await grade(brief);
    expect(await signature(brief)).toEqual({ words: 7, bytes: null });
    expect(duplicateOf(row)).toBeNull();
    const [pattern] = await stack.deps.sql<{ decision_reasoning: string }[]>`
      select decision_reasoning from fraud_detection_results where call_session_id = ${brief} and check_type = 'pattern'`;
    const [others] = await stack.deps.sql<{ n: number }[]>`
      select count(distinct call_session_id)::int as n from conversation_transcripts
      where call_session_id <> ${brief} and speaker = 'customer' and coalesce(message_type, '') <> 'consent'`;
    expect(others!.n).toBeGreaterThan(4);
    expect(pattern!.decision_reasoning).toContain(`jämfördes med ${others!.n} andra samtal`);
  });
});
