import type { Deps } from '../deps';
import type { ElksCall } from '../telephony/elks-client';

/**
 * Reconciling a create whose answer was lost (a timeout, a reset, a 5xx after the request left):
 * 46elks has no idempotency key, so the call may exist and ring. It is looked up in 46elks' call
 * history — an outgoing call from our number to the customer, created since the request was sent,
 * whose id no attempt has claimed — never re-sent. Until it is settled, the attempt's live state
 * stays in Redis, so if the call is answered the customer gets the conversation, not a rejection,
 * and its webhooks (which carry our session and attempt) settle the attempt the usual way.
 */

/** Our clock and 46elks' may disagree; the history window opens this much before the request. */
export const CREATE_CLOCK_SKEW_MS = 60_000;

export type Lookup = { kind: 'found'; call: ElksCall } | { kind: 'none' } | { kind: 'several'; ids: string[] };

type Ctx = Pick<Deps, 'sql' | 'elks' | 'config'>;

export async function findCreatedCall(ctx: Ctx, sessionId: string, phone: string, sentAt: Date): Promise<Lookup> {
  const calls = await ctx.elks.findCalls({
    to: phone,
    from: ctx.config.ELKS_FROM_NUMBER,
    createdAfter: new Date(sentAt.getTime() - CREATE_CLOCK_SKEW_MS),
  });
  if (calls.length === 0) return { kind: 'none' };
  const ids = calls.map((c) => c.id);
  const claimed = await ctx.sql<{ elks_call_id: string }[]>`
    select elks_call_id from call_attempts where elks_call_id in ${ctx.sql(ids)}`;
  const taken = new Set(claimed.map((r) => r.elks_call_id));
  const open = calls.filter((c) => !taken.has(c.id));
  if (open.length === 0) return { kind: 'none' };
  // Another session is calling the same number right now (two purchases at once): an unclaimed call
  // may be that session's, its id not stored yet. Only the calls' own webhooks can tell them apart.
  const [busy] = await ctx.sql`
    select 1 from feedback_call_sessions
    where phone_number = ${phone} and id <> ${sessionId} and session_status = 'in_progress' limit 1`;
  if (open.length === 1 && !busy) return { kind: 'found', call: open[0]! };
  return { kind: 'several', ids: open.map((c) => c.id) };
}

/** Gives the attempt the call's id (unless another attempt took it meanwhile); true if it is ours now. */
export async function adoptCall(ctx: Pick<Deps, 'sql'>, sessionId: string, attemptNo: number, call: ElksCall): Promise<boolean> {
  try {
    const rows = await ctx.sql`
      update call_attempts set elks_call_id = ${call.id},
        elks_state = case when elks_state = 'unknown' then ${call.state} else elks_state end
      where call_session_id = ${sessionId} and attempt_no = ${attemptNo} and elks_call_id is null
      returning 1`;
    return rows.length > 0;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return false; // the id belongs to another attempt
    throw err;
  }
}
