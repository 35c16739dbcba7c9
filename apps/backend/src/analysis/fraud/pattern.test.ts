import { checkPattern, findNearDuplicates, jaccard, SHINGLE_CACHE_SIZE, shingles } from './pattern';

const A = 'Mjölken i mejeridisken hade gått ut två dagar innan, och det var bara en kassa öppen så jag stod i kö i tjugo minuter. Dessutom var kanelbullarna i bageriet torra.';
const B = 'Frukt och grönt var ganska tråkigt idag. Bananerna var bruna, flera avokados var mjuka och i påsen med äpplen låg ett som var ruttet. Prisskylt saknades på paprikan.';

describe('pattern check', () => {
  it('shingles and Jaccard', () => {
    expect([...shingles('ett två tre fyra')]).toEqual(['ett två tre', 'två tre fyra']);
    expect(jaccard(shingles(A), shingles(A))).toBe(1);
    expect(jaccard(shingles(A), shingles(B))).toBe(0);
  });

  it('finds a near-duplicate of another call (a word or two changed) and quotes the shared passage', () => {
    const copy = A.replace('tjugo', 'trettio').replace('torra', 'gamla');
    const dups = findNearDuplicates(copy, [{ sessionId: 'other', text: A }, { sessionId: 'b', text: B }]);
    expect(dups).toHaveLength(1);
    expect(dups[0]!.sessionId).toBe('other');
    expect(dups[0]!.similarity).toBeGreaterThan(0.5);
    expect(dups[0]!.sharedPassage).toMatch(/mjölken i mejeridisken hade gått ut/);
    const r = checkPattern(null, dups, 2);
    expect(r.is_suspicious).toBe(true);
    expect(r.fraud_indicators[0]).toMatchObject({ code: 'near_duplicate_transcript', evidence: { other_call_session_id: 'other' } });
  });

  it('short answers are never compared: "Det var bra." is everyone’s answer', () => {
    expect(findNearDuplicates('Det var bra. Helt okej.', [{ sessionId: 'x', text: 'Det var bra. Helt okej.' }])).toEqual([]);
  });

  it('the same number across many verifications and stores, evidence without the number', () => {
    expect(checkPattern({ verifications: 2, stores: 1, windowDays: 7 }, [], 3)).toMatchObject({ is_suspicious: false, confidence_level: 1 });
    const many = checkPattern({ verifications: 6, stores: 3, windowDays: 7 }, [], 0);
    expect(many.fraud_indicators.map((i) => [i.code, i.weight])).toEqual([['phone_many_verifications', 0.5], ['phone_many_stores', 0.5]]);
    expect(many.risk_score).toBe(0.75);
    expect(JSON.stringify(many)).not.toMatch(/\+46/);
  });

  it('gives the same answer from the shingle cache, and after it has been overrun', () => {
    const copy = A.replace('tjugo', 'trettio');
    const others = [{ sessionId: 'other', text: A }, { sessionId: 'b', text: B }];
    const first = findNearDuplicates(copy, others);
    expect(findNearDuplicates(copy, others)).toEqual(first); // the others' shingles now come from the cache
    const filler = Array.from({ length: SHINGLE_CACHE_SIZE + 10 }, (_, i) => ({ sessionId: `f${i}`, text: `${B} Kvitto nummer ${i} av ${i + 7}.` }));
    expect(findNearDuplicates(copy, filler)).toEqual([]);
    expect(findNearDuplicates(copy, others)).toEqual(first);
    expect(first).toHaveLength(1);
  });
});
