import { consentOf, languageOf } from './assess';
import { buildGradingMessages, GradeSchema } from './grading';
import type { Message } from './text';
import { redactPhones } from './text';

const msg = (speaker: 'ai' | 'customer', content: string, message_order: number, message_type: string | null = null): Message => ({
  speaker,
  content,
  message_order,
  timestamp_ms: message_order * 1000,
  message_type,
});

describe('consent and language', () => {
  it('the session’s consent wins; without it the answer marked consent is classified; none means no consent', () => {
    const yes = [msg('customer', 'Ja, det går bra.', 1, 'consent')];
    expect(consentOf({ consentGiven: false, messages: yes })).toEqual({ consent: false, source: 'session' });
    expect(consentOf({ consentGiven: null, messages: yes })).toEqual({ consent: true, source: 'consent_message' });
    expect(consentOf({ consentGiven: null, messages: [msg('customer', 'Nej, det vill jag inte.', 1, 'consent')] }).consent).toBe(false);
    expect(consentOf({ consentGiven: null, messages: [msg('customer', 'Ja, bra butik.', 1, 'answer')] })).toEqual({ consent: false, source: 'no_consent_message' });
  });

  it('Swedish by the customer’s words; no signal falls back to the call’s language', () => {
    expect(languageOf({ sessionLanguage: null, messages: [msg('customer', 'Det var en bra butik och personalen var trevlig.', 1)] })).toEqual({ swedish: true, detected: 'sv' });
    expect(languageOf({ sessionLanguage: 'sv', messages: [msg('customer', 'The staff were friendly and the queue was short.', 1)] }).swedish).toBe(false);
    expect(languageOf({ sessionLanguage: 'sv', messages: [msg('customer', 'Ok.', 1)] })).toEqual({ swedish: true, detected: 'unknown' });
    expect(languageOf({ sessionLanguage: null, messages: [msg('customer', 'Ok.', 1)] }).swedish).toBe(false);
  });
});

describe('the grading prompt', () => {
  it('labels each turn, one line per message, with the store context as fenced JSON', () => {
    const [system, user] = buildGradingMessages(
      { name: 'Lindqvists Livs', departments: ['Mejeri'], baselineFacts: ['Ingen fiskdisk'], campaigns: [] },
      [msg('customer', 'Mjölken var\nslut.', 2), msg('ai', 'Hur var det?', 1)],
    );
    expect(user!.content).toMatch(/```json\n\{"store_name":"Lindqvists Livs","departments":\["Mejeri"\],"baseline_facts":\["Ingen fiskdisk"\]/);
    expect(user!.content).toMatch(/Samtalet:\nAI: Hur var det\?\nKund: Mjölken var slut\.$/);
    // Servers that read transcripts by speaker label must not mistake the instructions for turns.
    const text = system!.content as string;
    expect(text.split('\n').filter((l) => /^\s*(kund|kunden|customer|ai|samtal|agent|assistent|butik|store|departments|avdelningar|fakta|facts)\s*:/i.test(l))).toEqual([]);
    expect(text).not.toMatch(/[{}]/);
    expect(text).toMatch(/INFORMATIVENESS, never positivity/);
  });

  it('the schema has no optional fields (strict structured output needs every key required)', () => {
    const shape = GradeSchema.shape;
    for (const [key, field] of Object.entries(shape)) expect({ key, optional: field.safeParse(undefined).success }).toEqual({ key, optional: false });
  });

  it('phone numbers never survive into stored text', () => {
    expect(redactPhones('Ring mig på 070-123 45 67 eller +46701234567, kostade 129 kr')).toBe('Ring mig på [telefonnummer] eller [telefonnummer], kostade 129 kr');
    expect(redactPhones('070.123.45.67, (070) 123 45 67, 070–123 45 67, %2B46701234567')).not.toMatch(/\d{2}/);
  });
});
