import type { CleanupRequest, CleanupResponse } from '@samtal/types';
import type { Deps } from '../deps';

/**
 * DELETE /api/ai/analysis/cleanup-low-grade: the text of feedback graded below the usefulness
 * threshold, once its grade is older than the grace period, is removed — the transcript messages,
 * the summary, themes and actionable items, and the quotes in its fraud evidence. The numeric
 * grade, reward and department labels stay; `text_removed_at` marks the row, so a second run finds
 * nothing left to do (idempotent).
 *
 * Calls judged fraudulent are kept whole: their transcript is the evidence for a withheld reward,
 * and the retention purge removes it with everything else after RETENTION_DAYS.
 */

type Ctx = Pick<Deps, 'config' | 'sql' | 'log' | 'clock'>;

export async function cleanupLowGrade(ctx: Ctx, req: CleanupRequest): Promise<CleanupResponse> {
  const started = performance.now();
  const threshold = req.quality_threshold ?? ctx.config.USEFULNESS_CLEANUP_THRESHOLD;
  const graceDays = req.grace_days ?? ctx.config.CLEANUP_GRACE_DAYS;
  const cutoff = new Date(ctx.clock().getTime() - graceDays * 86_400_000);
  const dryRun = req.dry_run ?? false;
  const { sql } = ctx;
  const targets = sql`
    select call_session_id from quality_assessments
    where text_removed_at is null and not is_fraudulent and usefulness_score < ${threshold} and created_at <= ${cutoff}`;

  let deleted: number;
  let messages: number;
  if (dryRun) {
    const [r] = await sql<{ deleted: number; messages: number }[]>`
      select (select count(*) from (${targets}) t)::int as deleted,
             (select count(*) from conversation_transcripts where call_session_id in (${targets}))::int as messages`;
    deleted = r?.deleted ?? 0;
    messages = r?.messages ?? 0;
  } else {
    const [r] = await sql<{ deleted: number; messages: number }[]>`
      with picked as (${targets} for update skip locked),
      gone as (delete from conversation_transcripts where call_session_id in (select call_session_id from picked) returning 1),
      evidence as (
        update fraud_detection_results f set fraud_indicators = coalesce(
          (select jsonb_agg((i #- '{evidence,quote}') #- '{evidence,shared_passage}') from jsonb_array_elements(f.fraud_indicators) i),
          '[]'::jsonb)
        where f.call_session_id in (select call_session_id from picked) returning 1),
      marked as (
        update quality_assessments set analysis_summary = null, themes = '[]'::jsonb, business_actionable_items = '[]'::jsonb,
          text_removed_at = now(), updated_at = now()
        where call_session_id in (select call_session_id from picked) returning 1)
      select (select count(*) from marked)::int as deleted, (select count(*) from gone)::int as messages,
             (select count(*) from evidence)::int as evidence_rows`;
    deleted = r?.deleted ?? 0;
    messages = r?.messages ?? 0;
  }
  const [kept] = await sql<{ n: number }[]>`select count(*)::int as n from quality_assessments where text_removed_at is null`;
  const preserved = (kept?.n ?? 0) - (dryRun ? deleted : 0);
  const result: CleanupResponse = {
    deleted_count: deleted,
    preserved_count: preserved,
    messages_deleted: messages,
    execution_time_ms: Math.round((performance.now() - started) * 100) / 100,
    dry_run: dryRun,
    quality_threshold: threshold,
    grace_days: graceDays,
  };
  ctx.log.info('low-grade feedback text cleaned up', { ...result });
  return result;
}
