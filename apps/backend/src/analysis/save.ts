import type { Sql } from '../db/client';
import type { AssessmentRow, SessionFacts } from './analysis.repo';
import type { Assessed } from './assess';
import { minhashToBytes } from './fraud/minhash';
import type { Signature } from './fraud/pattern';
import { GradingError } from './grading';

/**
 * Writes a grade whole or not at all, in ONE statement (so one round trip and one commit): the
 * assessment, one fraud_detection_results row per check, the reward with its ledger (graded, then
 * approved at once — qualifying implies not fraudulent), the answers' signature for later
 * near-duplicate checks, and the run's `completed`. The first writer wins on the unique session
 * keys: a second run of the same job (or a concurrent POST /quality) writes no grade and gets null
 * back (its run is still marked completed). Returns the stored row as findAssessment reads it.
 *
 * The transcript rows are share-locked first: an erasure (DELETE …?erase=true) that removed them
 * while the model was grading makes the save write nothing and fail instead of writing quotes
 * back, and one that starts now waits for this commit and then scrubs the new rows too.
 *
 * Data-modifying CTEs all run, each once, whether or not the final select reads them; every write
 * hangs off `ok` (transcript still there) or off the assessment's own insert. Parameters in a
 * SELECT list carry no column type, hence the casts.
 */
export async function saveAssessment(
  sql: Sql,
  facts: SessionFacts,
  a: Assessed,
  durationMs: number,
  signature: Signature | null,
): Promise<AssessmentRow | null> {
  const { grade, scores, verdict, reward } = a;
  const tokens = a.metadata.tokens as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  const metadata: Record<string, unknown> = { ...a.metadata, duration_ms: durationMs, reward_amount_sek: a.amountSek };
  const purchase = facts.input.purchase.amountSek;
  const rewarded = reward.qualifies && purchase !== null && a.amountSek !== null;
  const checks = a.checks.map((c) => ({
    check_type: c.check_type,
    is_suspicious: c.is_suspicious,
    confidence_level: c.confidence_level,
    risk_score: c.risk_score,
    fraud_indicators: c.fraud_indicators,
    decision_reasoning: c.decision_reasoning,
  }));
  const minhash = signature?.minhash ? minhashToBytes(signature.minhash) : null;
  const [row] = await sql<(AssessmentRow & { held: boolean; id: string | null })[]>`
    with held as (
      select id from conversation_transcripts where call_session_id = ${facts.id} for share
    ), ok as (
      select (select count(*) from held) > 0 as held
    ), qa as (
      insert into quality_assessments
        (call_session_id, legitimacy_score, depth_score, usefulness_score, overall_quality_score, reward_percentage,
         qualifies_for_reward, rejection_reason, is_fraudulent, fraud_score, fraud_reasons, analysis_summary, sentiment,
         themes, department_mentions, business_actionable_items, analysis_metadata, prompt_version, model,
         prompt_tokens, completion_tokens, total_tokens, analysis_duration_ms, expires_at)
      select
         ${facts.id}::uuid, ${scores.legitimacy_score}::numeric, ${scores.depth_score}::numeric, ${scores.usefulness_score}::numeric,
         ${scores.overall_quality_score}::numeric, ${reward.percentage}::numeric, ${reward.qualifies}::boolean, ${reward.rejection_reason}::text,
         ${verdict.is_fraudulent}::boolean, ${verdict.fraud_score}::numeric, ${sql.json(verdict.fraud_reasons as never)}::jsonb,
         ${grade.summary}::text, ${grade.sentiment}::text, ${sql.json(grade.themes)}::jsonb, ${sql.json(grade.department_mentions)}::jsonb,
         ${sql.json(grade.actionable_items)}::jsonb, ${sql.json(metadata as never)}::jsonb, ${metadata.prompt_version as string}::text,
         ${metadata.model as string}::text, ${tokens.prompt_tokens}::int, ${tokens.completion_tokens}::int, ${tokens.total_tokens}::int,
         ${durationMs}::int, ${facts.expiresAt}::timestamptz
      from ok where ok.held
      on conflict (call_session_id) do nothing
      returning *
    ), fraud as (
      insert into fraud_detection_results
        (call_session_id, check_type, is_suspicious, confidence_level, risk_score, fraud_indicators, decision_reasoning, expires_at)
      select qa.call_session_id, c.check_type, c.is_suspicious, c.confidence_level, c.risk_score, c.fraud_indicators, c.decision_reasoning, qa.expires_at
      from qa cross join jsonb_to_recordset(${sql.json(checks as never)}::jsonb)
        as c(check_type text, is_suspicious boolean, confidence_level numeric, risk_score numeric, fraud_indicators jsonb, decision_reasoning text)
      on conflict (call_session_id, check_type) do nothing
    ), rw as (
      insert into rewards (call_session_id, store_id, quality_assessment_id, purchase_amount_sek, amount_sek, reward_percentage, state, approved_at)
      select qa.call_session_id, ${facts.storeId}::uuid, qa.id, ${purchase}::numeric, ${a.amountSek}::numeric, ${reward.percentage}::numeric, 'approved', now()
      from qa where ${rewarded}::boolean
      on conflict (call_session_id) do nothing
      returning id, amount_sek
    ), ledger as (
      -- as ledger.ts recordReward + transitionReward; the second event a microsecond later, so the
      -- two keep their order (created_at, then a random id) even within one clock tick
      insert into reward_ledger_events (reward_id, from_state, to_state, reason, created_at)
      select rw.id, e.from_state, e.to_state, e.reason, clock_timestamp() + e.n * interval '1 microsecond'
      from rw cross join (values
        (0, null::text, 'graded', ${`${reward.percentage.toFixed(2)} % of ${(purchase ?? 0).toFixed(2)} SEK`}::text),
        (1, 'graded', 'approved', 'automatic: qualifies and not fraudulent')) as e(n, from_state, to_state, reason)
    ), sig as (
      insert into transcript_signatures (call_session_id, words, minhash, expires_at)
      select ${facts.id}::uuid, ${signature?.words ?? 0}::int, ${minhash}::bytea, ${facts.expiresAt}::timestamptz
      from ok where ok.held and ${signature !== null}::boolean
      on conflict (call_session_id) do nothing
    ), run as (
      insert into analysis_runs (call_session_id, status, attempts, started_at, finished_at)
      select ${facts.id}::uuid, 'completed', 1, now(), now() from ok where ok.held
      on conflict (call_session_id) do update set status = 'completed', failure_kind = null, last_error = null,
        finished_at = now(), updated_at = now()
      where analysis_runs.status <> 'completed'
    )
    select ok.held, qa.*,
           coalesce(rw.amount_sek, (select r.amount_sek from rewards r where r.call_session_id = ${facts.id})) as reward_amount_sek
    from ok left join qa on true left join rw on true`;
  if (!row?.held) throw new GradingError('missing_data', 'the transcript was erased while the call was being graded', false);
  if (row.id === null) return null;
  const { held: _held, ...assessment } = row;
  return assessment;
}
