import type { FraudCheckResult } from '@samtal/types';
import type { Grade } from '../grading';
import { containsQuote, feedbackText, type Message } from '../text';
import { checkResult, indicator } from './indicators';

/**
 * `model`: the grading model's own fraud verdict as one check. Its risk is the model's
 * fraud_likelihood; each indicator carries the model's reason and quote, and whether that quote
 * really is in the customer's words (`quote_found`) — a model can misquote, the evidence shows it.
 */
export function checkModel(grade: Grade, messages: readonly Message[]): FraudCheckResult {
  const text = feedbackText(messages);
  const { fraud_likelihood: likelihood, fraud_indicators: given, reasoning } = grade.fraud_assessment;
  const found = given.map((i) =>
    indicator('model_indicator', likelihood, i.reason || 'modellens bedömning', { quote: i.quote, quote_found: containsQuote(text, i.quote) }),
  );
  const result = checkResult('model', found, {
    covered: true,
    risk: likelihood,
    clean: `Modellens bedömning (sannolikhet för fusk ${likelihood.toFixed(2)}): ${reasoning}`,
  });
  return found.length > 0 ? { ...result, decision_reasoning: `${result.decision_reasoning} ${reasoning}`.trim() } : result;
}
