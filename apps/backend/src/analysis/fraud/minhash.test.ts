import { ANSWERS } from '../../../test/analysis/helpers';
import { estimateJaccard, MINHASH_SIZE, minhash, minhashFromBytes, minhashToBytes } from './minhash';
import { CANDIDATE_AT, DUPLICATE_AT, duplicateCandidates, findNearDuplicates, jaccard, shingles, signatureOf } from './pattern';

/** The persona answers and edited copies of them: pairs from unrelated to identical. */
const TEXTS = Object.values(ANSWERS).map((answers) => answers.join('\n'));
const edits = (t: string): string[] => [
  t,
  t.replace(/\bi\b/, 'på'),
  t.split(' ').slice(3).join(' '),
  t.split(' ').filter((_, i) => i % 7 !== 3).join(' '),
  `${t} Och sen gick jag hem med kassen och var ganska nöjd med det hela ändå.`,
  t.split('\n').slice(1).join('\n'),
];
const CORPUS = [...TEXTS.flatMap(edits), ...TEXTS.flatMap((a, i) => TEXTS.slice(i + 1).map((b) => `${a}\n${b}`))];

describe('MinHash signatures', () => {
  it('estimate the exact shingle Jaccard within 4.5 standard errors on every pair of the fixtures', () => {
    const sets = CORPUS.map((t) => shingles(t)).filter((s) => s.size > 0);
    const sigs = sets.map((s) => minhash(s)!);
    let pairs = 0;
    let sumErr = 0;
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const exact = jaccard(sets[i]!, sets[j]!);
        const err = Math.abs(estimateJaccard(sigs[i]!, sigs[j]!) - exact);
        expect(err).toBeLessThanOrEqual(4.5 * Math.sqrt(Math.max(exact * (1 - exact), 0.01) / MINHASH_SIZE));
        pairs++;
        sumErr += err;
      }
    }
    expect(pairs).toBeGreaterThan(500);
    expect(sumErr / pairs).toBeLessThan(0.03);
  });

  it('identical sets agree exactly; the empty set has no signature; the hash never changes (signatures are stored)', () => {
    const s = shingles(ANSWERS.negativeGrocery.join(' '));
    expect(estimateJaccard(minhash(s)!, minhash(new Set([...s].reverse()))!)).toBe(1);
    expect(minhash([])).toBeNull();
    // Pinned: a change of the hash functions would make stored and new signatures disagree.
    expect(minhash(['ett två tre'])!.slice(0, 4)).toEqual([-603646248, -808294596, 316506786, -219820299]);
  });

  it('round-trips through the stored bytes (512 bytes, little-endian int32)', () => {
    const sig = minhash(shingles(ANSWERS.otherGrocery.join(' ')))!;
    const bytes = minhashToBytes(sig);
    expect(bytes.length).toBe(MINHASH_SIZE * 4);
    expect([...minhashFromBytes(bytes)]).toEqual(sig);
    const unaligned = Buffer.concat([Buffer.from([7]), bytes]).subarray(1);
    expect([...minhashFromBytes(unaligned)]).toEqual(sig);
  });

  it('picks as candidates every call the exact check flags, so the result is the exact one', () => {
    const all = CORPUS.map((text, i) => ({ sessionId: `c${i}`, text, ...signatureOf(text) }));
    let flagged = 0;
    for (const mine of all.slice(0, 36)) {
      const others = all.filter((o) => o !== mine);
      const exact = findNearDuplicates(mine.text, others);
      const picked = new Set(duplicateCandidates(mine, others));
      for (const d of exact) expect(picked.has(d.sessionId)).toBe(true);
      expect(findNearDuplicates(mine.text, others.filter((o) => picked.has(o.sessionId)))).toEqual(exact);
      flagged += exact.length;
    }
    expect(flagged).toBeGreaterThan(36);
    expect(CANDIDATE_AT).toBeLessThan(DUPLICATE_AT);
  });

  it('answers too short to compare are stored with their word count only', () => {
    expect(signatureOf('Det var bra. Helt okej.')).toEqual({ words: 5, minhash: null });
    expect(duplicateCandidates(signatureOf('Det var bra.'), [{ sessionId: 'x', ...signatureOf('Det var bra.') }])).toEqual([]);
  });
});
