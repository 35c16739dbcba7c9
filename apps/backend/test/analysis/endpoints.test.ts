import { Assessment, CleanupResponse, SummarizeResponse } from '@samtal/types';
import request from 'supertest';
import { GROCERY, HARDWARE, startStack, type Stack } from '../helpers/stack';
import { ALL_DAY, ANSWERS, api, seedCompletedCall, setOpeningHours } from './helpers';

/** The /api/ai/analysis endpoints: auth, validation, dry runs, cleanup, and the pattern check's evidence. */

const transcript = (answers: string[], consent: string | null = 'Ja, det går bra.') => [
  { speaker: 'ai', content: 'Hej! Går det bra att vi spelar in ett kort samtal?', timestamp_ms: 0, message_order: 0, message_type: 'greeting' },
  ...(consent ? [{ speaker: 'customer', content: consent, timestamp_ms: 5000, message_order: 1, message_type: 'consent' }] : []),
  ...answers.flatMap((content, i) => [
    { speaker: 'ai', content: 'Hur var ditt besök?', timestamp_ms: 10_000 + i * 25_000, message_order: 2 + 2 * i, message_type: 'question' },
    { speaker: 'customer', content, timestamp_ms: 15_000 + i * 25_000, message_order: 3 + 2 * i, message_type: 'answer' },
  ]),
];
const GROCERY_CONTEXT = {
  store_name: 'Lindqvists Livs',
  departments: ['Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa'],
  baseline_facts: ['Ingen manuell fiskdisk'],
};

describe('analysis endpoints', () => {
  let stack: Stack;
  const tableCounts = async () =>
    (await stack.deps.sql`
      select (select count(*) from quality_assessments)::int as qa, (select count(*) from fraud_detection_results)::int as fraud,
             (select count(*) from rewards)::int as rewards, (select count(*) from reward_ledger_events)::int as events,
             (select count(*) from analysis_runs)::int as runs, (select count(*) from conversation_transcripts)::int as messages,
             (select count(*) from feedback_call_sessions)::int as sessions`)[0];
  const grade = async (sessionId: string) => {
    const res = await api(stack).post('/quality').send({ call_session_id: sessionId });
    expect(res.status).toBe(200);
    return Assessment.parse(res.body);
  };

  beforeAll(async () => {
    stack = await startStack({ workers: false });
    await setOpeningHours(stack.deps, GROCERY, ALL_DAY);
    await setOpeningHours(stack.deps, HARDWARE, ALL_DAY);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('every endpoint needs X-API-Key', async () => {
    for (const [method, path] of [['post', '/quality'], ['post', '/fraud-detection'], ['post', '/summarize'], ['delete', '/cleanup-low-grade'], ['get', '/metrics']] as const) {
      const res = await request(stack.server)[method](`/api/ai/analysis${path}`).send({});
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status: 401, error: 'unauthorized' });
    }
  });

  it('validation errors name each bad field', async () => {
    const field = async (res: request.Response) => {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_error');
      return (res.body.details.fields as { field: string }[]).map((f) => f.field);
    };
    expect(await field(await api(stack).post('/quality').send({}))).toEqual(['call_session_id']);
    expect(await field(await api(stack).post('/quality').send({ call_session_id: 'nope' }))).toEqual(['call_session_id']);
    expect(await field(await api(stack).post('/quality').send({ call_session_id: crypto.randomUUID(), messages: transcript(['x']) }))).toEqual(['messages']);
    expect(await field(await api(stack).post('/quality').send({ messages: transcript(['x']) }))).toEqual(['business_context']);
    expect(await field(await api(stack).post('/fraud-detection').send({ call_session_id: crypto.randomUUID(), check_types: ['vibes'] }))).toEqual(['check_types.0']);
    expect(await field(await api(stack).delete('/cleanup-low-grade').send({ quality_threshold: 2 }))).toEqual(['quality_threshold']);
    expect(await field(await api(stack).get('/metrics?since=yesterday'))).toEqual(['since']);
    expect((await api(stack).post('/summarize').send({ call_session_id: crypto.randomUUID() })).status).toBe(404);
  });

  it('a dry run grades a raw transcript and persists nothing', async () => {
    const before = await tableCounts();
    const res = await api(stack)
      .post('/quality')
      .send({ messages: transcript(ANSWERS.engagedGrocery), business_context: { ...GROCERY_CONTEXT, transaction_amount: 200 }, total_duration_seconds: 90 });
    expect(res.status).toBe(200);
    const a = Assessment.parse(res.body);
    expect(a).toMatchObject({ dry_run: true, assessment_id: null, call_session_id: null, created_at: null, qualifies_for_reward: true, is_fraudulent: false });
    expect(a.reward_amount_sek).toBe(Math.round(200 * a.reward_percentage) / 100);
    expect(a.analysis_metadata).toMatchObject({ checks_skipped: ['pattern'], consent_source: 'consent_message', conversation_seconds: 90 });
    expect((a.analysis_metadata.checks as { check_type: string }[]).map((c) => c.check_type)).toEqual(['timing', 'content', 'context', 'model']);
    expect(await tableCounts()).toEqual(before);
  });

  it('dry runs: English, no consent, too short, and a 02:00 purchase each disqualify — for the right reason', async () => {
    const dry = async (body: Record<string, unknown>) => Assessment.parse((await api(stack).post('/quality').send({ total_duration_seconds: 90, ...body })).body);
    const english = await dry({ messages: transcript(ANSWERS.english, "Yes, that's fine."), business_context: GROCERY_CONTEXT });
    expect(english).toMatchObject({ qualifies_for_reward: false, rejection_reason: 'non_swedish', reward_percentage: 0 });
    const noConsent = await dry({ messages: transcript(ANSWERS.negativeGrocery, null), business_context: GROCERY_CONTEXT });
    expect(noConsent.rejection_reason).toBe('no_consent');
    const short = await dry({ messages: transcript(ANSWERS.negativeGrocery), business_context: GROCERY_CONTEXT, total_duration_seconds: 45 });
    expect(short.rejection_reason).toBe('too_short');
    const night = await dry({
      messages: transcript(ANSWERS.otherGrocery),
      business_context: { ...GROCERY_CONTEXT, operating_hours: { tuesday: { open: '08:00', close: '20:00' } }, transaction_time: '2026-11-24T02:00:00+01:00' },
    });
    expect(night).toMatchObject({ is_fraudulent: true, rejection_reason: 'fraud_suspected' });
    expect(night.fraud_reasons[0]).toMatchObject({ check_type: 'timing', code: 'business_hours_violation' });
    const badZone = await api(stack).post('/quality').send({ messages: transcript(['x']), business_context: { timezone: 'Mars/Olympus' } });
    expect(badZone.status).toBe(400);
  });

  it('a near-duplicate of another call at the store is flagged, pointing at that call', async () => {
    const first = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: ANSWERS.negativeHardware });
    expect((await grade(first)).is_fraudulent).toBe(false);
    const copy = ANSWERS.negativeHardware.map((a) => a.replace('tio minuter', 'en kvart'));
    const second = await seedCompletedCall(stack.deps, { storeId: HARDWARE, answers: copy });
    const a = await grade(second);
    expect(a.is_fraudulent).toBe(true);
    expect(a.fraud_reasons[0]).toMatchObject({
      check_type: 'pattern',
      code: 'near_duplicate_transcript',
      evidence: expect.objectContaining({ other_call_session_id: first, shared_passage: expect.stringMatching(/färgbrytningsmaskinen var trasig/) }),
    });
  });

  it('the same phone at three stores within a week is flagged; the evidence holds counts, not the number', async () => {
    const phone = '+46701888777';
    const [third] = await stack.deps.sql<{ id: string }[]>`
      insert into stores (business_id, name) select business_id, 'Tredje Butiken' from stores where id = ${GROCERY} returning id`;
    await seedCompletedCall(stack.deps, { storeId: GROCERY, phone, answers: ANSWERS.brief });
    await seedCompletedCall(stack.deps, { storeId: HARDWARE, phone, answers: ANSWERS.brief });
    const sessionId = await seedCompletedCall(stack.deps, { storeId: third!.id, phone, answers: ANSWERS.engagedGrocery });
    const res = await api(stack).post('/fraud-detection').send({ call_session_id: sessionId, check_types: ['pattern'] });
    expect(res.status).toBe(200);
    expect(res.body.checks[0]).toMatchObject({ check_type: 'pattern', is_suspicious: true });
    expect(res.body.checks[0].fraud_indicators).toEqual([
      expect.objectContaining({ code: 'phone_many_stores', evidence: { stores: 3, window_days: 7 } }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(phone.slice(1));
  });

  it('cleanup-low-grade: removes the text below the usefulness threshold after the grace period, keeps the grade, is idempotent', async () => {
    const useful = await seedCompletedCall(stack.deps, { answers: ANSWERS.negativeGrocery });
    const low = await seedCompletedCall(stack.deps, { answers: ['Det var väl okej.', 'Ganska bra.', 'Vet inte.'] });
    const fraud = await seedCompletedCall(stack.deps, {
      answers: ['Motorsågarna var billiga och killen i verktygsavdelningen visade mig en gräsklippare och en borrmaskin.'],
    });
    const graded = { useful: await grade(useful), low: await grade(low), fraud: await grade(fraud) };
    expect(graded.low.scores.usefulness_score).toBeLessThan(0.3);
    expect(graded.useful.scores.usefulness_score).toBeGreaterThanOrEqual(0.3);
    expect(graded.fraud).toMatchObject({ is_fraudulent: true });
    const cleanup = async (body: object) => CleanupResponse.parse((await api(stack).delete('/cleanup-low-grade').send(body)).body);
    const messages = async (id: string) => Number((await stack.deps.sql`select count(*) from conversation_transcripts where call_session_id = ${id}`)[0]!.count);
    const lowMessages = await messages(low);
    const allLow = (await stack.deps.sql<{ n: number }[]>`
      select count(*)::int as n from quality_assessments where not is_fraudulent and usefulness_score < 0.3 and text_removed_at is null`)[0]!.n;

    // Within the grace period (7 days by default) nothing goes.
    expect(await cleanup({})).toMatchObject({ deleted_count: 0, grace_days: 7, quality_threshold: 0.3, dry_run: false });
    // A dry run counts without touching anything.
    const dry = await cleanup({ grace_days: 0, dry_run: true });
    expect(dry).toMatchObject({ deleted_count: allLow, dry_run: true });
    expect(await messages(low)).toBe(lowMessages);

    const done = await cleanup({ grace_days: 0 });
    expect(done).toMatchObject({ deleted_count: allLow, dry_run: false });
    expect(done.messages_deleted).toBeGreaterThanOrEqual(lowMessages);
    expect(await messages(low)).toBe(0);
    expect(await messages(useful)).toBeGreaterThan(0);
    expect(await messages(fraud)).toBeGreaterThan(0); // evidence for the withheld reward
    const after = await grade(low);
    expect(after.scores).toEqual(graded.low.scores);
    expect(after).toMatchObject({ analysis_summary: null, themes: [], business_actionable_items: [], reward_percentage: 0 });
    expect(after.analysis_metadata.text_removed_at).toEqual(expect.any(String));
    const summary = SummarizeResponse.parse((await api(stack).post('/summarize').send({ call_session_id: low })).body);
    expect(summary).toMatchObject({ summary: null, text_removed: true });

    expect(await cleanup({ grace_days: 0 })).toMatchObject({ deleted_count: 0, messages_deleted: 0, preserved_count: done.preserved_count });
  });
});
