import type { FraudCheckResult } from '@samtal/types';
import { checkResult, combineChecks, indicator, noisyOr } from './indicators';

const check = (type: FraudCheckResult['check_type'], ...weights: number[]) =>
  checkResult(type, weights.map((w, i) => indicator(`c${i}`, w, `signal ${i}`, {})), { covered: true, clean: 'ok' });

describe('combining fraud signals', () => {
  it('noisy-OR: independent signals add up but never exceed 1', () => {
    expect(noisyOr([])).toBe(0);
    expect(noisyOr([0.5, 0.5])).toBe(0.75);
    expect(noisyOr([1, 0.2])).toBe(1);
  });

  it('one suspicious check (risk ≥ 0.5) makes the call fraudulent, with every indicator as a reason', () => {
    const v = combineChecks([check('timing', 0.6), check('content', 0.3), check('model', 0.05)]);
    expect(v.is_fraudulent).toBe(true);
    expect(v.fraud_reasons.map((r) => [r.check_type, r.weight])).toEqual([['timing', 0.6], ['content', 0.3], ['model', 0.05]]);
  });

  it('weak signals alone are not fraud; several together (≥ 0.7 combined) are', () => {
    const weak = combineChecks([check('content', 0.3), check('model', 0.05)]);
    expect(weak).toEqual({ is_fraudulent: false, fraud_score: 0.34, fraud_reasons: [] });
    expect(combineChecks([check('content', 0.4), check('context', 0.45), check('pattern', 0.35)]).is_fraudulent).toBe(true);
  });
});
