import { createTestContext, type TestContext } from '../../test/helpers/context';
import { AppError } from '../http/errors';
import { listLedgerEvents, recordReward, transitionReward } from './ledger';

/** The reward ledger's state machine against the real database. */

describe('reward ledger', () => {
  let ctx: TestContext;
  let storeId: string;
  let n = 0;

  const newReward = async () => {
    const { sql } = ctx.deps;
    const [v] = await sql<{ id: string }[]>`
      insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time)
      values (${storeId}, ${`+4670100${String(n++).padStart(4, '0')}`}, 200, now()) returning id`;
    const [s] = await sql<{ id: string }[]>`
      insert into feedback_call_sessions (customer_verification_id, store_id, session_status) values (${v!.id}, ${storeId}, 'completed') returning id`;
    const [q] = await sql<{ id: string }[]>`insert into quality_assessments (call_session_id) values (${s!.id}) returning id`;
    const input = { sessionId: s!.id, storeId, assessmentId: q!.id, purchaseSek: 200, percentage: 8.5, amountSek: 17 };
    const id = await sql.begin((tx) => recordReward(tx, input));
    return { id: id!, input };
  };

  beforeAll(async () => {
    ctx = await createTestContext();
    const [b] = await ctx.deps.sql<{ id: string }[]>`insert into businesses (name) values ('Ledger AB') returning id`;
    const [s] = await ctx.deps.sql<{ id: string }[]>`insert into stores (business_id, name) values (${b!.id}, 'Ledgerbutiken') returning id`;
    storeId = s!.id;
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('graded → approved → paid → reversed, each move an event with its reason', async () => {
    const { id } = await newReward();
    expect(await transitionReward(ctx.deps.sql, id, 'approved', 'automatic')).toMatchObject({ state: 'approved', amount_sek: '17.00' });
    expect(await transitionReward(ctx.deps.sql, id, 'paid', 'payout batch 1')).toMatchObject({ state: 'paid' });
    expect(await transitionReward(ctx.deps.sql, id, 'reversed', 'chargeback')).toMatchObject({ state: 'reversed' });
    const [row] = await ctx.deps.sql`select approved_at, paid_at, reversed_at, reversal_reason from rewards where id = ${id}`;
    expect(row).toMatchObject({ approved_at: expect.any(Date), paid_at: expect.any(Date), reversed_at: expect.any(Date), reversal_reason: 'chargeback' });
    expect(await listLedgerEvents(ctx.deps.sql, id)).toEqual([
      { from_state: null, to_state: 'graded', reason: '8.50 % of 200.00 SEK' },
      { from_state: 'graded', to_state: 'approved', reason: 'automatic' },
      { from_state: 'approved', to_state: 'paid', reason: 'payout batch 1' },
      { from_state: 'paid', to_state: 'reversed', reason: 'chargeback' },
    ]);
  });

  it('refuses moves the states do not allow (409) and unknown rewards (404), writing no event', async () => {
    const { id } = await newReward();
    await expect(transitionReward(ctx.deps.sql, id, 'paid', 'too early')).rejects.toMatchObject({ code: 'conflict' });
    await transitionReward(ctx.deps.sql, id, 'reversed', 'fraud found later');
    await expect(transitionReward(ctx.deps.sql, id, 'approved', 'again')).rejects.toBeInstanceOf(AppError);
    await expect(transitionReward(ctx.deps.sql, crypto.randomUUID(), 'approved', 'x')).rejects.toMatchObject({ code: 'not_found' });
    expect((await listLedgerEvents(ctx.deps.sql, id)).map((e) => e.to_state)).toEqual(['graded', 'reversed']);
  });

  it('one reward per session: recording it again is a no-op', async () => {
    const { input } = await newReward();
    expect(await ctx.deps.sql.begin((tx) => recordReward(tx, input))).toBeNull();
    const [c] = await ctx.deps.sql`select count(*)::int as n from rewards where call_session_id = ${input.sessionId}`;
    expect(c!.n).toBe(1);
  });
});
