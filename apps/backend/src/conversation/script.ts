/**
 * The Swedish dialogue of one feedback call, as data: every line the customer can hear, built per
 * store from its context profile. Pure — no I/O; the TTS cache renders {@link scriptPrompts} before a
 * call is placed, and the per-call state refers to prompts by their stable `id` only, so the same
 * script serves the 46elks record loop and a future realtime transport alike.
 */
import { normalizeText } from './understanding';

export type StoreContext = {
  storeName: string;
  departments: string[];
  /** From `business_context_profiles.question_configuration.custom_questions`; lower priority = asked first. */
  customQuestions: Array<{ id: string; text: string; priority: number }>;
};

export type Prompt = { id: string; kind: 'greeting' | 'question' | 'follow_up' | 'acknowledgement' | 'closing' | 'goodbye'; text: string };

export type Script = {
  greeting: Prompt;
  questions: Prompt[];
  followUps: Prompt[];
  acknowledgements: Prompt[];
  closing: Prompt;
  budgetClosing: Prompt;
  declineGoodbye: Prompt;
  optOutGoodbye: Prompt;
  nonSwedishGoodbye: Prompt;
  cancelledGoodbye: Prompt;
};

/** Bump when any wording below changes (the audio cache is keyed on the text anyway). */
export const SCRIPT_VERSION = 'sv-1';

export const MIN_QUESTIONS = 3;
export const MAX_QUESTIONS = 5;

const question = (id: string, text: string): Prompt => ({ id, kind: 'question', text });

/** Generic questions, in the order they are asked. Each works at any point of the call. */
export const DEFAULT_QUESTIONS: Prompt[] = [
  question('q:default:overall', 'Hur upplevde du ditt besök i butiken som helhet?'),
  question('q:default:staff', 'Hur blev du bemött av personalen, och fick du den hjälp du behövde?'),
  question('q:default:products', 'Hittade du det du letade efter, eller var det någon vara som saknades?'),
  question('q:default:checkout', 'Hur gick det i kassan, till exempel med kö och betalning?'),
  question('q:default:improve', 'Om du fick ändra en sak i butiken, vad skulle det vara?'),
];

/**
 * Which defaults fill the free slots first: the broad opener and the improvement question are the
 * most useful to any store; the topical ones come after. They are still asked in DEFAULT_QUESTIONS order.
 */
const DEFAULT_PREFERENCE = ['overall', 'improve', 'staff', 'products', 'checkout'];

/**
 * A default is skipped when a custom question already covers its topic (keyword stems on the
 * normalised custom text). Crude on purpose: a missed overlap only costs a near-duplicate question.
 */
const DEFAULT_TOPICS: Record<string, RegExp> = {
  overall: /(?:^| )(?:helhet|överlag|totalt sett|hela besöket|din upplevelse)/,
  staff: /(?:^| )(?:personal|bemö|service|hjälp|expedit|medarbetar)/,
  products: /(?:^| )(?:hitta|saknad|utbud|sortiment|lager)/,
  checkout: /(?:^| )(?:kassa|kassor|kö(?:n|er|a|ade|tid)?(?= |$)|betal|självscann|självskann)/,
  improve: /(?:^| )(?:förbättr|bättre|ändra|önska)/,
};

const FOLLOW_UPS: Prompt[] = [
  { id: 'fu:1', kind: 'follow_up', text: 'Kan du berätta lite mer om det?' },
  { id: 'fu:2', kind: 'follow_up', text: 'Vad var det som gjorde att du tyckte så?' },
  { id: 'fu:3', kind: 'follow_up', text: 'Har du något exempel från ditt besök?' },
];

/** Not every call qualifies for a reward, so the closing promises an answer, not money. */
const REWARD_LINE = 'Du får besked om din återbäring när vi har gått igenom dina synpunkter.';

/**
 * Short acknowledgements played after an answer whose transcript has not landed yet: a natural
 * "Tack." that gives speech-to-text a moment, so the next step (a follow-up, or the goodbye after
 * a "nej") can use what was said — without any webhook waiting on it.
 */
const ACKNOWLEDGEMENTS: Prompt[] = [
  { id: 'ack:1', kind: 'acknowledgement', text: 'Tack.' },
  { id: 'ack:2', kind: 'acknowledgement', text: 'Okej, tack.' },
  { id: 'ack:3', kind: 'acknowledgement', text: 'Jag förstår.' },
];

const FIXED = {
  closing: { id: 'closing', kind: 'closing', text: `Tack så mycket för dina svar, de hjälper butiken att bli bättre. ${REWARD_LINE} Ha en fin dag, hej då!` },
  budgetClosing: { id: 'closing:budget', kind: 'closing', text: `Tiden är tyvärr slut, men tack så mycket för dina svar. ${REWARD_LINE} Ha en fin dag, hej då!` },
  declineGoodbye: { id: 'bye:declined', kind: 'goodbye', text: 'Det är helt i sin ordning. Vi sparar ingen inspelning av samtalet. Tack för din tid och ha en fin dag, hej då!' },
  optOutGoodbye: { id: 'bye:opt_out', kind: 'goodbye', text: 'Jag förstår. Vi kommer inte att ringa dig igen. Tack för din tid och ha en fin dag, hej då!' },
  nonSwedishGoodbye: { id: 'bye:non_swedish', kind: 'goodbye', text: 'Tyvärr kan vi bara ha det här samtalet på svenska. Sorry, this call is only in Swedish. Tack ändå, hej då!' },
  cancelledGoodbye: { id: 'bye:cancelled', kind: 'goodbye', text: 'Vi behöver tyvärr avsluta samtalet nu. Tack för din tid, hej då!' },
} as const satisfies Record<string, Prompt>;

function greeting(storeName: string): Prompt {
  const store = storeName.trim().replace(/\s+/g, ' ') || 'butiken';
  return {
    id: 'greeting',
    kind: 'greeting',
    text:
      `Hej! Det här är Samtal, en automatisk tjänst som ringer på uppdrag av ${store}. ` +
      'Svarar du på några korta frågor kan du få återbäring på ditt köp. ' +
      'Samtalet tar en till två minuter. Går det bra att vi spelar in ett kort samtal?',
  };
}

/** `q:<id>` with the id made safe (no `:`, so never `q:default:…`) and unique within the script. */
function customId(raw: string, index: number, used: Set<string>): string {
  const slug = raw.trim().replace(/[\s:]+/g, '-') || `custom-${index + 1}`;
  let id = `q:${slug}`;
  for (let n = 2; used.has(id); n++) id = `q:${slug}-${n}`;
  used.add(id);
  return id;
}

/** The store's custom questions, by priority (ties keep their configured order), blanks and repeats dropped, at most five. */
function customQuestions(ctx: StoreContext, used: Set<string>, seen: Set<string>): Prompt[] {
  const ranked = ctx.customQuestions
    .map((q, index) => ({ q, index, rank: Number.isFinite(q.priority) ? q.priority : Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
  const out: Prompt[] = [];
  for (const { q, index } of ranked) {
    if (out.length >= MAX_QUESTIONS) break;
    const text = q.text.trim().replace(/\s+/g, ' ');
    const key = normalizeText(text);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(question(customId(q.id, index, used), text));
  }
  return out;
}

/** Defaults for the free slots: first those whose topic no custom question covers, then (only below the minimum) the rest. */
function defaultQuestions(custom: Prompt[], seen: Set<string>): Prompt[] {
  const free = MAX_QUESTIONS - custom.length;
  if (free <= 0) return [];
  const customText = custom.map((q) => normalizeText(q.text));
  const covered = (topic: string) => customText.some((t) => DEFAULT_TOPICS[topic]?.test(t) ?? false);
  const byTopic = (topic: string) => DEFAULT_QUESTIONS.find((q) => q.id === `q:default:${topic}`);
  const candidates = DEFAULT_PREFERENCE.filter((topic) => !seen.has(normalizeText(byTopic(topic)?.text ?? '')));
  const uncovered = candidates.filter((topic) => !covered(topic));
  const chosen = uncovered.slice(0, free);
  for (const topic of candidates) {
    if (custom.length + chosen.length >= MIN_QUESTIONS) break;
    if (!chosen.includes(topic)) chosen.push(topic);
  }
  return DEFAULT_QUESTIONS.filter((q) => chosen.some((topic) => q.id === `q:default:${topic}`)).map((q) => ({ ...q }));
}

/**
 * The call's script: greeting with the store's name and the consent question, 3–5 questions (the
 * store's custom questions by priority, then defaults up to five), follow-ups, closings, goodbyes.
 * Deterministic: the same context always gives the same ids and texts.
 */
export function buildScript(ctx: StoreContext): Script {
  const used = new Set<string>();
  const seen = new Set<string>();
  const custom = customQuestions(ctx, used, seen);
  return {
    greeting: greeting(ctx.storeName),
    questions: [...custom, ...defaultQuestions(custom, seen)],
    followUps: FOLLOW_UPS.map((p) => ({ ...p })),
    acknowledgements: ACKNOWLEDGEMENTS.map((p) => ({ ...p })),
    ...structuredClone(FIXED),
  };
}

/** Every prompt of a script, once — what the TTS cache must hold before a call is placed. */
export function scriptPrompts(script: Script): Prompt[] {
  return [
    script.greeting,
    ...script.questions,
    ...script.followUps,
    ...script.acknowledgements,
    script.closing,
    script.budgetClosing,
    script.declineGoodbye,
    script.optOutGoodbye,
    script.nonSwedishGoodbye,
    script.cancelledGoodbye,
  ];
}
