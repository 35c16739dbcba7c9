import type { RewardState } from '@samtal/types';
import { conflict, notFound } from '../http/errors';
import type { Q } from './analysis.repo';

/**
 * The reward ledger: one `rewards` row per rewarded call (unique on the session), moving
 * graded → approved → paid, or to reversed from any of those; every move is an append-only
 * `reward_ledger_events` row. Only qualifying calls get a row: a 0 % grade owes nothing.
 */

const ALLOWED_FROM: Record<RewardState, RewardState[]> = {
  graded: [],
  approved: ['graded'],
  paid: ['approved'],
  reversed: ['graded', 'approved', 'paid'],
};

export type RewardRow = {
  id: string;
  call_session_id: string | null;
  state: RewardState;
  amount_sek: string;
  reward_percentage: string;
};

/**
 * Records a qualifying call's reward as graded; returns its id, or null when the session already
 * has one (a second run of the same job). Call inside the grade's transaction.
 */
export async function recordReward(
  tx: Q,
  r: { sessionId: string; storeId: string; assessmentId: string; purchaseSek: number; percentage: number; amountSek: number },
): Promise<string | null> {
  const [row] = await tx<{ id: string }[]>`
    insert into rewards (call_session_id, store_id, quality_assessment_id, purchase_amount_sek, amount_sek, reward_percentage, state)
    values (${r.sessionId}, ${r.storeId}, ${r.assessmentId}, ${r.purchaseSek}, ${r.amountSek}, ${r.percentage}, 'graded')
    on conflict (call_session_id) do nothing
    returning id`;
  if (!row) return null;
  await tx`insert into reward_ledger_events (reward_id, from_state, to_state, reason, created_at)
           values (${row.id}, null, 'graded', ${`${r.percentage.toFixed(2)} % of ${r.purchaseSek.toFixed(2)} SEK`}, clock_timestamp())`;
  return row.id;
}

/** Moves a reward to `to` if its current state allows it; 409 otherwise, 404 if unknown. */
export async function transitionReward(sql: Q, rewardId: string, to: RewardState, reason: string): Promise<RewardRow> {
  const from = ALLOWED_FROM[to];
  const [row] = await sql<(RewardRow & { from_state: RewardState })[]>`
    with prev as (select id, state from rewards where id = ${rewardId} for update)
    update rewards r set
      state = ${to},
      approved_at = case when ${to} = 'approved' then now() else r.approved_at end,
      paid_at = case when ${to} = 'paid' then now() else r.paid_at end,
      reversed_at = case when ${to} = 'reversed' then now() else r.reversed_at end,
      reversal_reason = case when ${to} = 'reversed' then ${reason} else r.reversal_reason end,
      updated_at = now()
    from prev
    where r.id = prev.id and prev.state = any(${sql.array(from)}::text[])
    returning r.id, r.call_session_id, r.state, r.amount_sek, r.reward_percentage, prev.state as from_state`;
  if (!row) {
    const [current] = await sql<{ state: RewardState }[]>`select state from rewards where id = ${rewardId}`;
    if (!current) throw notFound('reward', rewardId);
    throw conflict(`a ${current.state} reward cannot become ${to}`, { state: current.state, to });
  }
  // clock_timestamp(): events of one transaction keep their order (now() is the same for all).
  await sql`insert into reward_ledger_events (reward_id, from_state, to_state, reason, created_at)
            values (${rewardId}, ${row.from_state}, ${to}, ${reason}, clock_timestamp())`;
  const { from_state: _from, ...reward } = row;
  return reward;
}

export async function listLedgerEvents(sql: Q, rewardId: string) {
  return sql<{ from_state: RewardState | null; to_state: RewardState; reason: string | null }[]>`
    select from_state, to_state, reason from reward_ledger_events where reward_id = ${rewardId} order by created_at, id`;
}
