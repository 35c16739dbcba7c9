import type { Sql } from '../db/client';
import { markCompleted, type SessionFacts } from './analysis.repo';
import type { Assessed } from './assess';
import { GradingError } from './grading';
import { recordReward, transitionReward } from './ledger';

/**
 * Writes a grade whole or not at all: the assessment, one fraud_detection_results row per check,
 * the reward (graded, then approved at once — qualifying implies not fraudulent) and the run's
 * `completed`, in one transaction. The first writer wins on the unique session keys: a second run
 * of the same job (or a concurrent POST /quality) writes nothing and gets null back.
 *
 * The transcript rows are share-locked first: an erasure (DELETE …?erase=true) that removed them
 * while the model was grading makes the save fail instead of writing quotes back, and one that
 * starts now waits for this commit and then scrubs the new rows too.
 */
export async function saveAssessment(sql: Sql, facts: SessionFacts, a: Assessed, durationMs: number): Promise<string | null> {
  const { grade, scores, verdict, reward } = a;
  const tokens = a.metadata.tokens as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  const metadata: Record<string, unknown> = { ...a.metadata, duration_ms: durationMs, reward_amount_sek: a.amountSek };
  return sql.begin(async (tx) => {
    const held = await tx`select 1 from conversation_transcripts where call_session_id = ${facts.id} for share`;
    if (held.length === 0) throw new GradingError('missing_data', 'the transcript was erased while the call was being graded', false);
    const [row] = await tx<{ id: string }[]>`
      insert into quality_assessments
        (call_session_id, legitimacy_score, depth_score, usefulness_score, overall_quality_score, reward_percentage,
         qualifies_for_reward, rejection_reason, is_fraudulent, fraud_score, fraud_reasons, analysis_summary, sentiment,
         themes, department_mentions, business_actionable_items, analysis_metadata, prompt_version, model,
         prompt_tokens, completion_tokens, total_tokens, analysis_duration_ms, expires_at)
      values
        (${facts.id}, ${scores.legitimacy_score}, ${scores.depth_score}, ${scores.usefulness_score}, ${scores.overall_quality_score},
         ${reward.percentage}, ${reward.qualifies}, ${reward.rejection_reason}, ${verdict.is_fraudulent}, ${verdict.fraud_score},
         ${tx.json(verdict.fraud_reasons as never)}, ${grade.summary}, ${grade.sentiment}, ${tx.json(grade.themes)},
         ${tx.json(grade.department_mentions)}, ${tx.json(grade.actionable_items)}, ${tx.json(metadata as never)},
         ${metadata.prompt_version as string}, ${metadata.model as string}, ${tokens.prompt_tokens}, ${tokens.completion_tokens},
         ${tokens.total_tokens}, ${durationMs}, ${facts.expiresAt})
      on conflict (call_session_id) do nothing
      returning id`;
    if (!row) return null;
    // Pipelined: the five inserts leave in one write and come back together (one round trip).
    await Promise.all(
      a.checks.map(
        (c) => tx`
        insert into fraud_detection_results
          (call_session_id, check_type, is_suspicious, confidence_level, risk_score, fraud_indicators, decision_reasoning, expires_at)
        values (${facts.id}, ${c.check_type}, ${c.is_suspicious}, ${c.confidence_level}, ${c.risk_score},
                ${tx.json(c.fraud_indicators as never)}, ${c.decision_reasoning}, ${facts.expiresAt})
        on conflict (call_session_id, check_type) do nothing`,
      ),
    );
    const purchase = facts.input.purchase.amountSek;
    if (reward.qualifies && purchase !== null && a.amountSek !== null) {
      const rewardId = await recordReward(tx, {
        sessionId: facts.id,
        storeId: facts.storeId,
        assessmentId: row.id,
        purchaseSek: purchase,
        percentage: reward.percentage,
        amountSek: a.amountSek,
      });
      if (rewardId) await transitionReward(tx, rewardId, 'approved', 'automatic: qualifies and not fraudulent');
    }
    await markCompleted(tx, facts.id);
    return row.id;
  });
}
