import { Assessment, FraudDetectionResponse, MetricsResponse, SummarizeResponse } from '@samtal/types';
import { DateTime } from 'luxon';
import request from 'supertest';
import { PROMPT_VERSION } from '../../src/analysis/grading';
import { rewardAmountSek } from '../../src/analysis/reward';
import { containsQuote } from '../../src/analysis/text';
import { fireVerification, GROCERY, HARDWARE, startStack, type Stack, waitForFinal } from '../helpers/stack';
import { ALL_DAY, ANSWERS, api, fireVerificationAt, setOpeningHours, waitForRun } from './helpers';

/**
 * Each persona's call through the real path — verification webhook → 46elks call → transcript →
 * `analyze` job → grade, fraud rows, reward — and what the grade must look like.
 */

type Graded = { sessionId: string; phone: string; a: Assessment };

describe('a completed call is graded end to end', () => {
  let stack: Stack;
  const graded = new Map<string, Graded>();
  const deps = () => stack.deps;

  const assessment = async (sessionId: string): Promise<Assessment> => {
    const res = await api(stack).post('/quality').send({ call_session_id: sessionId });
    expect(res.status).toBe(200);
    return Assessment.parse(res.body);
  };

  beforeAll(async () => {
    stack = await startStack();
    await setOpeningHours(stack.deps, GROCERY, ALL_DAY);
    // The store is open 08–20; the purchase below was made at 02:00 last night (Stockholm time).
    await setOpeningHours(
      stack.deps,
      HARDWARE,
      Object.fromEntries(Object.keys(ALL_DAY).map((d) => [d, { open: '08:00', close: '20:00' }])),
    );
    let night = DateTime.now().setZone('Europe/Stockholm').set({ hour: 2, minute: 0, second: 0, millisecond: 0 });
    if (night.toMillis() > Date.now() - 60_000) night = night.minus({ days: 1 });
    const calls = await Promise.all([
      ...['engaged', 'negative_specific', 'brief', 'fraud', 'english'].map(async (persona) => [persona, await fireVerification(stack, { persona })] as const),
      (async () => [
        'night_purchase',
        await fireVerificationAt(stack, { persona: 'engaged', transactionTime: night.toJSDate(), verifiedAt: night.plus({ minutes: 3 }).toJSDate() }),
      ] as const)(),
    ]);
    await Promise.all(calls.map(([, c]) => waitForFinal(stack, c.sessionId, 30_000)));

    // The english call ends `non_swedish` with no transcript; its conversation reaches analysis as a
    // transcript submitted from elsewhere.
    const english = calls.find(([p]) => p === 'english')![1];
    const messages = [
      { speaker: 'ai', content: 'Hej! Går det bra att vi spelar in ett kort samtal?', timestamp_ms: 0, message_order: 0, message_type: 'greeting' },
      { speaker: 'customer', content: "Yes, that's fine.", timestamp_ms: 6000, message_order: 1, message_type: 'consent' },
      ...ANSWERS.english.flatMap((content, i) => [
        { speaker: 'ai', content: 'Hur var ditt besök idag?', timestamp_ms: 10_000 + i * 20_000, message_order: 2 + 2 * i, message_type: 'question' },
        { speaker: 'customer', content, timestamp_ms: 14_000 + i * 20_000, message_order: 3 + 2 * i, message_type: 'answer' },
      ]),
    ];
    const posted = await request(stack.server)
      .post(`/api/ai/calls/${english.sessionId}/transcript`)
      .set('X-API-Key', stack.config.ADMIN_API_KEY)
      .send({ messages, total_duration_seconds: 95 });
    expect(posted.status).toBe(201);

    for (const [persona, c] of calls) {
      const run = await waitForRun(deps, c.sessionId);
      expect({ persona, ...run }).toMatchObject({ persona, status: 'completed' });
      graded.set(persona, { ...c, a: await assessment(c.sessionId) });
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  const rewardRows = (sessionId: string) =>
    stack.deps.sql`select id, state, amount_sek, reward_percentage, purchase_amount_sek from rewards where call_session_id = ${sessionId}`;

  it.each(['engaged', 'negative_specific'])('%s: eligible, 2–15 %, approved in the ledger, amount = purchase × percentage', async (persona) => {
    const { a, sessionId } = graded.get(persona)!;
    expect(a).toMatchObject({ qualifies_for_reward: true, rejection_reason: null, is_fraudulent: false, fraud_reasons: [] });
    expect(a.reward_percentage).toBeGreaterThanOrEqual(2);
    expect(a.reward_percentage).toBeLessThanOrEqual(15);
    expect(a.scores.overall_quality_score).toBeGreaterThanOrEqual(stack.config.REWARD_QUALITY_THRESHOLD);
    expect(a.reward_amount_sek).toBe(rewardAmountSek(312.5, a.reward_percentage));
    expect(a.analysis_summary?.length).toBeGreaterThan(20);
    expect(a.analysis_metadata).toMatchObject({ prompt_version: PROMPT_VERSION, model: 'gpt-4o-mini', consent: true, language: 'sv' });
    const rewards = await rewardRows(sessionId);
    expect(rewards).toEqual([expect.objectContaining({ state: 'approved', amount_sek: String(a.reward_amount_sek?.toFixed(2)), purchase_amount_sek: '312.50' })]);
    const events = await stack.deps.sql`select from_state, to_state from reward_ledger_events where reward_id = ${rewards[0]!.id} order by created_at`;
    expect(events).toEqual([{ from_state: null, to_state: 'graded' }, { from_state: 'graded', to_state: 'approved' }]);
  });

  it('grades informativeness, not positivity: critical-but-specific earns about what glowing-and-specific does', () => {
    const engaged = graded.get('engaged')!.a;
    const negative = graded.get('negative_specific')!.a;
    expect(negative.sentiment).toMatch(/negative|mixed/);
    // Sub-scores within 0.15 of each other (simulator contract) → at most 13 × 0.15 / 0.5 ≈ 4 points apart.
    expect(Math.abs(engaged.reward_percentage - negative.reward_percentage)).toBeLessThanOrEqual(4);
  });

  it('brief: low usefulness and depth, no reward', async () => {
    const { a, sessionId } = graded.get('brief')!;
    expect(a.scores.usefulness_score).toBeLessThan(0.3);
    expect(a.scores.depth_score).toBeLessThan(0.3);
    expect(a).toMatchObject({ qualifies_for_reward: false, reward_percentage: 0, is_fraudulent: false });
    expect(['too_short', 'low_quality']).toContain(a.rejection_reason);
    expect(await rewardRows(sessionId)).toEqual([]);
  });

  it('fraud: flagged with evidence quoted from the transcript, no reward', async () => {
    const { a, sessionId } = graded.get('fraud')!;
    expect(a).toMatchObject({ is_fraudulent: true, qualifies_for_reward: false, reward_percentage: 0, rejection_reason: 'fraud_suspected' });
    expect(a.fraud_reasons.length).toBeGreaterThan(0);
    const said = (await stack.deps.sql<{ content: string }[]>`
      select content from conversation_transcripts where call_session_id = ${sessionId} and speaker = 'customer'`).map((m) => m.content).join(' ');
    const quotes = a.fraud_reasons.map((r) => r.evidence.quote).filter((q): q is string => typeof q === 'string' && q.length > 0);
    expect(quotes.length).toBeGreaterThan(0);
    for (const q of quotes) expect(containsQuote(said, q)).toBe(true);
    expect(await rewardRows(sessionId)).toEqual([]);
  });

  it('english (a transcript submitted for the abandoned call): not eligible, non_swedish', () => {
    const { a } = graded.get('english')!;
    expect(a).toMatchObject({ qualifies_for_reward: false, reward_percentage: 0 });
    // The call's consent answer may be "Yes, no problem." (unclear → consent_given false), so
    // no_consent can rank first; non_swedish is always among the reasons.
    expect(a.analysis_metadata.rejection_reasons).toContain('non_swedish');
    expect(a.analysis_metadata.language).toBe('en');
  });

  it('a purchase at 02:00 in a store open 08–20 is flagged by the timing check, with the local time as evidence', async () => {
    const { a, sessionId } = graded.get('night_purchase')!;
    expect(a).toMatchObject({ is_fraudulent: true, qualifies_for_reward: false, rejection_reason: 'fraud_suspected' });
    const [timing] = await stack.deps.sql`select * from fraud_detection_results where call_session_id = ${sessionId} and check_type = 'timing'`;
    expect(timing).toMatchObject({ is_suspicious: true });
    expect(timing!.fraud_indicators).toEqual([
      expect.objectContaining({
        code: 'business_hours_violation',
        evidence: expect.objectContaining({ transaction_time_local: expect.stringMatching(/ 02:00$/), opening_hours: '08:00–20:00' }),
      }),
    ]);
  });

  it('one fraud_detection_results row per check for every graded call; each explains itself', async () => {
    for (const { sessionId } of graded.values()) {
      const rows = await stack.deps.sql<{ check_type: string; decision_reasoning: string }[]>`
        select check_type, decision_reasoning from fraud_detection_results where call_session_id = ${sessionId} order by check_type`;
      expect(rows.map((r) => r.check_type)).toEqual(['content', 'context', 'model', 'pattern', 'timing']);
      for (const r of rows) expect(r.decision_reasoning.length).toBeGreaterThan(10);
    }
  });

  it('fraud-detection, summarize and quality return the stored results (no second grading)', async () => {
    const requests = stack.sim.openai.stats().requests;
    const fraud = await api(stack).post('/fraud-detection').send({ call_session_id: graded.get('fraud')!.sessionId, check_types: ['context', 'model'] });
    expect(fraud.status).toBe(200);
    const body = FraudDetectionResponse.parse(fraud.body);
    expect(body.checks.map((c) => c.check_type)).toEqual(['context', 'model']);
    expect(body.is_fraudulent).toBe(true);
    const summary = SummarizeResponse.parse((await api(stack).post('/summarize').send({ call_session_id: graded.get('engaged')!.sessionId })).body);
    expect(summary).toMatchObject({ text_removed: false, summary: expect.stringMatching(/\w/) });
    expect(summary.themes.length).toBeGreaterThan(0);
    const again = await assessment(graded.get('engaged')!.sessionId);
    expect(again.assessment_id).toBe(graded.get('engaged')!.a.assessment_id);
    expect(stack.sim.openai.stats().requests).toBe(requests);
  });

  it('business-facing text and the analysis logs never carry a phone number', () => {
    for (const { a, phone } of graded.values()) {
      const text = JSON.stringify([a.analysis_summary, a.themes, a.business_actionable_items, a.department_mentions]);
      expect(text).not.toContain(phone);
    }
    const lines = stack.logs.filter((l) => l.includes('call graded'));
    expect(lines.length).toBe(graded.size);
    for (const { phone } of graded.values()) for (const l of lines) expect(l).not.toContain(phone.slice(1));
  });

  it('metrics: calls, rates, distributions, fraud rate, tokens and cost per model, latency, queue', async () => {
    const res = await api(stack).get('/metrics');
    expect(res.status).toBe(200);
    const m = MetricsResponse.parse(res.body);
    expect(m.quality.graded).toBe(graded.size);
    expect(m.quality.distribution.reduce((s, b) => s + b.count, 0)).toBe(graded.size);
    expect(m.rewards.qualifying).toBe(2);
    expect(m.rewards.ledger.approved?.count).toBe(2);
    expect(m.fraud.flagged).toBe(2);
    expect(m.fraud.by_check.timing).toBe(1);
    expect(m.tokens).toEqual([expect.objectContaining({ model: 'gpt-4o-mini', analyses: graded.size })]);
    expect(m.tokens[0]!.estimated_cost_usd).toBeGreaterThan(0);
    expect(m.latency_ms.analysis.p50).toBeGreaterThan(0);
    expect(m.calls.answer_rate).toBe(1);
    expect(m.analysis_runs).toEqual({ completed: graded.size });
    expect(m.queue).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    const scoped = MetricsResponse.parse((await api(stack).get(`/metrics?store_id=${HARDWARE}`)).body);
    expect(scoped.quality.graded).toBe(1);
  });
});
