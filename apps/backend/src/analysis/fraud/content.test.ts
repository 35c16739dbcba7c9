import type { Message } from '../text';
import { checkContent } from './content';

const call = (...answers: string[]): Message[] => [
  { speaker: 'ai', content: 'Går det bra att vi spelar in?', message_order: 0, timestamp_ms: 0, message_type: 'greeting' },
  { speaker: 'customer', content: 'Ja, det går bra.', message_order: 1, timestamp_ms: 1000, message_type: 'consent' },
  ...answers.flatMap((content, i): Message[] => [
    { speaker: 'ai', content: 'Hur var det?', message_order: 2 + 2 * i, timestamp_ms: 2000 + i * 2000, message_type: 'question' },
    { speaker: 'customer', content, message_order: 3 + 2 * i, timestamp_ms: 3000 + i * 2000, message_type: 'answer' },
  ]),
];
const codes = (m: Message[]) => checkContent(m).fraud_indicators.map((i) => i.code);

describe('content check', () => {
  it('specific answers are clean', () => {
    const r = checkContent(call('Mjölken i mejeridisken hade gått ut två dagar innan och det var bara en kassa öppen.', 'Bageriet hade slut på surdegsbröd redan vid tolv, annars bra.'));
    expect(r).toMatchObject({ is_suspicious: false, fraud_indicators: [], confidence_level: 1 });
  });

  it('few words are a weak signal that never makes the check suspicious alone; the consent answer does not count', () => {
    const r = checkContent(call('Det var bra.', 'Helt okej.'));
    expect(r.fraud_indicators).toEqual([expect.objectContaining({ code: 'too_few_words', weight: 0.3, evidence: { customer_words: 5, minimum: 10 } })]);
    expect(r.is_suspicious).toBe(false);
    expect(codes(call())).toEqual(['no_feedback']);
  });

  it('keyboard mash is nonsense', () => {
    const r = checkContent(call('asdf qwrt jkl sdfg hmm brrrrr fgh okej då', 'xcvb nmmm lkjh'));
    expect(r.fraud_indicators[0]).toMatchObject({ code: 'nonsense', evidence: { gibberish_words: expect.arrayContaining(['qwrt', 'sdfg']) } });
    expect(r.is_suspicious).toBe(true);
  });

  it('one word over and over, and the same answer to every question', () => {
    expect(codes(call('Bra bra bra bra bra butik bra bra bra bra personal bra bra bra bra kassa bra bra bra bra bra bra.'))).toContain('repetitive_text');
    const same = 'Butiken var jättebra och personalen trevlig.';
    const r = checkContent(call(same, same, same));
    expect(r.fraud_indicators).toEqual([expect.objectContaining({ code: 'repeated_answers', evidence: { quote: same, times: 3 } })]);
  });
});
