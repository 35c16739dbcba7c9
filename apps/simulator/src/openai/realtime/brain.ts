/**
 * The simulated model's brain (the contract in /work/notes/realtime-contract.md): deterministic rules,
 * no judgement. It speaks `Säg exakt: "<text>"` lines and tool outputs' `say`, and answers a customer's
 * turn with exactly one tool call chosen by the last tool output's `expect`.
 */

export interface ToolOutput {
  say?: string;
  expect?: 'consent' | 'answer' | 'end';
  question_index?: number;
  end?: boolean;
  reason?: string;
}

/** What the brain sees of one conversation item. */
export type BrainItem =
  | { kind: 'user'; id: string; text: string }
  | { kind: 'assistant'; id: string; completed: boolean }
  | { kind: 'call'; id: string; callId: string; name: string; answered: boolean }
  | { kind: 'output'; id: string; callId: string; output: ToolOutput | null; spoken: boolean };

export type Decision =
  | { kind: 'speak'; text: string; outputItemId?: string; thenEnd?: string }
  | { kind: 'call'; name: string; args: Record<string, unknown> }
  | { kind: 'stall'; callId: string }
  | { kind: 'nothing' };

export const parseToolOutput = (output: string): ToolOutput | null => {
  try {
    const v: unknown = JSON.parse(output);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    return {
      say: typeof o.say === 'string' ? o.say : undefined,
      expect: o.expect === 'consent' || o.expect === 'answer' || o.expect === 'end' ? o.expect : undefined,
      question_index: typeof o.question_index === 'number' ? o.question_index : undefined,
      end: o.end === true,
      reason: typeof o.reason === 'string' ? o.reason : undefined,
    };
  } catch {
    return null;
  }
};

const SAY_EXACT = /Säg exakt:\s*"([^"]*)"/;
const OPT_OUT = ['ring inte', 'vill inte bli uppringd', 'ta bort mitt nummer'];
const NO_WORDS = ['nej', 'inte nu', 'har inte tid'];
const YES_WORDS = ['ja', 'absolut', 'visst', 'gärna', 'okej', 'det går bra'];

const normalize = (text: string): string =>
  ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
const has = (text: string, phrases: readonly string[]): boolean => {
  const t = normalize(text);
  return phrases.some((p) => t.includes(` ${p} `));
};

export const isOptOut = (text: string): boolean => has(text, OPT_OUT);
/** true = yes, false = no; a "no" word wins, and a turn with neither counts as no. */
export const consentOf = (text: string): boolean => !has(text, NO_WORDS) && has(text, YES_WORDS);

/** The text a `Säg exakt: "…"` instruction asks for, if any. */
export const sayExactly = (instructions: string | undefined): string | null => SAY_EXACT.exec(instructions ?? '')?.[1] ?? null;

/** The latest tool output that carried an `expect` (initially `consent`). */
const lastExpect = (items: readonly BrainItem[]): ToolOutput => {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it?.kind === 'output' && it.output?.expect) return it.output;
  }
  return { expect: 'consent' };
};

/** The one tool call answering the customer's `text`. */
export const toolFor = (text: string, items: readonly BrainItem[]): { name: string; args: Record<string, unknown> } => {
  if (isOptOut(text)) return { name: 'opt_out', args: {} };
  const last = lastExpect(items);
  switch (last.expect) {
    case 'answer':
      return { name: 'save_answer', args: { question_index: last.question_index ?? 0, answer: text } };
    case 'end':
      return { name: 'end_call', args: { reason: last.reason ?? 'completed' } };
    default:
      return { name: 'set_consent', args: { granted: consentOf(text) } };
  }
};

/**
 * What a `response.create` does. Scanning back from the newest item: an unanswered call stalls the brain;
 * an unspoken tool output is spoken (then `end_call` if it says `end`); a customer turn gets a tool call.
 */
export const decide = (items: readonly BrainItem[], instructions: string | undefined): Decision => {
  const exact = sayExactly(instructions);
  if (exact !== null) return { kind: 'speak', text: exact };
  const pending = items.find((it) => it.kind === 'call' && !it.answered);
  if (pending?.kind === 'call') return { kind: 'stall', callId: pending.callId };
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (!it) continue;
    if (it.kind === 'user') {
      const tool = toolFor(it.text, items);
      return { kind: 'call', ...tool };
    }
    if (it.kind === 'output') {
      if (it.spoken || !it.output?.say) return { kind: 'nothing' };
      return {
        kind: 'speak',
        text: it.output.say,
        outputItemId: it.id,
        thenEnd: it.output.end ? (it.output.reason ?? 'completed') : undefined,
      };
    }
    if (it.kind === 'assistant' && it.completed) return { kind: 'nothing' };
  }
  return { kind: 'nothing' };
};
