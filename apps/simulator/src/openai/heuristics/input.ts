/**
 * Reads a chat request the way the heuristics need it (the convention is documented in README.md):
 * - transcript lines start with a speaker label: customer `Kund:`/`Kunden:`/`Customer:`, AI `AI:`/`Samtal:`
 *   (case-insensitive, an optional `[00:12]` time stamp before the label is allowed);
 *   JSON arrays of `{speaker|role, content|text}` under `messages`/`transcript`/`turns` work too;
 * - store context: JSON with `store_name`/`storeName`, `departments`, `baseline_facts`, or lines
 *   `Butik:`/`Store:`, `Avdelningar:`/`Departments:`, `Fakta:`/`Baseline facts:`;
 * - weekly reports: per-call summaries as lines starting with `- `;
 * - otherwise all user-message text (minus context lines) is the customer's words.
 */

export interface ChatMessageLike {
  role: string;
  content: unknown;
}

export interface StoreContext {
  name: string | null;
  departments: string[];
  facts: string[];
}

export interface Conversation {
  customerLines: string[];
  aiLines: string[];
  /** Units analysed one by one for trends: per-call summaries, or the customer lines. */
  items: string[];
  store: StoreContext;
  /** All text of all messages (system prompt included), for key extraction. */
  allText: string;
}

export const messageText = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'object' && part && 'text' in part && typeof part.text === 'string' ? part.text : ''))
      .filter(Boolean)
      .join('\n');
  }
  return '';
};

const SPEAKER = /^\s*(?:[[(][^\])]*[\])]\s*)?(kunden|kund|customer|ai|samtal|assistent|agent)\s*[:：]\s*(.*)$/i;
const CUSTOMER = /^(kunden|kund|customer)$/i;
const STORE_LINE = /^\s*(?:butik|butiksnamn|store|store name|butikens namn)\s*[:：]\s*(.+)$/i;
const DEPT_LINE = /^\s*(?:avdelningar|departments)\s*[:：]\s*(.+)$/i;
const FACTS_LINE = /^\s*(?:fakta|grundfakta|baseline facts|baseline_facts|facts)\s*[:：]\s*(.+)$/i;
const BULLET = /^\s*[-•*]\s+(.+)$/;

const NAME_KEYS = ['store_name', 'storeName', 'store', 'butik', 'business_name', 'businessName'];
const DEPT_KEYS = ['departments', 'avdelningar'];
const FACT_KEYS = ['baseline_facts', 'baselineFacts', 'facts', 'fakta'];
const TURN_KEYS = ['messages', 'transcript', 'turns', 'conversation', 'dialogue'];
const ITEM_KEYS = ['summaries', 'call_summaries', 'feedback', 'feedbacks', 'calls'];

const strings = (value: unknown): string[] => {
  if (typeof value === 'string') return value.split(/\s*[;\n]\s*/).filter(Boolean);
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of ['name', 'fact', 'text', 'description', 'summary', 'content']) {
      if (typeof obj[key] === 'string') return [obj[key] as string];
    }
    return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'string' || typeof v === 'boolean' ? [`${k}: ${v}`] : []));
  }
  return [];
};

/** Walks parsed JSON collecting store context, transcript turns and summaries. */
const walkJson = (value: unknown, out: Conversation, depth = 0): void => {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walkJson(item, out, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of NAME_KEYS) {
    if (typeof obj[key] === 'string' && !out.store.name) out.store.name = obj[key] as string;
  }
  if (!out.store.name && typeof obj.name === 'string' && DEPT_KEYS.some((k) => k in obj)) out.store.name = obj.name;
  for (const key of DEPT_KEYS) if (key in obj) out.store.departments.push(...strings(obj[key]));
  for (const key of FACT_KEYS) if (key in obj) out.store.facts.push(...strings(obj[key]));
  for (const key of TURN_KEYS) {
    const turns = obj[key];
    if (!Array.isArray(turns)) continue;
    for (const turn of turns) {
      if (!turn || typeof turn !== 'object') continue;
      const t = turn as Record<string, unknown>;
      const who = String(t.speaker ?? t.role ?? '');
      const said = typeof t.content === 'string' ? t.content : typeof t.text === 'string' ? t.text : '';
      if (!said) continue;
      if (/^(customer|kund|kunden|user)$/i.test(who)) out.customerLines.push(said);
      else if (who) out.aiLines.push(said);
    }
  }
  for (const key of ITEM_KEYS) if (Array.isArray(obj[key])) out.items.push(...strings(obj[key]));
  for (const [key, child] of Object.entries(obj)) {
    if (![...DEPT_KEYS, ...FACT_KEYS, ...TURN_KEYS, ...ITEM_KEYS].includes(key)) walkJson(child, out, depth + 1);
  }
};

/** JSON found in a message: the whole text, or each ```json fenced block / outermost {…} span. */
const jsonIn = (text: string): unknown[] => {
  const found: unknown[] = [];
  const tryParse = (s: string): boolean => {
    try {
      found.push(JSON.parse(s));
      return true;
    } catch {
      return false;
    }
  };
  if (tryParse(text.trim())) return found;
  for (const m of text.matchAll(/```(?:json)?\s*([\s\S]*?)```/g)) if (m[1]) tryParse(m[1]);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (found.length === 0 && start >= 0 && end > start) tryParse(text.slice(start, end + 1));
  return found;
};

export const readConversation = (messages: readonly ChatMessageLike[]): Conversation => {
  const out: Conversation = { customerLines: [], aiLines: [], items: [], store: { name: null, departments: [], facts: [] }, allText: '' };
  const userRest: string[] = [];
  const texts = messages.map((m) => ({ role: m.role, text: messageText(m.content) }));
  out.allText = texts.map((t) => t.text).join('\n');
  for (const { role, text } of texts) {
    for (const json of jsonIn(text)) walkJson(json, out);
    for (const line of text.split('\n')) {
      const speaker = SPEAKER.exec(line);
      const store = STORE_LINE.exec(line);
      const depts = DEPT_LINE.exec(line);
      const facts = FACTS_LINE.exec(line);
      const bullet = BULLET.exec(line);
      if (speaker?.[1] && speaker[2] !== undefined) {
        (CUSTOMER.test(speaker[1]) ? out.customerLines : out.aiLines).push(speaker[2].trim());
      } else if (store?.[1]) out.store.name ??= store[1].trim();
      else if (depts?.[1]) out.store.departments.push(...depts[1].split(/\s*[,;]\s*/).filter(Boolean));
      else if (facts?.[1]) out.store.facts.push(...facts[1].split(/\s*;\s*/).filter(Boolean));
      else if (bullet?.[1] && role !== 'system') out.items.push(bullet[1].trim());
      else if (role === 'user' && !/^\s*[{}[\]"]/.test(line)) userRest.push(line);
    }
  }
  out.customerLines = out.customerLines.filter((l) => l.length > 0);
  if (out.customerLines.length === 0 && out.items.length === 0) {
    const rest = userRest.join('\n').trim();
    if (rest) out.customerLines.push(rest);
  }
  if (out.items.length === 0) out.items = [...out.customerLines];
  out.store.departments = [...new Set(out.store.departments.map((d) => d.trim()).filter(Boolean))];
  out.store.facts = [...new Set(out.store.facts.map((f) => f.trim()).filter(Boolean))];
  return out;
};
