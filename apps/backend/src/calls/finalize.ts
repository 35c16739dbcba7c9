import type { SessionStatus } from '@samtal/types';
import type { Deps } from '../deps';
import { finalReason } from '../conversation/dialogue';
import { classifyConsent, wordCount } from '../conversation/understanding';
import { type CallSnapshot, conversationSeconds, dropCallState, readCallState } from '../conversation/state';
import { transcriptMessages } from '../conversation/transcript';
import { enqueue, jobId } from '../jobs/queues';
import { recordUnansweredAttempt } from './settle';
import { phoneHash } from './phone';
import * as repo from './sessions.repo';

/**
 * After an answered call hangs up: wait until every recording has arrived and been transcribed,
 * then — exactly once — store the transcript and metrics, settle the session, drop the live state
 * and enqueue the analysis.
 */

type Ctx = Deps;

const SESSION_RESULT: Record<string, { status: SessionStatus; reason: string | null }> = {
  completed: { status: 'completed', reason: null },
  budget: { status: 'completed', reason: null },
  declined: { status: 'declined', reason: 'declined_recording' },
  opt_out: { status: 'declined', reason: 'opt_out' },
  non_swedish: { status: 'abandoned', reason: 'non_swedish' },
  silence: { status: 'abandoned', reason: 'silence' },
  hung_up: { status: 'abandoned', reason: 'customer_hung_up' },
  cancelled: { status: 'cancelled', reason: 'cancelled' },
};

/**
 * Why an answered call ended on our side, if it did — then the customer is not to blame:
 * - 46elks reported a play or a record failed, and failed again when retried (webhooks.routes.ts);
 * - 46elks ended the call as `failed` (as it does when a webhook of ours cannot be reached: "the API
 *   will end the call") and either our voice-start never ran, or every action we gave ran to
 *   completion and the `next` it asked for was never answered. A customer who hangs up ends the call
 *   as `success` (or cuts an action short), so it never looks like this.
 */
export function droppedByUs(snap: CallSnapshot): 'play_failed' | 'record_failed' | 'webhook_unreachable' | null {
  if (snap.end?.reason === 'play_failed' || snap.end?.reason === 'record_failed') return snap.end.reason;
  const h = snap.hangup;
  if (!h?.start || h.state !== 'failed') return null;
  if (snap.answeredAt === null) return 'webhook_unreachable';
  const allRan = h.actionsSucceeded !== undefined && h.actionsSucceeded >= snap.responses.size;
  if (snap.awaiting && !snap.responses.has(snap.awaiting) && allRan) return 'webhook_unreachable';
  return null;
}

/** A question (not just the consent) got an answer with words in it. */
const questionAnswered = (snap: CallSnapshot): boolean =>
  [...snap.transcripts.entries()].some(([n, t]) => n > 0 && wordCount(t.text) > 0);

/** Recordings 46elks made but whose webhook or transcript has not landed yet. */
export function pendingWork(snap: CallSnapshot): number {
  // A record 46elks reported failed (result=failed on its `next`) made no recording to wait for.
  const failedRecords = [...snap.failures].filter((slot) => /^\d+r?$/.test(slot)).length;
  const missingRecordings = Math.max(0, (snap.hangup?.recordActions ?? 0) - failedRecords - snap.recordings.size);
  const untranscribed = [...snap.recordings.keys()].filter((n) => !snap.transcripts.has(n)).length;
  // A realtime bridge still running writes the last utterances and its usage when it ends.
  return missingRecordings + untranscribed + (snap.realtimeRunning ? 1 : 0);
}

/** Finalises if the call has hung up and nothing is pending (or `force`, from the watchdog). */
export async function tryFinalize(ctx: Ctx, sessionId: string, attemptNo: number, force = false): Promise<boolean> {
  const snap = await readCallState(ctx, sessionId, attemptNo);
  if (!snap?.hangup) return false;
  const pending = pendingWork(snap);
  ctx.log.debug('finalise check', {
    callId: sessionId,
    attemptNo,
    pending,
    recordActions: snap.hangup.recordActions,
    recordings: snap.recordings.size,
    transcripts: snap.transcripts.size,
  });
  if (!force && pending > 0) return false;
  const lock = await ctx.redis.set(ctx.key('final', sessionId, String(attemptNo)), '1', 'EX', 300, 'NX');
  if (lock !== 'OK') return false;
  await finalize(ctx, snap);
  return true;
}

/** record, realtime, or realtime then record (the record loop took over). */
const transportOf = (snap: CallSnapshot): string =>
  snap.transport !== 'realtime' ? 'record' : snap.resumedAt != null ? 'realtime+record' : 'realtime';

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Consent is a spoken yes to the recording notice; anything else is not consent. */
function consentGiven(snap: CallSnapshot): boolean | null {
  const first = snap.transcripts.get(0);
  return first ? classifyConsent(first.text) === 'yes' : null;
}

async function finalize(ctx: Ctx, snap: CallSnapshot): Promise<void> {
  const { sessionId, attemptNo } = snap.meta;
  const log = ctx.log.child({ callId: sessionId, attemptNo });
  let reason = finalReason(snap);
  const dropped = reason === 'hung_up' || reason === 'play_failed' || reason === 'record_failed' ? droppedByUs(snap) : null;
  if (dropped && !questionAnswered(snap)) {
    // Our failure before the customer could say anything: the attempt failed and is retried.
    ctx.metrics.droppedByUs.inc({ reason: dropped, next: 'retry' });
    await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'failed', reason: `dropped_by_us: ${dropped}` });
    await dropCallState(ctx, sessionId, attemptNo);
    log.warn('the call ended on our side before any answer: the attempt is retried', { dropped });
    return;
  }
  if (dropped) {
    // Our failure after answers were given: what the customer said stands and is graded.
    ctx.metrics.droppedByUs.inc({ reason: dropped, next: 'kept' });
    await ctx.sql`update call_attempts set failure_reason = ${`dropped_by_us: ${dropped}`}
                  where call_session_id = ${sessionId} and attempt_no = ${attemptNo}`;
    log.warn('the call ended on our side after answers: the conversation is kept', { dropped });
    reason = 'completed';
  }
  if (reason === 'voicemail') {
    await ctx.sql`update call_attempts set failure_reason = 'voicemail_or_silence'
                  where call_session_id = ${sessionId} and attempt_no = ${attemptNo}`;
    await recordUnansweredAttempt(ctx, sessionId, attemptNo, { outcome: 'voicemail', reason: 'voicemail' });
    await dropCallState(ctx, sessionId, attemptNo);
    log.info('voicemail or silence: attempt ends as voicemail');
    return;
  }
  const result = SESSION_RESULT[reason]!;
  // Realtime: the leg's own audio time, plus what the record loop added if it took over.
  const talkSeconds = snap.realtime
    ? snap.realtime.talkMs / 1000 + (snap.resumedAt != null ? conversationSeconds(snap, -1, 0, snap.resumedAt) : 0)
    : conversationSeconds(snap);
  const languages = [...snap.transcripts.values()].map((t) => t.language).filter((l) => l !== 'unknown');
  const language = languages.includes('en') && reason === 'non_swedish' ? 'en' : languages.length > 0 ? 'sv' : null;
  const latencies = Object.values(snap.latencies).sort((a, b) => a - b);
  const stt = [...snap.transcripts.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t.sttMs);
  const answeredAt = snap.answeredAt ? new Date(snap.answeredAt) : null;

  const settled = await ctx.sql.begin(async (tx) => {
    const [session] = await tx<repo.SessionRow[]>`
      update feedback_call_sessions set
        session_status = ${result.status}, failure_reason = ${result.reason},
        call_connected_at = coalesce(call_connected_at, ${answeredAt}), call_ended_at = now(),
        duration_seconds = ${snap.hangup?.durationS ?? Math.round(talkSeconds)},
        consent_given = ${consentGiven(snap)},
        language_detected = ${language}, updated_at = now()
      where id = ${sessionId} and session_status = 'in_progress' and retry_count = ${attemptNo}
      returning *`;
    if (!session) return null;
    await tx`update call_attempts set outcome = 'answered'
             where call_session_id = ${sessionId} and attempt_no = ${attemptNo} and outcome is null`;
    if (result.status === 'completed') {
      const rows = transcriptMessages(snap).map((m) => ({ ...m, call_session_id: sessionId, expires_at: session.expires_at }));
      if (rows.length > 0) await tx`insert into conversation_transcripts ${tx(rows)} on conflict do nothing`;
    }
    await tx`
      insert into call_quality_metrics
        (call_session_id, webhook_latencies_ms, webhook_p50_ms, webhook_p99_ms, webhook_max_ms,
         answer_to_first_audio_ms, stt_latencies_ms, turns, talk_time_seconds, connection_quality, expires_at,
         transport, realtime_usage, realtime_cost_sek)
      values (${sessionId}, ${tx.json(snap.latencies)}, ${percentile(latencies, 50)}, ${percentile(latencies, 99)},
              ${latencies.at(-1) ?? null}, ${snap.latencies['voice-start'] ?? null}, ${tx.json(stt)},
              ${snap.recordings.size}, ${Math.round(talkSeconds * 100) / 100}, ${snap.hangup?.state ?? null},
              ${session.expires_at}, ${transportOf(snap)}, ${snap.realtime ? tx.json(snap.realtime as never) : null},
              ${snap.realtime?.costSek ?? null})
      on conflict (call_session_id) do update set
        webhook_latencies_ms = excluded.webhook_latencies_ms, webhook_p50_ms = excluded.webhook_p50_ms,
        webhook_p99_ms = excluded.webhook_p99_ms, webhook_max_ms = excluded.webhook_max_ms,
        answer_to_first_audio_ms = excluded.answer_to_first_audio_ms, stt_latencies_ms = excluded.stt_latencies_ms,
        turns = excluded.turns, talk_time_seconds = excluded.talk_time_seconds, transport = excluded.transport,
        realtime_usage = excluded.realtime_usage, realtime_cost_sek = excluded.realtime_cost_sek`;
    return session;
  });
  if (!settled) {
    log.info('session no longer in progress; nothing finalised');
    await dropCallState(ctx, sessionId, attemptNo);
    return;
  }
  ctx.metrics.attempts.inc({ outcome: 'answered' });
  ctx.metrics.sessions.inc({ status: result.status });
  if (reason === 'opt_out' && settled.phone_number) {
    await repo.suppress(ctx.sql, settled.phone_hash ?? phoneHash(ctx.config.PHONE_HASH_KEY, settled.phone_number), 'opt_out');
  }
  if (result.status === 'completed') {
    await enqueue(ctx.queues, 'analyze', { sessionId }, { jobId: jobId.analyze(sessionId), attempts: 5, backoffMs: 5_000 });
  }
  await dropCallState(ctx, sessionId, attemptNo);
  log.info('call finalised', { status: result.status, reason: result.reason, talk_seconds: talkSeconds });
}
