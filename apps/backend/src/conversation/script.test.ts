import { buildScript, DEFAULT_QUESTIONS, MAX_QUESTIONS, MIN_QUESTIONS, type Script, SCRIPT_VERSION, scriptPrompts, type StoreContext } from './script';
import { detectLanguage, wordCount } from './understanding';

const store = (customQuestions: StoreContext['customQuestions'], storeName = 'Lindqvists Livs'): StoreContext => ({
  storeName,
  departments: ['Frukt & grönt', 'Mejeri', 'Kassa'],
  customQuestions,
});

const SEED_QUESTIONS = [
  { id: 'found', text: 'Hittade du allt du letade efter, eller var det någon vara som saknades?', priority: 2 },
  { id: 'fruit', text: 'Hur tyckte du att frukt- och gröntavdelningen såg ut idag, till exempel fräschören och utbudet?', priority: 1 },
];

const SIX = [
  { id: 'a', text: 'Hur var brödet från bageriet?', priority: 6 },
  { id: 'b', text: 'Hur såg kyldisken ut?', priority: 2 },
  { id: 'c', text: 'Var det lätt att hitta parkering?', priority: 5 },
  { id: 'd', text: 'Hur fungerade självscanningen?', priority: 1 },
  { id: 'e', text: 'Vad tyckte du om veckans erbjudanden?', priority: 3 },
  { id: 'f', text: 'Hur var det med pantmaskinen?', priority: 4 },
];

function expectWellFormed(script: Script, storeName: string): void {
  const prompts = scriptPrompts(script);
  const ids = prompts.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(script.questions.length).toBeGreaterThanOrEqual(MIN_QUESTIONS);
  expect(script.questions.length).toBeLessThanOrEqual(MAX_QUESTIONS);
  expect(script.followUps.length).toBeGreaterThanOrEqual(2);
  expect(script.followUps.length).toBeLessThanOrEqual(3);

  const g = script.greeting.text;
  expect(g).toContain(storeName);
  expect(g).toContain('Samtal');
  expect(g).toMatch(/spela[rs]? in/);
  expect(g).toMatch(/återbäring/);
  expect(g).toMatch(/Går det bra att vi spelar in ett kort samtal\?$/);
  expect(wordCount(g)).toBeLessThanOrEqual(45);

  for (const q of script.questions) {
    expect(q.kind).toBe('question');
    expect(q.id).toMatch(/^q:/);
    expect(wordCount(q.text)).toBeLessThanOrEqual(20);
  }
  for (const p of prompts) {
    expect(p.text.trim()).not.toBe('');
    expect(detectLanguage(p.text)).toBe('sv');
  }
  expect(script.budgetClosing.text).toMatch(/^Tiden är tyvärr slut/);
  expect(script.closing.text).toMatch(/återbäring/);
}

describe('buildScript', () => {
  it('with no custom questions asks the defaults', () => {
    const script = buildScript(store([]));
    expectWellFormed(script, 'Lindqvists Livs');
    expect(script.questions.map((q) => q.id)).toEqual(DEFAULT_QUESTIONS.map((q) => q.id));
    expect(script.questions).toHaveLength(5);
  });

  it('with two custom questions asks them first, by priority, then defaults that do not repeat their topics', () => {
    const script = buildScript(store(SEED_QUESTIONS));
    expectWellFormed(script, 'Lindqvists Livs');
    const ids = script.questions.map((q) => q.id);
    expect(ids.slice(0, 2)).toEqual(['q:fruit', 'q:found']);
    expect(script.questions[0]!.text).toBe(SEED_QUESTIONS[1]!.text);
    expect(ids).toHaveLength(5);
    expect(ids).not.toContain('q:default:products');
    expect(ids.slice(2)).toEqual(['q:default:overall', 'q:default:staff', 'q:default:improve']);
  });

  it('with six custom questions asks the five most important, no defaults', () => {
    const script = buildScript(store(SIX, 'ICA Nära Centrum'));
    expectWellFormed(script, 'ICA Nära Centrum');
    expect(script.questions.map((q) => q.id)).toEqual(['q:d', 'q:b', 'q:e', 'q:f', 'q:c']);
  });

  it('drops blank and repeated questions, keeps ids unique and free of the default namespace', () => {
    const script = buildScript(
      store([
        { id: 'x', text: '  Hur var kassan?  ', priority: 1 },
        { id: 'x', text: 'Hur var det i bageriet?', priority: 2 },
        { id: 'y', text: 'hur var kassan', priority: 3 },
        { id: 'z', text: '   ', priority: 0 },
        { id: 'default:staff', text: 'Var personalen trevlig?', priority: 4 },
        { id: '', text: DEFAULT_QUESTIONS[0]!.text, priority: Number.NaN },
      ]),
    );
    expectWellFormed(script, 'Lindqvists Livs');
    expect(script.questions.map((q) => q.id)).toEqual(['q:x', 'q:x-2', 'q:default-staff', 'q:custom-6', 'q:default:improve']);
    expect(script.questions[0]!.text).toBe('Hur var kassan?');
    expect(script.questions.filter((q) => q.text === DEFAULT_QUESTIONS[0]!.text)).toHaveLength(1);
  });

  it('falls back to a topic-overlapping default rather than asking fewer than three questions', () => {
    const broad = { id: 'k', text: 'Hur var helheten, med personalen, utbudet och kön i kassan?', priority: 1 };
    const script = buildScript(store([broad]));
    expectWellFormed(script, 'Lindqvists Livs');
    expect(script.questions.map((q) => q.id)).toEqual(['q:k', 'q:default:overall', 'q:default:improve']);
    const narrow = buildScript(store([{ id: 'k', text: 'Hur var kön till kassan?', priority: 1 }]));
    expect(narrow.questions.map((q) => q.id)).not.toContain('q:default:checkout');
    expect(narrow.questions).toHaveLength(5);
  });

  it('is deterministic and does not share prompt objects between scripts', () => {
    const a = buildScript(store(SEED_QUESTIONS));
    const b = buildScript(store(SEED_QUESTIONS));
    expect(a).toEqual(b);
    a.questions[2]!.text = 'changed';
    a.closing.text = 'changed';
    expect(b.questions[2]!.text).not.toBe('changed');
    expect(buildScript(store([])).closing.text).not.toBe('changed');
    expect(DEFAULT_QUESTIONS.every((q) => q.text !== 'changed')).toBe(true);
  });

  it('has fixed ids for the non-question prompts the call state refers to', () => {
    const s = buildScript(store([]));
    expect([s.greeting, ...s.followUps, s.closing, s.budgetClosing, s.declineGoodbye, s.optOutGoodbye, s.nonSwedishGoodbye, s.cancelledGoodbye].map((p) => p.id)).toEqual([
      'greeting',
      'fu:1',
      'fu:2',
      'fu:3',
      'closing',
      'closing:budget',
      'bye:declined',
      'bye:opt_out',
      'bye:non_swedish',
      'bye:cancelled',
    ]);
    expect(s.nonSwedishGoodbye.text).toMatch(/only in Swedish/);
    expect(SCRIPT_VERSION).toMatch(/\S/);
  });
});
