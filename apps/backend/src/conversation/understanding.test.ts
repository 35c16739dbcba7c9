import {
  type Consent,
  classifyConsent,
  detectLanguage,
  isOptOut,
  isVague,
  isVoicemailGreeting,
  type Language,
  normalizeText,
  wordCount,
} from './understanding';

const VOICEMAIL =
  'Hej, du har kommit till Annas röstbrevlåda. Jag kan inte svara just nu, lämna ett meddelande efter tonen.';
const DETAILED =
  'Mjölken i mejeridisken hade gått ut och det var bara en kassa öppen, jag stod i kö i tjugo minuter.';

type Row = { text: string; consent: Consent; optOut: boolean; voicemail: boolean; lang: Language; vague: boolean };

const TABLE: Row[] = [
  { text: 'Ja, det går bra.', consent: 'yes', optOut: false, voicemail: false, lang: 'sv', vague: true },
  { text: 'Jajamen', consent: 'yes', optOut: false, voicemail: false, lang: 'sv', vague: true },
  { text: 'Nej, det vill jag inte.', consent: 'no', optOut: false, voicemail: false, lang: 'sv', vague: false },
  { text: 'Nej tack, och ring inte mig igen.', consent: 'opt_out', optOut: true, voicemail: false, lang: 'sv', vague: false },
  { text: 'Ta bort mitt nummer', consent: 'opt_out', optOut: true, voicemail: false, lang: 'sv', vague: false },
  { text: VOICEMAIL, consent: 'unclear', optOut: false, voicemail: true, lang: 'sv', vague: false },
  { text: "Yes, that's fine.", consent: 'yes', optOut: false, voicemail: false, lang: 'en', vague: false },
  {
    text: 'The staff were really helpful but the queue was long.',
    consent: 'unclear',
    optOut: false,
    voicemail: false,
    lang: 'en',
    vague: false,
  },
  { text: 'Det var bra.', consent: 'unclear', optOut: false, voicemail: false, lang: 'sv', vague: true },
  { text: 'Helt okej.', consent: 'yes', optOut: false, voicemail: false, lang: 'sv', vague: true },
  { text: DETAILED, consent: 'unclear', optOut: false, voicemail: false, lang: 'sv', vague: false },
  { text: '', consent: 'unclear', optOut: false, voicemail: false, lang: 'unknown', vague: true },
];

describe('understanding: the realistic answer table', () => {
  it.each(TABLE)('$text', (row) => {
    expect(classifyConsent(row.text)).toBe(row.consent);
    expect(isOptOut(row.text)).toBe(row.optOut);
    expect(isVoicemailGreeting(row.text)).toBe(row.voicemail);
    expect(detectLanguage(row.text)).toBe(row.lang);
    expect(isVague(row.text)).toBe(row.vague);
  });
});

describe('normalizeText / wordCount', () => {
  it('lowercases, strips punctuation, collapses whitespace, keeps å/ä/ö (also decomposed)', () => {
    expect(normalizeText('  Ja,   DET går BRA!!  ')).toBe('ja det går bra');
    expect(normalizeText('Ma\u0308rta sa: "Åh, öl?"')).toBe('märta sa åh öl');
    expect(normalizeText("That's fine - don't worry")).toBe('thats fine dont worry');
  });
  it('counts words', () => {
    expect(wordCount('')).toBe(0);
    expect(wordCount('  ...  ')).toBe(0);
    expect(wordCount('Helt okej.')).toBe(2);
    expect(wordCount(DETAILED)).toBe(20);
  });
});

describe('classifyConsent', () => {
  it.each([
    'ja',
    'Javisst!',
    'Absolut.',
    'Det går bra.',
    'Okej.',
    'Visst, kör på.',
    'Jadå, inga problem',
    'Nejdå, det går fint.',
    'Jo, varför inte.',
    'Ja tack.',
  ])('yes: %s', (text) => expect(classifyConsent(text)).toBe('yes'));

  it.each([
    'Nej.',
    'Nej tack.',
    'Nä.',
    'Helst inte.',
    'Det vill jag inte.',
    'Ja, men jag har inte tid just nu.',
    'Absolut inte!',
    'Det går inte, jag kör bil.',
    'Kan ni ringa senare?',
    'No, thank you.',
  ])('no: %s', (text) => expect(classifyConsent(text)).toBe('no'));

  it.each(['Ring aldrig mer!', 'Nej. Sluta ringa mig.', 'Jag vill inte bli uppringd.', 'Ja, men ring inte hit igen efter det här.'])(
    'opt_out wins: %s',
    (text) => expect(classifyConsent(text)).toBe('opt_out'),
  );

  it.each(['', '   ', 'Mm.', 'Vem är det som ringer?', 'Ja... nej, jag vet inte.'])('unclear: %j', (text) =>
    expect(classifyConsent(text)).toBe('unclear'),
  );
});

describe('isOptOut', () => {
  it.each([
    'ring inte mig igen',
    'Ring mig aldrig igen.',
    'Ni får inte ringa hit.',
    'Snälla, sluta ringa.',
    'Kan ni ta bort mitt telefonnummer?',
    'Ta bort mig från er lista.',
    'Jag vill inte bli kontaktad av er.',
    'Jag vill inte ha fler samtal.',
    'Please stop calling me.',
  ])('opt-out: %s', (text) => expect(isOptOut(text)).toBe(true));

  it.each([
    'Personalen ringde inte tillbaka som de lovat.',
    'Jag ringde till butiken igår.',
    'Det var bra, ingen kö.',
    'Ring mig gärna om det kommer fler erbjudanden.',
  ])('not opt-out: %s', (text) => expect(isOptOut(text)).toBe(false));
});

describe('isVoicemailGreeting', () => {
  it.each([
    'Hej, du har kommit till Erik. Jag kan inte svara just nu.',
    'Mobilsvar. Abonnenten du söker kan inte nås.',
    'Personen du söker är inte tillgänglig. Var vänlig försök senare.',
    'Tala in ditt meddelande efter pipet.',
    'Hi, you have reached John, please leave a message after the tone.',
  ])('mailbox: %s', (text) => expect(isVoicemailGreeting(text)).toBe(true));

  it.each(['Ja, det går bra.', 'Just nu har jag lite tid.', 'Hej! Vem är det?', ''])('live answer: %j', (text) =>
    expect(isVoicemailGreeting(text)).toBe(false),
  );
});

describe('detectLanguage', () => {
  it.each<[string, Language]>([
    ['ja', 'sv'],
    ['Nej.', 'sv'],
    ['okej', 'sv'],
    ['Tack!', 'sv'],
    ['Det var nice, bra service.', 'sv'],
    ['Personalen var really helpful.', 'sv'],
    ['Kassörskan var snäll', 'sv'],
    ['I think it was okay, nothing special.', 'en'],
    ['No.', 'en'],
    ['ok', 'unknown'],
    ['Mm.', 'unknown'],
    ['   ', 'unknown'],
  ])('%j → %s', (text, lang) => expect(detectLanguage(text)).toBe(lang));
});

describe('isVague', () => {
  it.each(['Vet inte.', 'Inget särskilt.', 'Jättebra!', 'Det var väl helt okej.', 'Jag tyckte att det var bra.', 'Inget att klaga på.', 'Nja, sådär.'])(
    'vague: %s',
    (text) => expect(isVague(text)).toBe(true),
  );

  it.each([
    'Kassan var seg.',
    'Bra personal.',
    'Mjölken var slut.',
    'Det var bra idag.',
    'Fick vänta 10 minuter.',
    'Det var bra men jag önskar att ni hade fler sorters glutenfritt bröd.',
  ])('concrete: %s', (text) => expect(isVague(text)).toBe(false));
});

describe('speed', () => {
  it('classifies 10,000 answers well under a second', () => {
    const answers = TABLE.map((r) => r.text);
    const started = performance.now();
    let hits = 0;
    for (let i = 0; i < 10_000; i++) {
      const text = answers[i % answers.length]!;
      if (classifyConsent(text) === 'yes') hits++;
      if (isOptOut(text)) hits++;
      if (isVoicemailGreeting(text)) hits++;
      if (detectLanguage(text) === 'sv') hits++;
      if (isVague(text)) hits++;
      hits += wordCount(text) > 3 ? 1 : 0;
    }
    const elapsed = performance.now() - started;
    expect(hits).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(1000);
  });
});
