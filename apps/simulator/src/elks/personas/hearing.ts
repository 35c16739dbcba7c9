import type { StoreKind, Topic } from './types';

/** Which demo store the greeting names; null when it names neither. */
export const detectStore = (text: string): StoreKind | null => {
  if (/lindqvist|\blivs\b|livsmedel/i.test(text)) return 'grocery';
  if (/bergman|järnhandel|järnaffär/i.test(text)) return 'hardware';
  return null;
};

export type PromptKind = 'consent' | 'question' | 'followup' | 'closing' | 'statement';

const FOLLOWUP = /berätta (gärna )?(lite |något )?mer|utveckla|ge (ett|något) exempel|mer om (det|detta)|kan du förklara/i;
const CONSENT = /spela[rs]? in|inspelning|inspelat|samtycke|går det bra att (vi|jag)|är det okej att/i;
const CLOSING = /tack (så mycket )?för|hej då|ha en (fin|bra|trevlig)|ha det (bra|gott)/i;

/** Topic keywords in the order they are tried (the first match wins). */
const TOPICS: ReadonlyArray<[Topic, RegExp]> = [
  ['fruit', /frukt|grönt|grönsak/i],
  ['paint', /färg|tapet|kulör/i],
  ['tools', /verktyg/i],
  ['found', /hitta|fick tag|letade/i],
  ['checkout', /kassa|\bkö|vänt/i],
  ['staff', /personal|hjälp|bemöt|service|expedit/i],
  ['price', /pris|kostade|\bdyr|billig/i],
  ['cleanliness', /\brent\b|städ|ordning|snygg/i],
  ['improve', /förbättra|bättre|ändra|önska|tips/i],
];

/** Classifies what a played prompt asked, so the persona can answer to the point. */
export const classifyPrompt = (text: string): { kind: PromptKind; topic: Topic } => {
  if (FOLLOWUP.test(text)) return { kind: 'followup', topic: 'followup' };
  const asks = text.includes('?');
  if (asks && CONSENT.test(text)) return { kind: 'consent', topic: 'consent' };
  if (asks) {
    // The last question in the prompt is the one being asked.
    const questions = text.split(/(?<=[?.!])\s+/).filter((s) => s.includes('?'));
    const question = questions[questions.length - 1] ?? text;
    const topic = TOPICS.find(([, re]) => re.test(question))?.[0] ?? 'general';
    return { kind: 'question', topic };
  }
  if (CLOSING.test(text)) return { kind: 'closing', topic: 'closing' };
  return { kind: 'statement', topic: 'general' };
};
