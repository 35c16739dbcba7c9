import type { Sql } from '../../../src/db/client';
import { GROCERY, verificationEvent } from '../../helpers/stack';

/** Small shared pieces of the failure drills: waiting on a condition, counting what a call left. */

type Falsy = null | undefined | false;

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 60_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export type Footprint = {
  sessions: number;
  attempts: number;
  messages: number;
  grades: number;
  checks: number;
  rewards: number;
  ledger: number;
};

/** Everything one verification left in Postgres, as counts (exactly-once checks compare these). */
export async function footprint(sql: Sql, sessionId: string): Promise<Footprint> {
  const [row] = await sql<Footprint[]>`
    select
      (select count(*) from feedback_call_sessions where customer_verification_id =
         (select customer_verification_id from feedback_call_sessions where id = ${sessionId}))::int as sessions,
      (select count(*) from call_attempts where call_session_id = ${sessionId})::int as attempts,
      (select count(*) from conversation_transcripts where call_session_id = ${sessionId})::int as messages,
      (select count(*) from quality_assessments where call_session_id = ${sessionId})::int as grades,
      (select count(*) from fraud_detection_results where call_session_id = ${sessionId})::int as checks,
      (select count(*) from rewards where call_session_id = ${sessionId})::int as rewards,
      (select count(*) from reward_ledger_events e join rewards r on r.id = e.reward_id where r.call_session_id = ${sessionId})::int as ledger`;
  return row!;
}

/** The Supabase database webhook of a new verification, POSTed over real HTTP to `baseUrl`. */
export async function postVerification(
  baseUrl: string,
  secret: string,
  opts: { phone: string; storeId?: string; id?: string },
): Promise<{ status: number; sessionId: string; verificationId: string; record: Record<string, unknown> }> {
  const record = {
    id: opts.id ?? crypto.randomUUID(),
    store_id: opts.storeId ?? GROCERY,
    phone_number: opts.phone,
    transaction_amount: 312.5,
    transaction_time: new Date(Date.now() - 10 * 60_000).toISOString(),
    verification_status: 'verified',
    verified_at: new Date().toISOString(),
  };
  const res = await fetch(`${baseUrl}/webhooks/verification`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(verificationEvent(record)),
  });
  const body = (await res.json()) as { call_session_id: string };
  return { status: res.status, sessionId: body.call_session_id, verificationId: record.id, record };
}

/** Retry delays short enough that every session reaches a final state within a drill. */
export const FAST_RETRIES = 'no_answer=200ms,300ms;busy=200ms,300ms;failed=200ms,300ms;voicemail=200ms,300ms';
