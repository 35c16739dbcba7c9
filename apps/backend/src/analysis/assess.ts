import type { FraudCheckResult } from '@samtal/types';
import { classifyConsent, detectLanguage, type Language } from '../conversation/understanding';
import { checkContent } from './fraud/content';
import { type StoreFacts, checkContext } from './fraud/context';
import { combineChecks, COMBINED_FRAUD_AT, SUSPICIOUS_AT, type Verdict } from './fraud/indicators';
import { checkModel } from './fraud/model';
import { checkTiming } from './fraud/timing';
import { type Grade, type GradingResult, PROMPT_VERSION } from './grading';
import { decideReward, overallQuality, QUALITY_WEIGHTS, REWARD_FORMULA_VERSION, type RewardDecision, rewardAmountSek } from './reward';
import { customerMessages, feedbackText, type Message, tokensOf } from './text';

/**
 * One call's assessment from its inputs, the model's grade and the pattern check: the
 * deterministic checks, the verdict, the quality and the reward. Pure — the same inputs give the
 * same assessment, which is what makes a stored grade reproducible from its metadata.
 */

export type AnalysisInput = {
  messages: Message[];
  store: StoreFacts & { campaigns: unknown[]; timezone: string };
  /** `feedback_call_sessions.consent_given`: true only for a spoken yes; null for a transcript from elsewhere. */
  consentGiven: boolean | null;
  sessionLanguage: string | null;
  /** Seconds of conversation audio (talk time, else the session's duration); null if unknown. */
  conversationSeconds: number | null;
  conversationSecondsSource: string;
  purchase: { amountSek: number | null; transactionTime: Date | null; verifiedAt: Date | null };
  callConnectedAt: Date | null;
};

export type AssessConfig = { threshold: number; minSeconds: number };

export type Assessed = {
  grade: Grade;
  scores: { legitimacy_score: number; depth_score: number; usefulness_score: number; overall_quality_score: number };
  checks: FraudCheckResult[];
  verdict: Verdict;
  reward: RewardDecision;
  amountSek: number | null;
  metadata: Record<string, unknown>;
};

/** The session's consent, or — for a transcript from elsewhere — the answer marked `consent`, classified. */
export function consentOf(input: Pick<AnalysisInput, 'consentGiven' | 'messages'>): { consent: boolean; source: string } {
  if (input.consentGiven !== null) return { consent: input.consentGiven, source: 'session' };
  const answer = customerMessages(input.messages).find((m) => m.message_type === 'consent');
  if (!answer) return { consent: false, source: 'no_consent_message' };
  return { consent: classifyConsent(answer.content) === 'yes', source: 'consent_message' };
}

/** Swedish by the customer's own words; a tie/no signal falls back to the call's detected language. */
export function languageOf(input: Pick<AnalysisInput, 'sessionLanguage' | 'messages'>): { swedish: boolean; detected: Language } {
  const detected = detectLanguage(customerMessages(input.messages).map((m) => m.content).join(' '));
  return { swedish: detected === 'sv' || (detected === 'unknown' && input.sessionLanguage === 'sv'), detected };
}

export function assess(input: AnalysisInput, grading: GradingResult, pattern: FraudCheckResult | null, cfg: AssessConfig): Assessed {
  const { grade } = grading;
  const checks = [
    checkTiming({
      transactionTime: input.purchase.transactionTime,
      verifiedAt: input.purchase.verifiedAt,
      callConnectedAt: input.callConnectedAt,
      operatingHours: input.store.operatingHours,
      timezone: input.store.timezone,
    }),
    checkContent(input.messages),
    checkContext(input.messages, input.store),
    ...(pattern ? [pattern] : []),
    checkModel(grade, input.messages),
  ];
  const verdict = combineChecks(checks);
  const overall = overallQuality({ legitimacy: grade.legitimacy_score, depth: grade.depth_score, usefulness: grade.usefulness_score });
  const consent = consentOf(input);
  const language = languageOf(input);
  const reward = decideReward({
    consent: consent.consent,
    swedish: language.swedish,
    conversationSeconds: input.conversationSeconds,
    minSeconds: cfg.minSeconds,
    fraudulent: verdict.is_fraudulent,
    quality: overall,
    threshold: cfg.threshold,
  });
  const amountSek = input.purchase.amountSek === null ? null : rewardAmountSek(input.purchase.amountSek, reward.percentage);
  return {
    grade,
    scores: {
      legitimacy_score: grade.legitimacy_score,
      depth_score: grade.depth_score,
      usefulness_score: grade.usefulness_score,
      overall_quality_score: overall,
    },
    checks,
    verdict,
    reward,
    amountSek,
    metadata: {
      model: grading.model,
      prompt_version: PROMPT_VERSION,
      tokens: grading.usage,
      llm_tries: grading.tries,
      llm_duration_ms: grading.durationMs,
      openai_request_id: grading.requestId,
      model_fraud_likelihood: grade.fraud_assessment.fraud_likelihood,
      reward_formula: REWARD_FORMULA_VERSION,
      quality_weights: QUALITY_WEIGHTS,
      reward_quality_threshold: cfg.threshold,
      min_conversation_seconds: cfg.minSeconds,
      fraud_thresholds: { check_suspicious_at: SUSPICIOUS_AT, combined_at: COMBINED_FRAUD_AT },
      fraud_score: verdict.fraud_score,
      consent: consent.consent,
      consent_source: consent.source,
      language: language.detected,
      conversation_seconds: input.conversationSeconds,
      conversation_seconds_source: input.conversationSecondsSource,
      customer_words: tokensOf(feedbackText(input.messages)).length,
      rejection_reasons: reward.rejection_reasons,
      checks_run: checks.map((c) => c.check_type),
    },
  };
}
