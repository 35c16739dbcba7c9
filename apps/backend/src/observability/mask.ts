/**
 * Phone numbers never appear unmasked in logs. These patterns catch Swedish numbers in the forms
 * they reach us: E.164 (`+46701234567`), with a 00 prefix, URL-encoded (`%2B46…`, as in 46elks
 * form bodies), with spaces or dashes, and the national mobile form (`070-123 45 67`).
 * A match keeps the country prefix and the last two digits: `+46*******67`.
 */
const INTERNATIONAL = /(?<![\w%.])(\+|%2B|00)46[\s-]?(?:\(0\))?\d(?:[\s-]?\d){6,10}(?![\w])/gi;
const NATIONAL_MOBILE = /(?<![\w.-])07\d(?:[\s-]?\d){7}(?!\w)/g;

/** Keeps `keepPrefix` and the last two digits of the subscriber number; the rest becomes stars. */
function maskMatch(subscriber: string, keepPrefix: string): string {
  const digits = subscriber.replace(/\D/g, '');
  return `${keepPrefix}${'*'.repeat(Math.max(digits.length - 2, 3))}${digits.slice(-2)}`;
}

export function maskPhones(text: string): string {
  if (!/\d{3}/.test(text)) return text;
  return text
    .replace(INTERNATIONAL, (m, prefix: string) => maskMatch(m.slice(prefix.length + 2), `${prefix}46`))
    .replace(NATIONAL_MOBILE, (m) => maskMatch(m.slice(2), '07'));
}

/** Deep-masks strings inside any loggable value (objects, arrays, errors). Cycles are cut. */
export function maskDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskPhones(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: maskPhones(value.message) };
    if (value.stack) out.stack = maskPhones(value.stack);
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, seen);
    return out;
  }
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, seen);
  return out;
}
