import fc from 'fast-check';
import { decideReward, type Eligibility, overallQuality, rewardAmountSek, rewardPercentage } from './reward';

const hundredths = fc.integer({ min: 0, max: 100 }).map((n) => n / 100);
const threshold = fc.integer({ min: 0, max: 99 }).map((n) => n / 100);
const subScores = fc.record({ legitimacy: hundredths, depth: hundredths, usefulness: hundredths });

const eligible = (over: Partial<Eligibility> = {}): Eligibility => ({
  consent: true,
  swedish: true,
  conversationSeconds: 90,
  minSeconds: 60,
  fraudulent: false,
  quality: 0.8,
  threshold: 0.5,
  ...over,
});

describe('reward percentage (property tests)', () => {
  it('is 0 below the threshold and within [2.00, 15.00] at or above it, with two decimals', () => {
    fc.assert(
      fc.property(hundredths, threshold, (q, t) => {
        const p = rewardPercentage(q, t);
        if (Math.round(q * 100) < Math.round(t * 100)) return p === 0;
        return p >= 2 && p <= 15 && Number.isInteger(Math.round(p * 100)) && Math.abs(p * 100 - Math.round(p * 100)) < 1e-9;
      }),
    );
  });

  it('is monotonic in quality', () => {
    fc.assert(
      fc.property(hundredths, hundredths, threshold, (a, b, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return rewardPercentage(lo, t) <= rewardPercentage(hi, t);
      }),
    );
  });

  it('threshold edge: exactly the threshold earns 2.00, one hundredth less earns 0, a perfect score earns 15.00', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), (th) => {
        const t = th / 100;
        return rewardPercentage(t, t) === 2 && rewardPercentage((th - 1) / 100, t) === 0 && rewardPercentage(1, t) === 15;
      }),
    );
    expect(rewardPercentage(0, 0)).toBe(2);
  });

  it('is 0 with qualifies_for_reward=false and a reason whenever any condition fails', () => {
    const failing = fc.oneof(
      fc.constant<Partial<Eligibility>>({ consent: false }),
      fc.constant<Partial<Eligibility>>({ swedish: false }),
      fc.constant<Partial<Eligibility>>({ fraudulent: true }),
      fc.constant<Partial<Eligibility>>({ conversationSeconds: null }),
      fc.integer({ min: 0, max: 59 }).map((s): Partial<Eligibility> => ({ conversationSeconds: s })),
      fc.integer({ min: 0, max: 49 }).map((q): Partial<Eligibility> => ({ quality: q / 100 })),
    );
    fc.assert(
      fc.property(fc.array(failing, { minLength: 1, maxLength: 4 }), hundredths, (parts, q) => {
        const e = eligible(Object.assign({ quality: q }, ...parts));
        const d = decideReward(e);
        const anyFails = !e.consent || !e.swedish || e.fraudulent || e.conversationSeconds === null || e.conversationSeconds < 60 || e.quality < 0.5;
        if (!anyFails) return d.qualifies;
        return !d.qualifies && d.percentage === 0 && d.rejection_reason !== null && d.rejection_reasons[0] === d.rejection_reason;
      }),
    );
  });

  it('eligible calls get the mapped percentage; reasons are ordered by seriousness', () => {
    expect(decideReward(eligible({ quality: 0.5 }))).toEqual({ qualifies: true, percentage: 2, rejection_reason: null, rejection_reasons: [] });
    expect(decideReward(eligible({ quality: 1 })).percentage).toBe(15);
    expect(decideReward(eligible({ quality: 0.75 })).percentage).toBe(8.5);
    expect(decideReward(eligible({ fraudulent: true, consent: false, quality: 0.1 })).rejection_reasons).toEqual(['fraud_suspected', 'no_consent', 'low_quality']);
    expect(decideReward(eligible({ conversationSeconds: 60 })).qualifies).toBe(true);
    expect(decideReward(eligible({ conversationSeconds: 59.9 })).rejection_reason).toBe('too_short');
  });
});

describe('overall quality', () => {
  it('is in [0, 1], has two decimals and never falls when a sub-score rises', () => {
    fc.assert(
      fc.property(subScores, fc.constantFrom('legitimacy', 'depth', 'usefulness'), hundredths, (s, key, bump) => {
        const q = overallQuality(s);
        const raised = overallQuality({ ...s, [key]: Math.max(s[key as keyof typeof s], bump) });
        return q >= 0 && q <= 1 && Math.abs(q * 100 - Math.round(q * 100)) < 1e-9 && raised >= q;
      }),
    );
  });

  it('uses the documented weights 0.25 / 0.35 / 0.40', () => {
    expect(overallQuality({ legitimacy: 1, depth: 0, usefulness: 0 })).toBe(0.25);
    expect(overallQuality({ legitimacy: 0, depth: 1, usefulness: 0 })).toBe(0.35);
    expect(overallQuality({ legitimacy: 0, depth: 0, usefulness: 1 })).toBe(0.4);
    expect(overallQuality({ legitimacy: 0.9, depth: 0.8, usefulness: 0.7 })).toBe(0.79);
  });
});

describe('reward in SEK', () => {
  it('is purchase × percentage rounded half up to öre, never above 15 % of the purchase (checked in integers)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 200, max: 1500 }), (ore, pctH) => {
        const amountOre = Math.round(rewardAmountSek(ore / 100, pctH / 100) * 100);
        // öre × hundredths of a percent / 10 000 = öre; half up. ore × pctH < 2^53, so this is exact.
        const expectedOre = Math.floor((ore * pctH + 5_000) / 10_000);
        const capOre = Math.floor((ore * 1_500 + 5_000) / 10_000);
        return amountOre === expectedOre && amountOre <= capOre;
      }),
    );
  });

  it('rounds half up to whole öre', () => {
    expect(rewardAmountSek(312.5, 15)).toBe(46.88); // 46.875
    expect(rewardAmountSek(250, 8.5)).toBe(21.25);
    expect(rewardAmountSek(99.99, 2)).toBe(2); // 1.9998
    expect(rewardAmountSek(0, 15)).toBe(0);
    expect(rewardAmountSek(63_551.9, 15)).toBe(9_532.79); // 9532.785: the counterexample a float bound once rejected
  });
});
