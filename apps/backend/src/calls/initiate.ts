import type { InitiateCallRequest, InitiateCallResponse, VerificationRecord } from '@samtal/types';
import type { Deps } from '../deps';
import { conflict, invalid, notFound } from '../http/errors';
import { normaliseSwedishPhone, phoneHash } from './phone';
import { CALL_DEADLINE_MS, ensureDialJob, firstAttemptAt } from './schedule';
import * as repo from './sessions.repo';

/**
 * One feedback call session per verification, whichever entry point asks and however often:
 * the unique key on customer_verification_id decides, and a repeat gets the same session back.
 */

type Ctx = Pick<Deps, 'config' | 'sql' | 'queues' | 'clock' | 'log'>;
export type InitiateResult = { body: InitiateCallResponse; created: boolean };

const days = (n: number) => n * 86_400_000;

const toResponse = (s: repo.SessionRow): InitiateCallResponse => ({
  call_session_id: s.id,
  status: s.session_status,
  estimated_call_time: s.next_attempt_at?.toISOString() ?? null,
  retry_count: s.retry_count,
});

async function createSession(
  ctx: Ctx,
  input: { verificationId: string; storeId: string; phone: string; priority: string; verifiedAt: Date },
): Promise<InitiateResult> {
  const now = ctx.clock();
  const hash = phoneHash(ctx.config.PHONE_HASH_KEY, input.phone);
  const deadline = new Date(input.verifiedAt.getTime() + CALL_DEADLINE_MS);
  const suppressed = await repo.isSuppressed(ctx.sql, hash);
  const next = suppressed ? null : firstAttemptAt(ctx, now, deadline);
  const [session, created] = await repo.insertSession(ctx.sql, {
    verificationId: input.verificationId,
    storeId: input.storeId,
    phone: input.phone,
    phoneHash: hash,
    priority: input.priority,
    status: suppressed ? 'declined' : next ? 'pending' : 'failed',
    nextAttemptAt: next,
    deadline,
    failureReason: suppressed ? 'suppressed' : next ? null : 'deadline_passed',
    expiresAt: new Date(now.getTime() + days(ctx.config.RETENTION_DAYS)),
  });
  // Also on a repeat: closes the gap if an earlier request died between insert and enqueue.
  await ensureDialJob(ctx, session, now);
  if (created) ctx.log.info('call session created', { callId: session.id, status: session.session_status });
  return { body: toResponse(session), created };
}

/** POST /api/ai/calls/initiate: the verification must exist; its store must match. */
export async function initiateCall(ctx: Ctx, req: InitiateCallRequest): Promise<InitiateResult> {
  const verification = await repo.findVerification(ctx.sql, req.customer_verification_id);
  if (!verification) throw notFound('customer verification', req.customer_verification_id);
  if (verification.phone_number === null) throw conflict('this verification’s personal data was erased or has expired; it is not called');
  if (verification.store_id !== req.store_id) {
    throw invalid('invalid request: store_id', {
      fields: [{ field: 'store_id', message: 'does not match the verification’s store', code: 'store_mismatch' }],
    });
  }
  const phone = normaliseSwedishPhone(req.phone_number);
  return createSession(ctx, {
    verificationId: verification.id,
    storeId: verification.store_id,
    phone,
    priority: req.priority ?? 'normal',
    verifiedAt: verification.verified_at ?? verification.created_at,
  });
}

/** POST /webhooks/verification: the Supabase database webhook of an inserted verification. */
export async function handleVerificationEvent(ctx: Ctx, record: VerificationRecord): Promise<InitiateResult> {
  if (record.verification_status !== 'verified') {
    throw invalid('invalid request: record.verification_status', {
      fields: [{ field: 'record.verification_status', message: 'only verified purchases are called', code: 'not_verified' }],
    });
  }
  const phone = normaliseSwedishPhone(record.phone_number, 'record.phone_number');
  if (!(await repo.storeExists(ctx.sql, record.store_id))) throw notFound('store', record.store_id);
  const now = ctx.clock();
  await repo.upsertVerification(ctx.sql, {
    ...record,
    phone_number: phone,
    verified_at: record.verified_at ?? null,
    expires_at: new Date(now.getTime() + days(ctx.config.RETENTION_DAYS)),
  });
  const verification = await repo.findVerification(ctx.sql, record.id);
  if (!verification) throw notFound('customer verification', record.id);
  // A replayed event for a verification whose data was purged or erased must not bring the number back.
  if (verification.phone_number === null) throw conflict('this verification’s personal data was erased or has expired; it is not called');
  return createSession(ctx, {
    verificationId: verification.id,
    storeId: verification.store_id,
    phone,
    priority: 'normal',
    verifiedAt: verification.verified_at ?? verification.created_at,
  });
}
