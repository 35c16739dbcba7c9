import type { Rng } from '../../shared/prng';
import { classifyPrompt, detectStore, type PromptKind } from './hearing';
import { ENGAGED } from './lines-engaged';
import { NEGATIVE_SPECIFIC } from './lines-negative';
import { BRIEF, DECLINES, ENGLISH, FRAUD, OPT_OUT, VOICEMAIL_GREETINGS, VOICEMAIL_NAMES } from './lines-other';
import type { LineBook, PersonaName, StoreKind, Topic } from './types';

/** What one callee has heard and said so far in a call. */
export interface PersonaMind {
  persona: PersonaName;
  store: StoreKind;
  /** Text heard since the last recording (prompts played back to back are joined). */
  pending: string[];
  /** Prompts heard since the last recording that carried no text (the persona then goes by turn). */
  pendingUntexted: number;
  /** Recordings answered so far. */
  turns: number;
  lastKind: PromptKind | null;
  /** Questions (not consent/follow-up) heard so far. */
  questionsHeard: number;
  used: Set<string>;
  mailboxName: string;
}

export const createMind = (persona: PersonaName, rng: Rng): PersonaMind => ({
  persona,
  store: 'generic',
  pending: [],
  pendingUntexted: 0,
  turns: 0,
  lastKind: null,
  questionsHeard: 0,
  used: new Set(),
  mailboxName: rng.pick(VOICEMAIL_NAMES),
});

export type RingPlan = { kind: 'answer'; ringSec: number } | { kind: 'busy'; ringSec: number } | { kind: 'no_answer' };

/** How the phone rings for this persona (simulated seconds). */
export const ringPlan = (persona: PersonaName, rng: Rng): RingPlan => {
  if (persona === 'no_answer') return { kind: 'no_answer' };
  if (persona === 'busy') return { kind: 'busy', ringSec: rng.between(1, 3) };
  if (persona === 'voicemail') return { kind: 'answer', ringSec: rng.between(15, 25) };
  return { kind: 'answer', ringSec: rng.between(3, 9) };
};

/** Seconds after answering when the callee hangs up on its own (the mailbox), or null. */
export const selfHangupAfterSec = (persona: PersonaName, rng: Rng): number | null =>
  persona === 'voicemail' ? rng.between(30, 60) : null;

/** The persona hears a played prompt (text null = audio without embedded text). */
export const hear = (mind: PersonaMind, text: string | null): void => {
  if (text === null || text.trim() === '') {
    mind.pendingUntexted++;
    return;
  }
  mind.pending.push(text);
  const store = detectStore(text);
  if (store && mind.store === 'generic') mind.store = store;
  const { kind } = classifyPrompt(text);
  mind.lastKind = kind;
  if (kind === 'question') mind.questionsHeard++;
};

/** After a prompt finished playing: does the callee hang up now? (`hangs_up` after the first question.) */
export const hangsUpAfterPrompt = (mind: PersonaMind): boolean => {
  if (mind.persona !== 'hangs_up' || mind.turns < 1) return false;
  return mind.lastKind === 'question' || mind.pending.length === 0;
};

const BOOKS: Partial<Record<PersonaName, LineBook>> = {
  engaged: ENGAGED,
  hangs_up: ENGAGED,
  negative_specific: NEGATIVE_SPECIFIC,
  brief: BRIEF,
  fraud: FRAUD,
  declines: DECLINES,
  opt_out: OPT_OUT,
  english: ENGLISH,
  // Realtime-only behaviours (timing); in the record loop they answer like `engaged`.
  interrupter: ENGAGED,
  slow_thinker: ENGAGED,
};

const TOPIC_STORE: Partial<Record<Topic, StoreKind>> = { fruit: 'grocery', paint: 'hardware', tools: 'hardware' };

/** Lines for (store, topic) with fallbacks: the topic's own store, the store's general lines, generic. */
const linesFor = (book: LineBook, store: StoreKind, topic: Topic): readonly string[] => {
  const topicStore = TOPIC_STORE[topic];
  const candidates = [
    book[store]?.[topic],
    store === 'generic' && topicStore ? book[topicStore]?.[topic] : undefined,
    topic === 'consent' || topic === 'closing' || topic === 'followup' ? book.generic?.[topic] : undefined,
    topic === 'consent' || topic === 'closing' ? undefined : book[store]?.general,
    book.generic?.[topic],
    topic === 'consent' || topic === 'closing' ? undefined : book.generic?.general,
  ];
  return candidates.find((lines) => lines && lines.length > 0) ?? [];
};

const pickFresh = (rng: Rng, mind: PersonaMind, lines: readonly string[]): string => {
  if (lines.length === 0) return '';
  const fresh = lines.filter((line) => !mind.used.has(line));
  const line = rng.pick(fresh.length > 0 ? fresh : lines);
  mind.used.add(line);
  return line;
};

export interface Speech {
  text: string;
  lang: 'sv' | 'en' | '';
}

/** What the persona says when recorded now; '' is silence. Consumes what was heard since the last turn. */
export const speak = (mind: PersonaMind, rng: Rng): Speech => {
  const heard = mind.pending.join(' ');
  const turn = mind.turns;
  mind.turns++;
  mind.pending = [];
  mind.pendingUntexted = 0;
  const prompt = heard ? classifyPrompt(heard) : null;
  // Without text the persona goes by turn: the first recording answers the consent question.
  const kind: PromptKind = prompt?.kind ?? (turn === 0 ? 'consent' : 'question');
  const topic: Topic = prompt ? (kind === 'statement' ? 'general' : prompt.topic) : kind === 'consent' ? 'consent' : 'general';
  const persona = mind.persona;
  const lang = persona === 'english' ? 'en' : 'sv';

  if (persona === 'silent') return { text: '', lang: '' };
  if (persona === 'voicemail') {
    if (turn > 0) return { text: '', lang: '' };
    return { text: rng.pick(VOICEMAIL_GREETINGS).replace('{name}', mind.mailboxName), lang: 'sv' };
  }
  if (persona === 'declines' || persona === 'opt_out') {
    // Says no to the first prompt whatever it was; `declines` is silent after that, `opt_out` repeats itself.
    if (turn > 0 && persona === 'declines') return { text: '', lang: '' };
    return { text: pickFresh(rng, mind, linesFor(BOOKS[persona] ?? {}, 'generic', 'consent')), lang };
  }
  if (kind === 'closing' && persona !== 'engaged' && persona !== 'english') return { text: '', lang: '' };
  const book = BOOKS[persona] ?? ENGAGED;
  // `fraud` talks about the wrong shop: at a known store it prefers the store's impossible-products lines.
  const store = persona === 'fraud' && kind !== 'consent' && rng.chance(0.5) ? 'generic' : mind.store;
  const effectiveTopic = persona === 'fraud' && kind !== 'consent' ? 'general' : topic;
  const line = pickFresh(rng, mind, linesFor(book, store, effectiveTopic));
  return { text: line, lang: line ? lang : '' };
};
