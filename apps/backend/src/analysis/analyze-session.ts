import { recordLlmUsage } from '../observability/metrics';
import type { Assessment, FraudCheckResult, FraudDetectionRequest, FraudDetectionResponse, SummarizeResponse } from '@samtal/types';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { AppError, conflict, notFound, upstream } from '../http/errors';
import type { Logger } from '../observability/logger';
import * as repo from './analysis.repo';
import { type AssessConfig, assess } from './assess';
import {
  checkPattern,
  DUPLICATE_WINDOW_DAYS,
  duplicateCandidates,
  findNearDuplicates,
  PATTERN_WINDOW_DAYS,
  type Signature,
  signatureOf,
} from './fraud/pattern';
import { GradingError, gradeTranscript } from './grading';
import { presentFraudRow, presentRow } from './present';
import { isSigned, listAnswers, markRunningAndLoadPatternData } from './pattern.repo';
import { saveAssessment } from './save';
import { feedbackMessages, feedbackText } from './text';

/**
 * Grading one stored call: load → model grade and pattern check (in parallel) → assess → save in
 * one transaction. Used by the analyze job and by the session endpoints ("runs or returns it").
 */

export type Ctx = Pick<Deps, 'config' | 'sql' | 'openai' | 'log'> & Partial<Pick<Deps, 'metrics'>>;
export type AnalyzeOutcome = { outcome: 'graded' | 'already_graded'; row: repo.AssessmentRow };

/** The store's recent calls compared for near-duplicates (newest first). */
const DUPLICATE_CANDIDATES = 200;

export const assessConfig = (c: Config): AssessConfig => ({ threshold: c.REWARD_QUALITY_THRESHOLD, minSeconds: c.MIN_CONVERSATION_SECONDS });

/**
 * Marks the run `running` and checks the pattern against the number's verifications and the
 * store's recent calls: their stored signatures pick the few worth an exact comparison, whose texts
 * are fetched then (calls not graded yet come with their text at once).
 */
async function markRunningAndCheckPattern(ctx: Ctx, facts: repo.SessionFacts, text: string, mine: Signature): Promise<FraudCheckResult> {
  const { phone, recent } = await markRunningAndLoadPatternData(ctx.sql, facts, {
    phoneDays: PATTERN_WINDOW_DAYS,
    days: DUPLICATE_WINDOW_DAYS,
    limit: DUPLICATE_CANDIDATES,
  });
  const candidates = duplicateCandidates(mine, recent.filter(isSigned));
  const texts = new Map((await listAnswers(ctx.sql, candidates)).map((c) => [c.sessionId, c] as const));
  const compared = recent.flatMap((c) => (isSigned(c) ? (texts.get(c.sessionId) ?? []) : mine.minhash ? [c] : []));
  return checkPattern(phone, findNearDuplicates(text, compared), recent.length);
}

/**
 * Grades the session unless it has a grade. On failure the run is marked `retrying` (a transient
 * error with attempts left) or `failed` (final, with the kind and reason) and the error rethrown.
 *
 * Statements: the session's facts (with its transcript and whether it is graded); beside the
 * model's request, the run's `running` mark with the pattern data (then the texts of likely
 * near-duplicates, if any); the save, which returns the row.
 */
export async function analyzeSession(ctx: Ctx, sessionId: string, opts: { final: boolean; log: Logger }): Promise<AnalyzeOutcome> {
  const facts = await repo.loadSessionFacts(ctx.sql, sessionId);
  const existing = facts?.graded ? await repo.findAssessment(ctx.sql, sessionId) : null;
  if (existing) {
    // A grade is in: the run is completed, even if the attempt that committed it never learnt so
    // (its connection died as the COMMIT's answer came back) and recorded a failure.
    await repo.markCompleted(ctx.sql, sessionId);
    return { outcome: 'already_graded', row: existing };
  }
  if (!facts) throw notFound('call session', sessionId);
  const started = performance.now();
  let marked: Promise<FraudCheckResult> | null = null;
  try {
    if (facts.input.messages.length === 0) {
      await repo.markRunning(ctx.sql, sessionId);
      throw new GradingError('missing_data', `the ${facts.status} session has no transcript to grade`, false);
    }
    const text = feedbackText(facts.input.messages);
    const signature = signatureOf(text);
    marked = markRunningAndCheckPattern(ctx, facts, text, signature);
    const [grading, pattern] = await Promise.all([gradeTranscript({ ...ctx, log: opts.log }, facts.input.store, facts.input.messages), marked]);
    const assessed = assess(facts.input, grading, pattern, assessConfig(ctx.config));
    // Only a call with answers has a signature: the same calls the text query finds (pattern.repo.ts).
    const stored = feedbackMessages(facts.input.messages).length > 0 ? signature : null;
    const saved = await saveAssessment(ctx.sql, facts, assessed, Math.round(performance.now() - started), stored);
    if (saved) {
      ctx.metrics?.analysisDuration.observe((performance.now() - started) / 1000);
      if (ctx.metrics) recordLlmUsage(ctx.metrics, grading.model, grading.usage);
    }
    const row = saved ?? (await repo.findAssessment(ctx.sql, sessionId));
    if (!row) throw new GradingError('internal', 'the grade vanished after it was saved', true);
    opts.log.info(saved ? 'call graded' : 'call was graded meanwhile by another run', {
      overall: assessed.scores.overall_quality_score,
      reward_percentage: assessed.reward.percentage,
      rejection_reason: assessed.reward.rejection_reason,
      is_fraudulent: assessed.verdict.is_fraudulent,
      fraud_score: assessed.verdict.fraud_score,
      tokens: grading.usage.total_tokens,
      llm_tries: grading.tries,
      duration_ms: Math.round(performance.now() - started),
    });
    return { outcome: saved ? 'graded' : 'already_graded', row };
  } catch (err) {
    const failure = err instanceof GradingError ? err : new GradingError('internal', (err as Error).message, true, { cause: err });
    const status = opts.final || !failure.retryable ? 'failed' : 'retrying';
    // The `running` mark (with the pattern data) settles first, so it never overwrites the failure.
    await marked?.catch(() => {});
    await repo.markFailed(ctx.sql, sessionId, status, failure.kind, failure.message);
    throw failure;
  }
}

/** A grading failure as an HTTP answer: no transcript → 409; the model's fault → 502 with the kind. */
export function gradingToHttp(err: unknown): unknown {
  if (!(err instanceof GradingError)) return err;
  if (err.kind === 'missing_data') return conflict(err.message, { failure_kind: err.kind });
  if (err.kind === 'internal') return err.cause ?? err;
  const e = upstream('openai', err.message, err);
  return new AppError(e.code, e.message, { ...e.details, failure_kind: err.kind, retryable: err.retryable }, { cause: err });
}

async function ensureGraded(ctx: Ctx, sessionId: string): Promise<repo.AssessmentRow> {
  try {
    const { row } = await analyzeSession(ctx, sessionId, { final: true, log: ctx.log.child({ callId: sessionId }) });
    return row;
  } catch (err) {
    throw gradingToHttp(err);
  }
}

/** POST /quality {call_session_id}: the stored assessment, grading the call first if needed. */
export async function getAssessment(ctx: Ctx, sessionId: string): Promise<Assessment> {
  return presentRow(await ensureGraded(ctx, sessionId));
}

export async function getFraudDetection(ctx: Ctx, req: FraudDetectionRequest): Promise<FraudDetectionResponse> {
  const row = await ensureGraded(ctx, req.call_session_id);
  const checks = (await repo.listFraudResults(ctx.sql, req.call_session_id)).map(presentFraudRow);
  const assessment = presentRow(row);
  return {
    call_session_id: req.call_session_id,
    checks: req.check_types ? checks.filter((c) => req.check_types?.includes(c.check_type)) : checks,
    is_fraudulent: assessment.is_fraudulent,
    fraud_score: assessment.fraud_score,
    fraud_reasons: assessment.fraud_reasons,
  };
}

export async function summarizeSession(ctx: Ctx, sessionId: string): Promise<SummarizeResponse> {
  const a = presentRow(await ensureGraded(ctx, sessionId));
  return {
    call_session_id: sessionId,
    summary: a.analysis_summary,
    themes: a.themes,
    sentiment: a.sentiment,
    department_mentions: a.department_mentions,
    business_actionable_items: a.business_actionable_items,
    text_removed: a.analysis_metadata.text_removed_at !== null,
  };
}
