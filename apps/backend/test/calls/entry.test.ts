import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';
import { verificationEvent } from '../helpers/stack';

/** The two entry points: validation, auth, idempotency and first-attempt scheduling. */

const STORE = '50000000-0000-4000-8000-0000000000e1';

async function seedStore(ctx: TestContext) {
  const [b] = await ctx.deps.sql<{ id: string }[]>`insert into businesses (name) values ('B') returning id`;
  await ctx.deps.sql`insert into stores (id, business_id, name) values (${STORE}, ${b!.id}, 'Lindqvists Livs')`;
}

const record = (over: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  store_id: STORE,
  phone_number: '070-123 45 67',
  transaction_amount: '249.90',
  transaction_time: new Date().toISOString(),
  verification_status: 'verified',
  verified_at: new Date().toISOString(),
  ...over,
});

describe('POST /webhooks/verification', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    await seedStore(ctx);
  });
  afterAll(async () => {
    await ctx.close();
  });
  const post = (body: unknown, secret = ctx.config.VERIFICATION_WEBHOOK_SECRET) =>
    request(ctx.app).post('/webhooks/verification').set('Authorization', `Bearer ${secret}`).send(body as object);

  it('creates one session, normalises the phone to E.164 and schedules the first attempt', async () => {
    const r = record();
    const res = await post(verificationEvent(r));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', retry_count: 0, call_session_id: expect.any(String) });
    const [s] = await ctx.deps.sql`select phone_number, phone_hash, next_attempt_at, expires_at, call_deadline_at from feedback_call_sessions where id = ${res.body.call_session_id}`;
    expect(s!.phone_number).toBe('+46701234567');
    expect(s!.phone_hash).toMatch(/^[0-9a-f]{64}$/);
    const job = await ctx.deps.queues.dial.getJob(`dial-${res.body.call_session_id}-1`);
    expect(job?.data).toEqual({ sessionId: res.body.call_session_id, attemptNo: 1 });
    expect(JSON.stringify(job?.data)).not.toMatch(/4670/);
  });

  it('10 parallel duplicates → one session, one dial job, the same answer', async () => {
    const event = verificationEvent(record());
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(event)));
    const ids = new Set(answers.map((a) => a.body.call_session_id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const [n] = await ctx.deps.sql`select count(*)::int as n from feedback_call_sessions where customer_verification_id = ${event.record.id as string}`;
    expect(n!.n).toBe(1);
    const jobs = await ctx.deps.queues.dial.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(jobs.filter((j) => j.data.sessionId === [...ids][0])).toHaveLength(1);
  });

  it('refuses a wrong or missing secret with 401', async () => {
    expect((await post(verificationEvent(record()), 'wrong-secret-wrong-secret')).status).toBe(401);
    const res = await request(ctx.app).post('/webhooks/verification').send(verificationEvent(record()));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
  });

  it('names each bad field', async () => {
    const res = await post({ type: 'UPDATE', table: 'customer_verifications', schema: 'public', record: { id: 'x', transaction_amount: -1 } });
    expect(res.status).toBe(400);
    const fields = res.body.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['type', 'record.id', 'record.store_id', 'record.phone_number', 'record.transaction_time']));
  });

  it('rejects a number that is not a valid Swedish phone', async () => {
    for (const phone_number of ['+4470123456', '12345', '+46 70 12']) {
      const res = await post(verificationEvent(record({ phone_number })));
      expect(res.status).toBe(400);
      expect(res.body.details.fields[0].field).toBe('record.phone_number');
    }
  });

  it('answers 404 for an unknown store', async () => {
    const res = await post(verificationEvent(record({ store_id: crypto.randomUUID() })));
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });

  it('does not call for an unverified purchase', async () => {
    const res = await post(verificationEvent(record({ verification_status: 'pending' })));
    expect(res.status).toBe(400);
    expect(res.body.details.fields[0].field).toBe('record.verification_status');
  });
});

describe('POST /api/ai/calls/initiate', () => {
  let ctx: TestContext;
  let verificationId: string;
  beforeAll(async () => {
    ctx = await createTestContext();
    await seedStore(ctx);
    const [v] = await ctx.deps.sql<{ id: string }[]>`
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at)
      values (${STORE}, '+46701234599', 100, now(), now()) returning id`;
    verificationId = v!.id;
  });
  afterAll(async () => {
    await ctx.close();
  });
  const initiate = (body: object, key = ctx.config.ADMIN_API_KEY) =>
    request(ctx.app).post('/api/ai/calls/initiate').set('X-API-Key', key).send(body);

  it('202 then 200 with the same session on a repeat', async () => {
    const body = { customer_verification_id: verificationId, phone_number: '+46 70 123 45 99', store_id: STORE, priority: 'high' };
    const first = await initiate(body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'pending', retry_count: 0, estimated_call_time: expect.any(String) });
    const again = await initiate(body);
    expect(again.status).toBe(200);
    expect(again.body.call_session_id).toBe(first.body.call_session_id);
  });

  it('401 without or with a wrong X-API-Key', async () => {
    expect((await request(ctx.app).post('/api/ai/calls/initiate').send({})).status).toBe(401);
    expect((await initiate({}, 'nope-nope-nope-nope')).status).toBe(401);
  });

  it('400 naming bad fields, 404 for an unknown verification, 400 for a store mismatch', async () => {
    const bad = await initiate({ customer_verification_id: 'x', phone_number: '', priority: 'urgent' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(
      ['customer_verification_id', 'phone_number', 'priority', 'store_id'],
    );
    const missing = await initiate({ customer_verification_id: crypto.randomUUID(), phone_number: '0701234567', store_id: STORE });
    expect(missing.status).toBe(404);
    const mismatch = await initiate({ customer_verification_id: verificationId, phone_number: '0701234567', store_id: crypto.randomUUID() });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.details.fields[0].field).toBe('store_id');
  });
});

describe('first attempt inside the calling window', () => {
  // Stockholm is UTC+1 in winter, UTC+2 in summer.
  const cases = [
    { name: '21:30 on a weekday → 09:00 next morning', now: '2026-11-25T20:30:00Z', verified: '2026-11-25T20:25:00Z', expect: '2026-11-26T08:00:00.000Z' },
    { name: '07:15 → 09:00 the same day', now: '2026-11-25T06:15:00Z', verified: '2026-11-25T06:10:00Z', expect: '2026-11-25T08:00:00.000Z' },
    { name: 'inside the window → now', now: '2026-11-25T12:00:00Z', verified: '2026-11-25T11:55:00Z', expect: '2026-11-25T12:00:00.000Z' },
    { name: 'the evening before Kristi himmelsfärd → skips the holiday', now: '2026-05-13T18:30:00Z', verified: '2026-05-13T18:20:00Z', expect: '2026-05-15T07:00:00.000Z' },
  ];

  it.each(cases)('$name', async (c) => {
    const ctx = await createTestContext({ CALL_WINDOW: '09:00-20:00' }, { clock: () => new Date(c.now) });
    try {
      await seedStore(ctx);
      const res = await request(ctx.app)
        .post('/webhooks/verification')
        .set('Authorization', `Bearer ${ctx.config.VERIFICATION_WEBHOOK_SECRET}`)
        .send(verificationEvent(record({ verified_at: c.verified })));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'pending', estimated_call_time: c.expect });
    } finally {
      await ctx.close();
    }
  });

  it('no allowed moment within 48 h of the purchase → failed, no call', async () => {
    const ctx = await createTestContext({ CALL_WINDOW: '09:00-20:00' }, { clock: () => new Date('2026-11-25T20:30:00Z') });
    try {
      await seedStore(ctx);
      const res = await request(ctx.app)
        .post('/webhooks/verification')
        .set('Authorization', `Bearer ${ctx.config.VERIFICATION_WEBHOOK_SECRET}`)
        .send(verificationEvent(record({ verified_at: '2026-11-23T22:00:00Z' })));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'failed', estimated_call_time: null });
      const [s] = await ctx.deps.sql`select failure_reason from feedback_call_sessions where id = ${res.body.call_session_id}`;
      expect(s!.failure_reason).toBe('deadline_passed');
      expect(await ctx.deps.queues.dial.getJobCounts()).toMatchObject({ delayed: 0, waiting: 0, prioritized: 0 });
    } finally {
      await ctx.close();
    }
  });
});
