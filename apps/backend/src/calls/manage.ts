import type { CallStatusResponse, EraseCustomerRequest, EraseCustomerResponse, SubmitTranscriptRequest } from '@samtal/types';
import { type CallAttempt, CallQualityMetrics } from '@samtal/types';
import type { z } from 'zod';
import { callKey } from '../conversation/state';
import type { Deps } from '../deps';
import { conflict, notFound } from '../http/errors';
import { enqueue, jobId } from '../jobs/queues';
import { eraseCustomer, eraseSessions } from '../retention/erase';
import { normaliseSwedishPhone } from './phone';
import { ensureDialJob, firstAttemptAt, MAX_ATTEMPTS } from './schedule';
import * as repo from './sessions.repo';

/** Status, transcript, retry and cancel of one call session (the internal API). */

type Ctx = Pick<Deps, 'config' | 'sql' | 'redis' | 'key' | 'queues' | 'clock' | 'log'>;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const num = (v: string | number | null) => (v === null ? null : Number(v));

async function getSession(ctx: Ctx, id: string): Promise<repo.SessionRow> {
  const s = await repo.findSession(ctx.sql, id);
  if (!s) throw notFound('call session', id);
  return s;
}

export async function getCallStatus(ctx: Ctx, id: string): Promise<CallStatusResponse> {
  const s = await getSession(ctx, id);
  const attempts = await repo.listAttempts(ctx.sql, id);
  const [m] = await ctx.sql<Record<string, string | number | null | number[]>[]>`
    select webhook_p50_ms, webhook_p99_ms, webhook_max_ms, answer_to_first_audio_ms, stt_latencies_ms, turns, talk_time_seconds
    from call_quality_metrics where call_session_id = ${id}`;
  return {
    call_session_id: s.id,
    status: s.session_status,
    current_retry: s.retry_count,
    next_attempt_at: iso(s.next_attempt_at),
    call_initiated_at: iso(s.call_initiated_at),
    call_connected_at: iso(s.call_connected_at),
    call_ended_at: iso(s.call_ended_at),
    duration_seconds: s.duration_seconds,
    failure_reason: s.failure_reason,
    attempts: attempts.map(
      (a): z.infer<typeof CallAttempt> => ({
        attempt_no: a.attempt_no,
        outcome: a.outcome as z.infer<typeof CallAttempt>['outcome'],
        started_at: iso(a.started_at),
        ended_at: iso(a.ended_at),
        duration_seconds: a.duration_seconds,
        cost_sek: num(a.cost),
        failure_reason: a.failure_reason,
      }),
    ),
    quality_metrics: m
      ? CallQualityMetrics.parse({
          webhook_p50_ms: num(m.webhook_p50_ms as string | null),
          webhook_p99_ms: num(m.webhook_p99_ms as string | null),
          webhook_max_ms: num(m.webhook_max_ms as string | null),
          answer_to_first_audio_ms: num(m.answer_to_first_audio_ms as string | null),
          stt_latencies_ms: (m.stt_latencies_ms as number[]) ?? [],
          turns: m.turns as number | null,
          talk_time_seconds: num(m.talk_time_seconds as string | null),
        })
      : null,
  };
}

export async function getTranscript(ctx: Ctx, id: string) {
  const s = await getSession(ctx, id);
  const messages = await ctx.sql<
    { speaker: 'ai' | 'customer'; content: string; timestamp_ms: number; message_order: number; confidence_score: string | null; message_type: string | null; language_detected: string | null }[]
  >`select speaker, content, timestamp_ms, message_order, confidence_score, message_type, language_detected
    from conversation_transcripts where call_session_id = ${id} order by message_order`;
  return {
    call_session_id: id,
    total_duration_seconds: s.duration_seconds,
    messages: messages.map((m) => ({
      speaker: m.speaker,
      content: m.content,
      timestamp_ms: m.timestamp_ms,
      message_order: m.message_order,
      ...(m.confidence_score !== null ? { confidence_score: Number(m.confidence_score) } : {}),
      ...(m.message_type ? { message_type: m.message_type } : {}),
      ...(m.language_detected ? { language_detected: m.language_detected } : {}),
    })),
  };
}

/** A transcript of a call held elsewhere (e.g. another transport); 409 if one exists. */
export async function submitTranscript(ctx: Ctx, id: string, body: SubmitTranscriptRequest) {
  const s = await getSession(ctx, id);
  if (s.session_status === 'in_progress') throw conflict('the call is in progress here; its transcript will be stored at hang-up');
  const firstId = await ctx.sql.begin(async (tx) => {
    const [existing] = await tx`select 1 from conversation_transcripts where call_session_id = ${id} limit 1 for update`;
    if (existing) return null;
    const rows = body.messages.map((m) => ({
      call_session_id: id,
      speaker: m.speaker,
      message_order: m.message_order,
      content: m.content,
      timestamp_ms: m.timestamp_ms,
      confidence_score: m.confidence_score ?? null,
      language_detected: m.language_detected ?? null,
      message_type: m.message_type ?? null,
      expires_at: s.expires_at,
    }));
    const inserted = await tx<{ id: string }[]>`insert into conversation_transcripts ${tx(rows)} returning id`;
    await tx`update feedback_call_sessions set session_status = 'completed', failure_reason = null, next_attempt_at = null,
             duration_seconds = ${body.total_duration_seconds}, call_ended_at = coalesce(call_ended_at, now()), updated_at = now()
             where id = ${id}`;
    return inserted[0]!.id;
  }).catch((err: { code?: string }) => {
    if (err.code === '23505') throw conflict('duplicate message_order in the transcript');
    throw err;
  });
  if (!firstId) throw conflict(`call session ${id} already has a transcript`);
  await enqueue(ctx.queues, 'analyze', { sessionId: id }, { jobId: jobId.analyze(id), attempts: 5, backoffMs: 5_000 });
  return {
    transcript_id: firstId,
    analysis_queued: true,
    estimated_analysis_completion: new Date(ctx.clock().getTime() + 60_000).toISOString(),
  };
}

/** PUT …/retry: another attempt for a failed or abandoned session with attempts left. */
export async function retrySession(ctx: Ctx, id: string) {
  const s = await getSession(ctx, id);
  if (!['failed', 'abandoned'].includes(s.session_status) || s.failure_reason === 'suppressed') {
    throw conflict(`a ${s.session_status} session cannot be retried`, { status: s.session_status });
  }
  if (s.phone_number === null) throw conflict('the session’s personal data was erased; there is no number to call');
  if (s.retry_count >= MAX_ATTEMPTS) throw conflict(`all ${MAX_ATTEMPTS} attempts are used`, { retry_count: s.retry_count });
  const now = ctx.clock();
  const next = firstAttemptAt(ctx, now, s.call_deadline_at ?? now);
  if (!next) throw conflict('the 48-hour calling window after the purchase has passed');
  const updated = await repo.updateSessionStatus(ctx.sql, id, [s.session_status], { status: 'pending', nextAttemptAt: next });
  if (!updated) throw conflict('the session changed meanwhile; try again');
  await ensureDialJob(ctx, updated, now);
  return { call_session_id: id, retry_number: updated.retry_count + 1, estimated_call_time: next.toISOString() };
}

const FINAL = ['completed', 'failed', 'abandoned', 'declined', 'cancelled'];

/**
 * DELETE: cancel (a live call hears the goodbye at its next webhook); `erase` removes the personal
 * data too (retention/erase.ts) — a pending or live session is cancelled in the same transaction, and
 * a live call, its state gone, is hung up at its next webhook.
 */
export async function cancelSession(ctx: Ctx, id: string, erase: boolean) {
  const s = await getSession(ctx, id);
  if (erase) {
    await eraseSessions(ctx, [id]);
  } else if (!FINAL.includes(s.session_status)) {
    await repo.updateSessionStatus(ctx.sql, id, ['pending', 'in_progress'], { status: 'cancelled', failureReason: 'cancelled', endedAt: ctx.clock() });
    if (s.session_status === 'in_progress') {
      const key = callKey(ctx, id, s.retry_count);
      await ctx.redis.multi().hset(key, 'cancel', '1').expire(key, 3600).exec();
    }
    await ctx.queues.dial.remove(jobId.dial(id, s.retry_count + 1)).catch(() => 0);
  } else {
    throw conflict(`the session is already ${s.session_status}`, { status: s.session_status });
  }
  const after = await getSession(ctx, id);
  ctx.log.info('call session cancelled', { callId: id, erased: erase });
  return { call_session_id: id, status: after.session_status, erased: erase };
}

/**
 * POST /api/ai/calls/erase: every session of one customer, at every store, by phone number (live
 * calls cancelled). The opt-out list keeps its keyed hash of the number.
 */
export async function eraseCustomerByPhone(ctx: Ctx, body: EraseCustomerRequest): Promise<EraseCustomerResponse> {
  const e164 = normaliseSwedishPhone(body.phone_number);
  const erased = await eraseCustomer(ctx, e164);
  return {
    erased_sessions: erased.sessionIds.length,
    call_session_ids: erased.sessionIds,
    cancelled_calls: erased.cancelledIds.length,
    cleared_verifications: erased.verifications,
    suppressed: erased.suppressed,
  };
}
