import type { SessionStatus } from '@samtal/types';
import type { Sql } from '../db/client';

/** SQL of call sessions and attempts. Every function takes the pool or a transaction. */

export type SessionRow = {
  id: string;
  customer_verification_id: string;
  store_id: string;
  phone_number: string | null;
  phone_hash: string | null;
  session_status: SessionStatus;
  priority: string;
  retry_count: number;
  max_attempts: number;
  next_attempt_at: Date | null;
  call_deadline_at: Date | null;
  call_initiated_at: Date | null;
  call_connected_at: Date | null;
  call_ended_at: Date | null;
  duration_seconds: number | null;
  failure_reason: string | null;
  created_at: Date;
  expires_at: Date;
};

export type AttemptRow = {
  id: string;
  call_session_id: string;
  attempt_no: number;
  elks_call_id: string | null;
  outcome: string | null;
  elks_state: string | null;
  cost: string | null;
  started_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  failure_reason: string | null;
  hangup_received_at: Date | null;
};

export type VerificationRow = {
  id: string;
  store_id: string;
  phone_number: string | null;
  transaction_amount: string;
  transaction_time: Date;
  verification_status: string;
  verified_at: Date | null;
  created_at: Date;
};

type Q = Sql;

export async function findSession(sql: Q, id: string): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`select * from feedback_call_sessions where id = ${id}`;
  return row ?? null;
}

export async function findSessionByVerification(sql: Q, verificationId: string): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`select * from feedback_call_sessions where customer_verification_id = ${verificationId}`;
  return row ?? null;
}

export async function findVerification(sql: Q, id: string): Promise<VerificationRow | null> {
  const [row] = await sql<VerificationRow[]>`select * from customer_verifications where id = ${id}`;
  return row ?? null;
}

export async function storeExists(sql: Q, id: string): Promise<boolean> {
  const [row] = await sql<{ ok: number }[]>`select 1 as ok from stores where id = ${id}`;
  return row !== undefined;
}

/** Inserts the verification from a database-webhook payload unless it is already there. */
export async function upsertVerification(
  sql: Q,
  v: { id: string; store_id: string; phone_number: string; transaction_amount: number; transaction_time: string;
    verification_status: string; verified_at: string | null; expires_at: Date },
): Promise<void> {
  await sql`
    insert into customer_verifications
      (id, store_id, phone_number, transaction_amount, transaction_time, verification_status, verified_at, expires_at)
    values (${v.id}, ${v.store_id}, ${v.phone_number}, ${v.transaction_amount}, ${v.transaction_time},
            ${v.verification_status}, ${v.verified_at}, ${v.expires_at})
    on conflict (id) do nothing`;
}

/** Creates the session unless one exists for the verification; returns [row, created]. */
export async function insertSession(
  sql: Q,
  s: {
    verificationId: string;
    storeId: string;
    phone: string;
    phoneHash: string;
    priority: string;
    status: SessionStatus;
    nextAttemptAt: Date | null;
    deadline: Date;
    failureReason: string | null;
    expiresAt: Date;
  },
): Promise<[SessionRow, boolean]> {
  const [created] = await sql<SessionRow[]>`
    insert into feedback_call_sessions
      (customer_verification_id, store_id, phone_number, phone_hash, priority, session_status, next_attempt_at,
       call_deadline_at, failure_reason, expires_at)
    values (${s.verificationId}, ${s.storeId}, ${s.phone}, ${s.phoneHash}, ${s.priority}, ${s.status},
            ${s.nextAttemptAt}, ${s.deadline}, ${s.failureReason}, ${s.expiresAt})
    on conflict (customer_verification_id) do nothing
    returning *`;
  if (created) return [created, true];
  const existing = await findSessionByVerification(sql, s.verificationId);
  if (!existing) throw new Error(`session for verification ${s.verificationId} vanished`);
  return [existing, false];
}

export async function listAttempts(sql: Q, sessionId: string): Promise<AttemptRow[]> {
  return sql<AttemptRow[]>`select * from call_attempts where call_session_id = ${sessionId} order by attempt_no`;
}

export async function isSuppressed(sql: Q, phoneHash: string): Promise<boolean> {
  const [row] = await sql<{ ok: number }[]>`select 1 as ok from suppressed_phones where phone_hash = ${phoneHash}`;
  return row !== undefined;
}

export async function suppress(sql: Q, phoneHash: string, reason: string): Promise<void> {
  await sql`insert into suppressed_phones (phone_hash, reason) values (${phoneHash}, ${reason}) on conflict do nothing`;
}

/** Moves a session to a final state (or back to pending); guarded by the status it must have. */
export async function updateSessionStatus(
  sql: Q,
  id: string,
  from: SessionStatus[],
  to: { status: SessionStatus; failureReason?: string | null; nextAttemptAt?: Date | null; endedAt?: Date | null },
): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`
    update feedback_call_sessions set
      session_status = ${to.status},
      failure_reason = ${to.failureReason ?? null},
      next_attempt_at = ${to.nextAttemptAt ?? null},
      call_ended_at = coalesce(${to.endedAt ?? null}, call_ended_at),
      updated_at = now()
    where id = ${id} and session_status in ${sql(from)}
    returning *`;
  return row ?? null;
}
