import type { Message } from '../text';
import { checkContext, closedDays, deniedNouns, type StoreFacts, storeFamilies } from './context';

const answers = (...texts: string[]): Message[] =>
  texts.map((content, i) => ({ speaker: 'customer', content, message_order: i + 1, timestamp_ms: i * 1000, message_type: i === 0 ? 'consent' : 'answer' }));
const GROCERY: StoreFacts = {
  name: 'Lindqvists Livs',
  departments: ['Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa'],
  baselineFacts: ['Butiken har ingen manuell fiskdisk, bara förpackad fisk i kyldisken', 'Butiken säljer inga receptbelagda läkemedel', 'Öppet 08–21 alla dagar'],
  operatingHours: null,
};
const HARDWARE: StoreFacts = {
  name: 'Bergmans Järnhandel',
  departments: ['Verktyg', 'Färg & tapet', 'Trädgård', 'El & belysning', 'VVS', 'Byggmaterial', 'Kassa'],
  baselineFacts: ['Butiken säljer inga livsmedel', 'Butiken erbjuder ingen hemleverans', 'Söndagar är butiken stängd', 'Nyckelkopiering finns vid kassan'],
  operatingHours: { sunday: null },
};

describe('context check', () => {
  it('reads what a fact denies and which days are closed', () => {
    expect(deniedNouns('Butiken har ingen manuell fiskdisk, bara förpackad fisk i kyldisken')).toEqual(['fiskdisk']);
    expect(deniedNouns('Butiken säljer inga livsmedel')).toEqual(['livsmedel']);
    expect(deniedNouns('Hemleverans finns inte')).toEqual(['hemleverans']);
    expect(deniedNouns('Nyckelkopiering finns vid kassan')).toEqual([]);
    expect(closedDays(HARDWARE).map((d) => d.day)).toEqual(['söndag']);
    expect([...storeFamilies(GROCERY.departments)]).toEqual(['food']);
    expect([...storeFamilies(HARDWARE.departments)]).toEqual(['hardware']);
  });

  it('honest, specific feedback is clean at both stores', () => {
    const grocery = checkContext(answers('Ja.', 'Laktosfri mjölk var slut i mejeridisken och osten i charken hade fel pris. Kassan gick fort.'), GROCERY);
    expect(grocery.fraud_indicators).toEqual([]);
    const hardware = checkContext(answers('Ja.', 'Jag köpte en skruvdragare och spackel, och fick fråga om priset på planteringsjord. Det kostade mig en timme.'), HARDWARE);
    expect(hardware.fraud_indicators).toEqual([]);
  });

  it('chainsaws and paint at a grocery store: products of a family it does not sell, quoted', () => {
    const r = checkContext(answers('Ja.', 'Motorsågarna var billiga och killen i verktygsavdelningen visade mig en ny gräsklippare. Sen köpte jag bröd.'), GROCERY);
    expect(r.is_suspicious).toBe(true);
    expect(r.fraud_indicators[0]).toMatchObject({
      code: 'product_not_sold',
      weight: 0.65,
      evidence: { family: 'hardware', matched: ['motorsågarna', 'verktygsavdelningen', 'gräsklippare'], quote: expect.stringMatching(/^Motorsågarna/) },
    });
  });

  it('salmon, milk and home delivery at a hardware store contradict its facts, each once', () => {
    const r = checkContext(answers('Ja.', 'Den färska laxen i fiskdisken var god och jag köpte mjölk och ost i mejeriet. De levererade allt hem samma kväll.'), HARDWARE);
    expect(r.fraud_indicators.map((i) => i.code)).toEqual(['contradicts_baseline_fact', 'contradicts_baseline_fact']);
    expect(r.fraud_indicators.map((i) => i.evidence.fact)).toEqual(['Butiken säljer inga livsmedel', 'Butiken erbjuder ingen hemleverans']);
    expect(r.risk_score).toBeCloseTo(0.8, 1);
  });

  it('the fish counter a grocery store does not have; a Sunday visit to a store closed on Sundays', () => {
    expect(checkContext(answers('Ja.', 'Fiskdisken hade fin torsk.'), GROCERY).fraud_indicators[0]).toMatchObject({ code: 'contradicts_baseline_fact', evidence: { matched: ['fiskdisken'] } });
    const sunday = checkContext(answers('Ja.', 'Jag var där i söndags och köpte spik till altanen.'), HARDWARE);
    expect(sunday.fraud_indicators[0]).toMatchObject({ code: 'visit_on_closed_day', evidence: { day: 'söndag' } });
  });

  it('another chain by name is a weak signal; electronics with it make the check suspicious', () => {
    const weak = checkContext(answers('Ja.', 'Mjölken var billigare än på Willys, men annars bra.'), GROCERY);
    expect(weak).toMatchObject({ is_suspicious: false, fraud_indicators: [expect.objectContaining({ code: 'other_shop_named', weight: 0.3 })] });
    const strong = checkContext(answers('Ja.', 'Jag köpte en ny tv och en laptop, och killen på Elgiganten hjälpte mig med hörlurar.'), GROCERY);
    expect(strong.is_suspicious).toBe(true);
    expect(strong.fraud_indicators.map((i) => i.code)).toEqual(['product_not_sold', 'other_shop_named']);
  });

  it('a store without departments or facts is not judged', () => {
    const r = checkContext(answers('Ja.', 'Motorsågarna var billiga.'), { name: 'X', departments: [], baselineFacts: [], operatingHours: null });
    expect(r).toMatchObject({ is_suspicious: false, confidence_level: 0.5 });
  });
});
